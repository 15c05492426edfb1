/**
 * Two GlanceTaggedImage resources (two stacks, or two resources of one stack) moving the same tag at the same
 * time, through the real provider host, while a poller asks Glance exactly what Octavia asks
 * (`?tag=&status=active&owner=&sort=created_at:desc&limit=2`) every 20–50 ms.
 *
 * Resource A already holds the tag on image P; then A moves it to a new image A2 while B creates B1 with the
 * same tag. Once with the worst interleaving forced by the fault proxy (both tags placed before either resource
 * lists the tagged images: each would then untag the other's new image), and repeatedly free-running. Per run:
 * Octavia's query never comes back empty, and the conflict is reported (ERR_TAG_CONFLICT naming the other
 * resource) by at least one of the two.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderCallError, useProviderHost } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { startOctaviaPoller } from "../glance-tagged-image/support";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import {
  cleanupImages,
  ensureGlance,
  FAULT_RUNS,
  glanceFor,
  glanceUrl,
  hostOptions,
  providers,
  recordScenario,
  repeat,
  requireDist,
  sleep,
  taggedImages,
  TYPES,
} from "./support";
import { RESOURCE_MARKER } from "../../provider/glance-tagged-image/markers";

const TAG = /^\/v2\/images\/[0-9a-f-]{36}\/tags\/.+$/;
const CONFLICT = /is also moved by another GlanceTaggedImage resource/;

describe("faults: two resources moving the same tag concurrently @cloud", function () {
  this.timeout(60_000 + FAULT_RUNS * 2 * 20_000);
  let proxy: FaultProxy;
  let dir: string;
  const files: string[] = [];
  const keys: string[] = [];
  let n = 0;
  let example = "";

  before(async () => {
    requireDist();
    await ensureGlance();
    proxy = await startFaultProxy(await glanceUrl());
    dir = await mkdtemp(join(tmpdir(), "faults-race-"));
    for (const name of ["p", "a2", "b1"]) {
      const path = join(dir, `${name}.raw`);
      await writeFile(path, randomBytes(128 * 1024 + files.length));
      files.push(path);
    }
  });
  const ctx = useProviderHost(() => hostOptions({ glance: proxy }));
  afterEach(() => proxy.clearRules());
  after(async function () {
    this.timeout(60_000);
    await cleanupImages(keys);
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function race(forced: boolean): Promise<string[]> {
    const i = ++n;
    const tag = `faults-${runId}-race-${i}`;
    const keyA = `faults/${runId}/stack-a/race-${i}`;
    const keyB = `faults/${runId}/stack-b/race-${i}`;
    keys.push(keyA, keyB);
    const [p, a2, b1] = files as [string, string, string];
    const common = { tag, diskFormat: "raw", importMethod: "glance-direct" };
    const lcA = await ctx.host.lifecycle(providers.image, TYPES.image, `race-a-${i}`);
    const lcB = await ctx.host.lifecycle(providers.image, TYPES.image, `race-b-${i}`);
    await lcA.up({ ...common, resourceKey: keyA, file: p });

    if (forced) {
      // Both tags are placed before either resource lists the images carrying the tag.
      const since = proxy.requests[proxy.requests.length - 1]?.seq ?? 0;
      const bothTagged = async (): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (proxy.matching({ method: "PUT", path: TAG }).filter((r) => r.seq > since && r.done && r.status === 204).length < 2) {
          if (Date.now() > deadline) return;
          await sleep(20);
        }
      };
      proxy.rule({ method: "GET", path: "/v2/images", url: /[?&]tag=/, times: 2, fault: { hold: bothTagged } });
    }

    const demo = await glanceFor("local-demo");
    const octavia = await glanceFor("local-admin");
    const poller = startOctaviaPoller(octavia, tag, demo.projectId);
    const outcomes = await Promise.allSettled([
      lcA.up({ ...common, resourceKey: keyA, file: a2 }),
      lcB.up({ ...common, resourceKey: keyB, file: b1 }),
    ]);
    await sleep(150);
    await poller.stop();
    proxy.clearRules();

    const problems: string[] = [];
    const empty = poller.samples.filter((s) => s.ids.length === 0);
    if (empty.length) problems.push(`Octavia's query came back empty ${empty.length} times of ${poller.samples.length}`);
    if (poller.samples.length < 5) problems.push(`only ${poller.samples.length} samples`);
    const errors = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    for (const err of errors) {
      if (!(err instanceof ProviderCallError) || !CONFLICT.test(err.details)) problems.push(`unexpected failure: ${String(err)}`);
      else example ||= err.details;
    }
    if (errors.length === 0) problems.push("neither resource reported the conflict");
    const tagged = await taggedImages(octavia, tag, demo.projectId);
    for (const [name, key] of [["A", keyA], ["B", keyB]] as const) {
      if (!tagged.some((im) => im[RESOURCE_MARKER] === key && im.status === "active")) problems.push(`no active image of ${name} carries the tag`);
    }
    return problems;
  }

  it("forced worst interleaving (both tags placed before either lists): never zero tagged images, conflict reported", async () => {
    const { bad, notes } = await repeat(FAULT_RUNS, () => race(true));
    recordScenario({
      scenario: "same tag moved by two resources, forced interleaving",
      injected: "two resources move one tag at once; the proxy holds both tag listings until both tags are placed",
      runs: FAULT_RUNS,
      bad,
      held: "Octavia's query (polled every 20–50 ms) never empty; ERR_TAG_CONFLICT naming the other resource; each resource keeps its own image tagged",
      notes,
      example,
    });
    assert.deepEqual(notes, []);
  });

  it("free-running race: never zero tagged images, conflict reported", async () => {
    const { bad, notes } = await repeat(FAULT_RUNS, () => race(false));
    recordScenario({
      scenario: "same tag moved by two resources, free-running",
      injected: "two resources move one tag at once, no interference",
      runs: FAULT_RUNS,
      bad,
      held: "Octavia's query never empty; at least one of the two reports ERR_TAG_CONFLICT",
      notes,
    });
    assert.deepEqual(notes, []);
  });
});
