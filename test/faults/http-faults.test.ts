/**
 * HTTP faults between the provider and Glance, injected by a proxy on 127.0.0.1 (the session's image endpoint is
 * overridden to point at it): 502/503/429 bursts with and without Retry-After, bursts longer than the retry
 * budget, connection resets, lost answers, slow answers, an upload slower than its timeout. Through the real
 * provider host. The proxy counts every request, so "retried with bounded backoff" and "never duplicated" are
 * measured where they happen: idempotent calls (GET, PUT of a tag, DELETE) are re-sent at most twice, after
 * ~1 s and ~2 s (or after Retry-After); POST (create, import), PATCH and streamed uploads are sent exactly once.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderCallError, useProviderHost, type Lifecycle } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { startFaultProxy, type FaultProxy, type Match, type SeenRequest } from "../support/fault-proxy";
import {
  cleanupImages,
  ensureGlance,
  FAULT_RUNS,
  GLANCE_PATH,
  glanceUrl,
  hostOptions,
  leftoverProblems,
  markedImages,
  providers,
  recordScenario,
  repeat,
  requireDist,
  TYPES,
} from "./support";

/** Deterministic scenarios: once per `npm test`; 3 times in the figures run (AMPHORA_FAULT_RUNS > 3). */
const RUNS = FAULT_RUNS > 3 ? 3 : 1;

const IMAGE = GLANCE_PATH.image;
const STAGE = GLANCE_PATH.stage;
const IMPORT = GLANCE_PATH.import;
const TAG = GLANCE_PATH.tag;
const CREATE: Match = { method: "POST", path: "/v2/images" };

describe("faults: 502/503/429 bursts, resets, lost answers and slow answers between provider and Glance @cloud", function () {
  this.timeout(120_000 + RUNS * 60_000);
  let proxy: FaultProxy;
  let dir: string;
  let file: string;
  let n = 0;
  const keys: string[] = [];
  const examples: Record<string, string> = {};

  before(async () => {
    requireDist();
    await ensureGlance();
    proxy = await startFaultProxy(await glanceUrl());
    dir = await mkdtemp(join(tmpdir(), "faults-http-"));
    file = join(dir, "amphora.raw");
    await writeFile(file, randomBytes(256 * 1024));
  });
  const ctx = useProviderHost(() => hostOptions({ glance: proxy }));
  afterEach(() => {
    proxy.clearRules();
  });
  after(async function () {
    this.timeout(60_000);
    await ensureGlance();
    await cleanupImages(keys);
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function resource(label: string): Promise<{ lc: Lifecycle; inputs: Record<string, unknown>; resourceKey: string; tag: string }> {
    const i = ++n;
    const resourceKey = `faults/${runId}/http-${label}-${i}`;
    const tag = `faults-${runId}-${label}-${i}`;
    keys.push(resourceKey);
    const lc = await ctx.host.lifecycle(providers.image, TYPES.image, `${label}-${i}`);
    return { lc, resourceKey, tag, inputs: { resourceKey, tag, file, diskFormat: "raw", importMethod: "glance-direct", keepLastTaggedImage: false } };
  }

  /** The provider's error from a failed step (the engine's message), remembered as an example per scenario. */
  async function failure(label: string, step: Promise<unknown>): Promise<string> {
    try {
      await step;
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      examples[label] ??= err.details;
      return err.details;
    }
    throw new Error(`${label}: the step did not fail`);
  }

  /** Gaps (ms) between the first `count` requests matching `m` since `since` (a retried call's attempts). */
  function gaps(m: Match, since: number, count: number): number[] {
    const seen = proxy.matching(m).filter((r) => r.seq > since).slice(0, count);
    return seen.slice(1).map((r, i) => r.at - (seen[i] as SeenRequest).at);
  }

  const lastSeq = (): number => proxy.requests[proxy.requests.length - 1]?.seq ?? 0;
  const countSince = (m: Match, since: number): number => proxy.matching(m).filter((r) => r.seq > since).length;
  const within = (ms: number | undefined, lo: number, hi: number): boolean => ms !== undefined && ms >= lo && ms <= hi;

  /** After the last run of a resource: one active tagged image, nothing half-made; then destroy leaves nothing. */
  async function settled(r: { lc: Lifecycle; resourceKey: string; tag: string }): Promise<string[]> {
    const problems = await leftoverProblems(r.resourceKey, r.tag);
    if (r.lc.state) await r.lc.destroy();
    const left = await markedImages(r.resourceKey);
    if (left.length) problems.push(`destroy left ${left.map((i) => `${i.id} (${i.status})`).join(", ")}`);
    return problems;
  }

  it("bursts on idempotent calls (503 ×2, 429 ×2 with Retry-After: 1, 502 ×2 on a tag PUT, 503 ×2 on DELETE): retried, bounded, the up succeeds", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const r = await resource("burst");
      const since = lastSeq();
      proxy.rule({ method: "GET", path: "/v2/info/import", times: 2, fault: { status: 503 } });
      proxy.rule({ method: "GET", path: IMAGE, times: 2, fault: { status: 429, retryAfter: "1" } });
      proxy.rule({ method: "PUT", path: TAG, times: 2, fault: { status: 502 } });
      const created = await r.lc.up(r.inputs);
      assert.equal(created.op, "create");
      const problems: string[] = [];
      const backoff = gaps({ method: "GET", path: "/v2/info/import" }, since, 3);
      if (!(within(backoff[0], 900, 1700) && within(backoff[1], 1900, 2900))) problems.push(`503 backoff gaps ${backoff.join(", ")} ms (want ~1000, ~2000)`);
      const honoured = gaps({ method: "GET", path: IMAGE }, since, 3);
      if (!honoured.every((g) => within(g, 950, 1700))) problems.push(`Retry-After: 1 gaps ${honoured.join(", ")} ms`);
      const tagGaps = gaps({ method: "PUT", path: TAG }, since, 3);
      if (!(within(tagGaps[0], 900, 1700) && within(tagGaps[1], 1900, 2900))) problems.push(`502 tag PUT gaps ${tagGaps.join(", ")} ms`);
      if (countSince(CREATE, since) !== 1) problems.push(`${countSince(CREATE, since)} POST /v2/images`);
      if (countSince({ method: "POST", path: IMPORT }, since) !== 1) problems.push(`${countSince({ method: "POST", path: IMPORT }, since)} imports`);
      if (countSince({ method: "PUT", path: STAGE }, since) !== 1) problems.push(`${countSince({ method: "PUT", path: STAGE }, since)} stage PUTs`);
      problems.push(...(await leftoverProblems(r.resourceKey, r.tag)));
      const beforeDelete = lastSeq();
      proxy.rule({ method: "DELETE", path: IMAGE, times: 2, fault: { status: 503 } });
      await r.lc.destroy();
      const del = gaps({ method: "DELETE", path: IMAGE }, beforeDelete, 3);
      if (del.length !== 2) problems.push(`DELETE attempts: ${del.length + 1}`);
      if ((await markedImages(r.resourceKey)).length) problems.push("destroy left images");
      return problems;
    });
    recordScenario({
      scenario: "503/429/502 bursts on idempotent calls",
      injected: "503 ×2 on GET /v2/info/import, 429 ×2 (Retry-After: 1) on GET image, 502 ×2 on PUT tag, 503 ×2 on DELETE",
      runs: RUNS,
      bad,
      held: "each call sent 3 times, gaps ~1 s then ~2 s (Retry-After: 1 → 1 s); POST /v2/images, POST /import, PUT /stage once each; up and destroy succeed",
      notes,
    });
    assert.deepEqual(notes, []);
  });

  it("a burst longer than the retry budget (503 ×3 on GET image) fails after 3 tries, names image and phase, leaves nothing", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const r = await resource("budget");
      const since = lastSeq();
      const started = Date.now();
      // The first GET of the image is the import wait's first poll.
      proxy.rule({ method: "GET", path: IMAGE, times: 3, fault: { status: 503 } });
      const details = await failure("budget", r.lc.up(r.inputs));
      const elapsed = Date.now() - started;
      const problems: string[] = [];
      if (countSince({ method: "GET", path: IMAGE }, since) !== 3) problems.push(`${countSince({ method: "GET", path: IMAGE }, since)} GETs (want 3: no 4th try)`);
      if (!/while waiting for the import to finish: .*503/.test(details)) problems.push(`error: ${details}`);
      if (!/the image was deleted/.test(details)) problems.push("the error does not say the image was deleted");
      if (elapsed > 15_000) problems.push(`took ${elapsed} ms`);
      const left = await markedImages(r.resourceKey);
      if (left.length) problems.push(`left ${left.map((i) => `${i.id} (${i.status})`).join(", ")}`);
      const retried = await r.lc.up(r.inputs);
      assert.equal(retried.op, "create");
      problems.push(...(await settled(r)));
      return problems;
    });
    recordScenario({
      scenario: "503 burst longer than the retry budget",
      injected: "503 ×3 on the first GET of the image during the import wait",
      runs: RUNS,
      bad,
      held: "exactly 3 tries (~3 s), then ERR_PUBLISH naming image and phase; image deleted; the next up succeeds",
      notes,
      example: examples.budget,
    });
    assert.deepEqual(notes, []);
  });

  it("Retry-After beyond the 30 s bound is not waited for: one try, the error says when to retry", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const r = await resource("retry-after");
      const since = lastSeq();
      const started = Date.now();
      proxy.rule({ method: "GET", path: IMAGE, times: 1, fault: { status: 503, retryAfter: "120" } });
      const details = await failure("retry-after", r.lc.up(r.inputs));
      const problems: string[] = [];
      if (countSince({ method: "GET", path: IMAGE }, since) !== 1) problems.push(`${countSince({ method: "GET", path: IMAGE }, since)} GETs (want 1)`);
      if (!/retry after 120 s/.test(details)) problems.push(`error: ${details}`);
      if (Date.now() - started > 10_000) problems.push("it waited");
      if ((await markedImages(r.resourceKey)).length) problems.push("image left");
      await r.lc.up(r.inputs);
      problems.push(...(await settled(r)));
      return problems;
    });
    recordScenario({
      scenario: "503 with Retry-After: 120",
      injected: "503 with Retry-After: 120 on a GET of the image",
      runs: RUNS,
      bad,
      held: "not retried (1 request), fails at once naming the asked delay; image deleted; next up succeeds",
      notes,
      example: examples["retry-after"],
    });
    assert.deepEqual(notes, []);
  });

  it("non-idempotent calls are sent once: 503 on POST /v2/images, on POST /import, 502 on PATCH", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const problems: string[] = [];
      // POST /v2/images refused: nothing exists.
      const a = await resource("post-create");
      let since = lastSeq();
      proxy.rule({ ...CREATE, times: 1, fault: { status: 503 } });
      const createErr = await failure("post-create", a.lc.up(a.inputs));
      if (countSince(CREATE, since) !== 1) problems.push(`create: ${countSince(CREATE, since)} POSTs`);
      if (!/creating the image record failed: 503/.test(createErr)) problems.push(`create error: ${createErr}`);
      if ((await markedImages(a.resourceKey)).length) problems.push("an image exists after a refused create");
      await a.lc.up(a.inputs);
      problems.push(...(await settled(a)));

      // POST /import refused: the staged image is deleted.
      const b = await resource("post-import");
      since = lastSeq();
      proxy.rule({ method: "POST", path: IMPORT, times: 1, fault: { status: 503 } });
      const importErr = await failure("post-import", b.lc.up(b.inputs));
      if (countSince({ method: "POST", path: IMPORT }, since) !== 1) problems.push(`import: ${countSince({ method: "POST", path: IMPORT }, since)} POSTs`);
      if (!/while starting the import \(POST \/import\): 503.*the image was deleted/.test(importErr)) problems.push(`import error: ${importErr}`);
      if ((await markedImages(b.resourceKey)).length) problems.push("image left after a refused import");
      await b.lc.up(b.inputs);
      problems.push(...(await settled(b)));

      // PATCH refused (protected: true is set by a PATCH once the image is verified): the verified image stays,
      // untagged, and the next up adopts it without a second upload.
      const c = await resource("patch");
      since = lastSeq();
      proxy.rule({ method: "PATCH", path: IMAGE, times: 1, fault: { status: 502 } });
      const patchErr = await failure("patch", c.lc.up({ ...c.inputs, protected: true }));
      if (countSince({ method: "PATCH", path: IMAGE }, since) !== 1) problems.push(`patch: ${countSince({ method: "PATCH", path: IMAGE }, since)} PATCHes`);
      if (!/updating the attributes and members of image .* failed: 502/.test(patchErr)) problems.push(`patch error: ${patchErr}`);
      const afterPatch = lastSeq();
      const adopted = await c.lc.up({ ...c.inputs, protected: true });
      if (!adopted.output.some((l) => /adopting image .* published earlier from the same source/.test(l))) problems.push("the verified image was not adopted");
      if (countSince({ method: "PUT", path: STAGE }, afterPatch) !== 0) problems.push("uploaded a second time");
      problems.push(...(await leftoverProblems(c.resourceKey, c.tag)));
      await c.lc.up({ ...c.inputs, protected: false });
      problems.push(...(await settled(c)));
      return problems;
    });
    recordScenario({
      scenario: "503/502 on non-idempotent calls",
      injected: "503 on POST /v2/images; 503 on POST /import; 502 on PATCH of the image",
      runs: RUNS,
      bad,
      held: "each sent exactly once; refused create leaves nothing; refused import deletes the image; refused PATCH leaves the verified image, adopted by the next up without re-upload",
      notes,
      example: examples["post-import"],
    });
    assert.deepEqual(notes, []);
  });

  it("lost answers of POST /v2/images and POST /import (request took effect, connection reset): never re-sent, no duplicate", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const problems: string[] = [];
      for (const [label, m] of [
        ["lost-create", CREATE],
        ["lost-import", { method: "POST", path: IMPORT }],
      ] as const) {
        const r = await resource(label);
        const since = lastSeq();
        proxy.rule({ ...m, times: 1, fault: { resetAfterForward: true } });
        const details = await failure(label, r.lc.up(r.inputs));
        if (countSince(m, since) !== 1) problems.push(`${label}: ${countSince(m, since)} requests`);
        const between = await markedImages(r.resourceKey);
        if (between.length > 1) problems.push(`${label}: ${between.length} images after one lost answer`);
        if (label === "lost-import" && !/while starting the import/.test(details)) problems.push(`${label}: ${details}`);
        const retrySince = lastSeq();
        const retried = await r.lc.up(r.inputs);
        assert.equal(retried.op, "create");
        if (countSince(CREATE, retrySince) > 1) problems.push(`${label}: retry created ${countSince(CREATE, retrySince)} images`);
        problems.push(...(await settled(r)).map((p) => `${label}: ${p}`));
      }
      return problems;
    });
    recordScenario({
      scenario: "lost answer of a non-idempotent call",
      injected: "proxy forwards POST /v2/images (or POST /import), Glance acts, then the connection is reset instead of the answer",
      runs: RUNS,
      bad,
      held: "the POST is never re-sent; at most one image per request; the next up deletes the orphan (marker) and ends with exactly one active tagged image",
      notes,
      example: examples["lost-create"],
    });
    assert.deepEqual(notes, []);
  });

  it("connection resets: GETs retried; a reset upload is not re-sent and fails naming the phase", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const problems: string[] = [];
      const a = await resource("reset-get");
      let since = lastSeq();
      proxy.rule({ method: "GET", path: IMAGE, times: 2, fault: { reset: true } });
      await a.lc.up(a.inputs);
      const resetGaps = gaps({ method: "GET", path: IMAGE }, since, 3);
      if (!(within(resetGaps[0], 900, 1700) && within(resetGaps[1], 1900, 2900))) problems.push(`reset GET gaps ${resetGaps.join(", ")}`);
      problems.push(...(await settled(a)));

      const b = await resource("reset-stage");
      since = lastSeq();
      proxy.rule({ method: "PUT", path: STAGE, times: 1, fault: { reset: true } });
      const details = await failure("reset-stage", b.lc.up(b.inputs));
      if (countSince({ method: "PUT", path: STAGE }, since) !== 1) problems.push(`${countSince({ method: "PUT", path: STAGE }, since)} stage PUTs`);
      if (!/while staging the data \(PUT \/stage\).*the image was deleted/.test(details)) problems.push(`stage reset error: ${details}`);
      if ((await markedImages(b.resourceKey)).length) problems.push("image left after a reset upload");
      await b.lc.up(b.inputs);
      problems.push(...(await settled(b)));
      return problems;
    });
    recordScenario({
      scenario: "connection resets",
      injected: "TCP reset (no answer) on 2 GETs of the image; on the PUT /stage",
      runs: RUNS,
      bad,
      held: "GET re-sent after ~1 s and ~2 s, up succeeds; the upload is not re-sent (stream), error names the phase, image deleted; next up succeeds",
      notes,
      example: examples["reset-stage"],
    });
    assert.deepEqual(notes, []);
  });

  it("slow answers (1.5 s on the first 3 GETs) complete without retries; an upload slower than timeouts.uploadSeconds fails cleanly", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const problems: string[] = [];
      const a = await resource("slow");
      let since = lastSeq();
      proxy.rule({ method: "GET", times: 3, fault: { delayMs: 1500 } });
      await a.lc.up(a.inputs);
      proxy.clearRules();
      const seen = proxy.requests.filter((r) => r.seq > since);
      if (seen.some((r) => r.status !== undefined && r.status >= 400)) problems.push("a request failed");
      for (const m of [CREATE, { method: "POST", path: IMPORT }, { method: "PUT", path: STAGE }]) {
        if (countSince(m, since) !== 1) problems.push(`${m.method} ${String(m.path)}: ${countSince(m, since)}`);
      }
      problems.push(...(await settled(a)));

      const b = await resource("slow-upload");
      since = lastSeq();
      proxy.rule({ method: "PUT", path: STAGE, fault: { throttle: 64 * 1024 } });
      const details = await failure("slow-upload", b.lc.up({ ...b.inputs, timeouts: { uploadSeconds: 1 } }));
      proxy.clearRules();
      if (!/while staging the data .*(Timeout|timed out|ETIMEDOUT).*the image was deleted/i.test(details)) problems.push(`timeout error: ${details}`);
      if (countSince({ method: "PUT", path: STAGE }, since) !== 1) problems.push("the slow upload was re-sent");
      if ((await markedImages(b.resourceKey)).length) problems.push("image left after the upload timeout");
      await b.lc.up(b.inputs);
      problems.push(...(await settled(b)));
      return problems;
    });
    recordScenario({
      scenario: "slow answers, upload timeout",
      injected: "1.5 s delay before each of the first 3 GETs of a create; PUT /stage throttled to 64 KiB/s with timeouts.uploadSeconds 1",
      runs: RUNS,
      bad,
      held: "slow answers: no retry, no duplicate, up succeeds; slow upload: fails after 1 s naming the phase, image deleted, next up succeeds",
      notes,
      example: examples["slow-upload"],
    });
    assert.deepEqual(notes, []);
  });
});
