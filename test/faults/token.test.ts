/**
 * Token expiry and revocation around a long upload, through the real provider host, with fault proxies in front
 * of Keystone (to shorten the lifetime Keystone announces, to see which token the provider got, and to refuse
 * re-authentication) and of Glance (to make the upload long). Revocation is real: Keystone's
 * DELETE /v3/auth/tokens, then Glance's token cache (5 s in the local cloud) runs out.
 *
 * - expiry announced during the upload: renewed once before the next call, the publish completes;
 * - revoked during the upload: the upload finishes (it was authorised when it started), the next call gets a
 *   401, the token is renewed once and that call re-sent, the publish completes;
 * - revoked just before the upload: Glance refuses the upload with 401; the file is sent once more with a new
 *   token, the publish completes;
 * - revoked and Keystone refusing a new token: fails clearly (resource, image, phase, Keystone's answer); the
 *   next run, with Keystone back, deletes the half-made image and publishes.
 * Every run counts the Keystone authentications (1 + one renewal) and the image's requests at the proxies.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderCallError, startProviderHost, type ProviderHost } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { sessionFor } from "../support/cloud";
import { startFaultProxy, type FaultProxy, type Match } from "../support/fault-proxy";
import {
  cleanupImages,
  ensureGlance,
  FAULT_RUNS,
  GLANCE_PATH,
  glanceUrl,
  hostOptions,
  keystoneUrl,
  leftoverProblems,
  markedImages,
  providers,
  recordScenario,
  repeat,
  requireDist,
  TYPES,
} from "./support";

/** These runs wait out Glance's token cache (~6 s each): once in `npm test`, AMPHORA_FAULT_RUNS times in the figures run. */
const RUNS = FAULT_RUNS > 3 ? FAULT_RUNS : 1;

const STAGE = GLANCE_PATH.stage;
const IMPORT = GLANCE_PATH.import;
const AUTH: Match = { method: "POST", path: /\/v3\/auth\/tokens$/ };

describe("faults: token expiry and revocation during a long upload @cloud", function () {
  this.timeout(60_000 + RUNS * 4 * 30_000);
  let glance: FaultProxy;
  let keystone: FaultProxy;
  let dir: string;
  let file: string;
  let n = 0;
  const keys: string[] = [];
  const hosts: ProviderHost[] = [];
  const examples: Record<string, string> = {};

  before(async () => {
    requireDist();
    await ensureGlance();
    glance = await startFaultProxy(await glanceUrl());
    keystone = await startFaultProxy(new URL(await keystoneUrl()).origin);
    dir = await mkdtemp(join(tmpdir(), "faults-token-"));
    file = join(dir, "amphora.raw");
    await writeFile(file, randomBytes(768 * 1024));
  });
  afterEach(() => {
    glance.clearRules();
    keystone.clearRules();
  });
  after(async function () {
    this.timeout(60_000);
    for (const h of hosts) await h.stop();
    await cleanupImages(keys);
    await glance?.close();
    await keystone?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh host (so a fresh token) authenticating through the Keystone proxy. */
  async function setup(label: string) {
    const i = ++n;
    const resourceKey = `faults/${runId}/token-${label}-${i}`;
    const tag = `faults-${runId}-token-${label}-${i}`;
    keys.push(resourceKey);
    const host = await startProviderHost(hostOptions({ glance, keystone }));
    hosts.push(host);
    const lc = await host.lifecycle(providers.image, TYPES.image, `token-${label}-${i}`);
    const seq = { glance: glance.requests.at(-1)?.seq ?? 0, keystone: keystone.requests.at(-1)?.seq ?? 0 };
    const auths = (): number => keystone.matching(AUTH).filter((r) => r.seq > seq.keystone).length;
    const glanceSince = (m: Match) => glance.matching(m).filter((r) => r.seq > seq.glance);
    return { resourceKey, tag, lc, host, auths, glanceSince, seq, inputs: { resourceKey, tag, file, diskFormat: "raw", importMethod: "glance-direct", keepLastTaggedImage: false } };
  }

  /** The token Keystone issued most recently through the proxy (from X-Subject-Token). */
  function lastIssuedToken(): string {
    const issued = keystone.matching(AUTH).filter((r) => r.status === 201);
    const token = issued.at(-1)?.responseHeaders?.["x-subject-token"];
    if (typeof token !== "string") throw new Error("no token seen at the Keystone proxy");
    return token;
  }

  async function revoke(token: string): Promise<void> {
    const admin = await sessionFor("local-admin");
    const res = await fetch(`${admin.config.authUrl}/auth/tokens`, {
      method: "DELETE",
      headers: { "x-auth-token": await admin.token(), "x-subject-token": token },
    });
    if (res.status !== 204) throw new Error(`revoking the token: Keystone answered ${res.status}`);
  }

  async function finish(s: { lc: Awaited<ReturnType<typeof setup>>["lc"]; resourceKey: string; tag: string; host: ProviderHost }): Promise<string[]> {
    const problems = await leftoverProblems(s.resourceKey, s.tag);
    if (s.lc.state) await s.lc.destroy();
    if ((await markedImages(s.resourceKey)).length) problems.push("destroy left images");
    await s.host.stop();
    return problems;
  }

  it("expiry announced during the upload: renewed once, the publish completes", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const s = await setup("expiry");
      // Keystone's answer says the token lives 4 s: the provider renews once less than 2 s are left.
      keystone.rule({
        ...AUTH,
        times: 1,
        fault: {
          rewriteJson: (json) => {
            const body = json as { token: { expires_at: string } };
            body.token.expires_at = new Date(Date.now() + 4000).toISOString();
            return body;
          },
        },
      });
      glance.rule({ method: "PUT", path: STAGE, times: 1, fault: { throttle: 256 * 1024 } });
      const created = await s.lc.up(s.inputs);
      const problems: string[] = [];
      if (created.op !== "create") problems.push(`op ${created.op}`);
      if (s.auths() !== 2) problems.push(`${s.auths()} authentications (want 2: the first, one renewal)`);
      const stage = s.glanceSince({ method: "PUT", path: STAGE });
      if (stage.length !== 1 || stage[0]?.endedAt === undefined || stage[0].endedAt - stage[0].at < 2500) problems.push("the upload did not outlast the announced lifetime");
      if (s.glanceSince({}).some((r) => r.status === 401)) problems.push("Glance answered 401");
      problems.push(...(await finish(s)));
      return problems;
    });
    recordScenario({
      scenario: "token expiry during a long upload",
      injected: "Keystone's answer rewritten to a 4 s lifetime; 768 KiB stage throttled to 256 KiB/s (3 s)",
      runs: RUNS,
      bad,
      held: "exactly one renewal (2 authentications), no 401, the publish completes",
      notes,
    });
    assert.deepEqual(notes, []);
  });

  it("revoked during the upload: the next call gets 401, renewed once, re-sent once, the publish completes", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const s = await setup("revoked-mid");
      // 7 s upload; the token is revoked as it starts; Glance's 5 s token cache has run out when the import starts.
      glance.rule({ method: "PUT", path: STAGE, times: 1, fault: { throttle: 110 * 1024 } });
      glance.onBody({ method: "PUT", path: STAGE }, 1, () => void revoke(lastIssuedToken()));
      const created = await s.lc.up(s.inputs);
      const problems: string[] = [];
      if (created.op !== "create") problems.push(`op ${created.op}`);
      if (s.auths() !== 2) problems.push(`${s.auths()} authentications (want 2)`);
      const rejected = s.glanceSince({}).filter((r) => r.status === 401);
      if (rejected.length !== 1) problems.push(`${rejected.length} answers 401 (want 1)`);
      const imports = s.glanceSince({ method: "POST", path: IMPORT });
      const accepted = imports.filter((r) => r.status === 202);
      if (accepted.length !== 1) problems.push(`${accepted.length} imports accepted (want 1 of ${imports.length} requests)`);
      if (s.glanceSince({ method: "PUT", path: STAGE }).length !== 1) problems.push("the upload was sent twice");
      problems.push(...(await finish(s)));
      return problems;
    });
    recordScenario({
      scenario: "token revoked during a long upload",
      injected: "token revoked in Keystone as the 7 s stage starts (Glance's token cache: 5 s)",
      runs: RUNS,
      bad,
      held: "upload completes; the next call gets one 401, one renewal, re-sent once (one import accepted); publish completes",
      notes,
    });
    assert.deepEqual(notes, []);
  });

  it("revoked just before the upload: Glance refuses the stage with 401, the file is sent again with a new token", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const s = await setup("revoked-before");
      glance.rule({ method: "POST", path: "/v2/images", times: 1, fault: { afterResponse: () => revoke(lastIssuedToken()) } });
      glance.rule({ method: "PUT", path: STAGE, times: 1, fault: { delayMs: 6000 } });
      const created = await s.lc.up(s.inputs);
      const problems: string[] = [];
      const stages = s.glanceSince({ method: "PUT", path: STAGE });
      if (stages.map((r) => r.status).join(",") !== "401,204") problems.push(`stage answers ${stages.map((r) => r.status).join(",")} (want 401,204)`);
      if (s.auths() !== 2) problems.push(`${s.auths()} authentications (want 2)`);
      if (!created.output.some((l) => /the token was rejected \(401\); sending again with a new one/.test(l))) problems.push("no line about the re-sent upload");
      problems.push(...(await finish(s)));
      return problems;
    });
    recordScenario({
      scenario: "token revoked just before the upload",
      injected: "token revoked when the image record is created; the stage delayed 6 s (past Glance's token cache)",
      runs: RUNS,
      bad,
      held: "Glance answers the stage 401; one renewal; the file is sent once more from the start (hashes of the second pass); publish completes",
      notes,
    });
    assert.deepEqual(notes, []);
  });

  it("revoked and Keystone refusing a new token: fails clearly; the next run cleans up and publishes", async () => {
    const { bad, notes } = await repeat(RUNS, async () => {
      const s = await setup("no-renewal");
      glance.rule({ method: "POST", path: "/v2/images", times: 1, fault: { afterResponse: () => revoke(lastIssuedToken()) } });
      glance.rule({ method: "PUT", path: STAGE, times: 1, fault: { delayMs: 6000 } });
      // Every authentication after the first is refused as Keystone refuses a wrong password.
      keystone.rule({
        ...AUTH,
        when: (r) => keystone.matching(AUTH).some((x) => x.seq > s.seq.keystone && x.seq < r.seq && x.status === 201),
        times: 20,
        fault: { status: 401, body: JSON.stringify({ error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } }) },
      });
      const problems: string[] = [];
      let details = "";
      try {
        await s.lc.up(s.inputs);
        problems.push("the create succeeded without a token");
      } catch (err) {
        assert.ok(err instanceof ProviderCallError, String(err));
        details = err.details;
        examples["no-renewal"] ??= details;
      }
      if (!/image [0-9a-f-]{36}/.test(details) || !/while staging the data/.test(details) || !/requires authentication|401/.test(details)) problems.push(`unclear error: ${details}`);
      keystone.clearRules();
      glance.clearRules();
      await s.host.stop();
      // The next run (a new host, Keystone healthy) removes what is left and publishes.
      const host = await startProviderHost(hostOptions({ glance, keystone }));
      hosts.push(host);
      const lc = await host.lifecycle(providers.image, TYPES.image, "token-no-renewal-rerun");
      const retried = await lc.up(s.inputs);
      if (retried.op !== "create") problems.push(`rerun op ${retried.op}`);
      problems.push(...(await finish({ ...s, lc, host })));
      return problems;
    });
    recordScenario({
      scenario: "token revoked, renewal refused",
      injected: "token revoked before the (delayed) stage; Keystone proxy answers 401 to every later authentication",
      runs: RUNS,
      bad,
      held: "one clear error naming resource, image, phase and Keystone's refusal; the next run deletes the half-made image and publishes",
      notes,
      example: examples["no-renewal"],
    });
    assert.deepEqual(notes, []);
  });
});
