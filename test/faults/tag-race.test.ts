/**
 * Two GlanceTaggedImage resources (two stacks, or two resources of one stack) creating with the same tag at the
 * same time, through the real provider host, while a poller asks Glance exactly what Octavia asks
 * (`?tag=&status=active&owner=&sort=created_at:desc&limit=2`) every 20–50 ms. An image tagged by hand (no marker)
 * carries the tag before: it is what Octavia boots until one of them wins.
 *
 * Once with the worst interleaving forced by the fault proxy (both resources list the tagged images before either
 * places its tag, then both tags are placed before either lists again: each finds the other's new image; each step
 * waits for both answers of the one before, as Glance may serve one client's request after the other's next one), and
 * repeatedly free-running. Per run: Octavia's query never comes back empty; every failure is ERR_TAG_CONFLICT naming
 * the other resource; a resource that failed leaves no image behind (the tag stays where it was); a resource that
 * succeeded holds the tag.
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
  GLANCE_PATH,
  glanceUrl,
  hostOptions,
  markedImages,
  providers,
  recordScenario,
  repeat,
  requireDist,
  sleep,
  taggedImages,
  TYPES,
} from "./support";
import { RESOURCE_MARKER } from "../../provider/glance-tagged-image/markers";
import { addImageTag, createImage, uploadImageData } from "../../provider/glance";

const TAG = GLANCE_PATH.tag;
const CONFLICT = /is also moved by another GlanceTaggedImage resource/;

describe("faults: two resources moving the same tag concurrently @cloud", function () {
  this.timeout(60_000 + FAULT_RUNS * 2 * 20_000);
  let proxy: FaultProxy;
  let dir: string;
  const files: string[] = [];
  const keys: string[] = [];
  const handTagged: string[] = [];
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
    await cleanupImages(keys, handTagged);
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
    const demo = await glanceFor("local-demo");
    const octavia = await glanceFor("local-admin");
    const byHand = await createImage(demo, { name: `race-${i} by hand`, diskFormat: "raw", containerFormat: "bare", visibility: "private" });
    handTagged.push(byHand.id);
    await uploadImageData(demo, byHand.id, p);
    await addImageTag(demo, byHand.id, tag);
    const lcA = await ctx.host.lifecycle(providers.image, TYPES.image, `race-a-${i}`);
    const lcB = await ctx.host.lifecycle(providers.image, TYPES.image, `race-b-${i}`);

    // Checks ended (onStart is the engine's ResourcePreEvent, after the check). Forced runs create no image record
    // before both checks have ended: the two ups run at once, so a check could otherwise look at the tag after the
    // other resource's create had begun, and be taken for an apply's look.
    let checked = 0;
    const onStart = (): void => {
      checked++;
    };
    if (forced) {
      // Looks that arrive before the first image record is let through are the checks' (their plan lines) and pass.
      // Of the applies' looks, 1-2 (each resource's look before it tags) wait for each other; 3-4 (the look after
      // tagging) wait until both tags are placed.
      const since = proxy.requests[proxy.requests.length - 1]?.seq ?? 0;
      let listings = 0;
      let released: number | undefined;
      const until = async (done: () => boolean): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!done() && Date.now() < deadline) await sleep(20);
      };
      const after = (seq: number) => (r: { seq: number }) => r.seq > seq;
      const tagsPlaced = () => proxy.matching({ method: "PUT", path: TAG }).filter((r) => r.seq > since && r.done && r.status === 204).length;
      const applyLooks = () => (released === undefined ? 0 : proxy.matching({ method: "GET", path: "/v2/images", url: /[?&]tag=/ }).filter(after(released)).length);
      proxy.rule({
        method: "POST",
        path: "/v2/images",
        fault: {
          hold: async () => {
            await until(() => checked >= 2);
            released ??= proxy.requests[proxy.requests.length - 1]?.seq ?? since;
          },
        },
      });
      // Glance may answer one resource's look after the other has already tagged: each tag waits until both looks
      // before tagging have been answered.
      const applyLooksAnswered = () =>
        released === undefined ? 0 : proxy.matching({ method: "GET", path: "/v2/images", url: /[?&]tag=/ }).filter((r) => r.seq > (released ?? 0) && r.done).length;
      proxy.rule({ method: "PUT", path: TAG, times: 2, fault: { hold: () => until(() => applyLooksAnswered() >= 2) } });
      // Likewise a resource that found the conflict takes its tag off only once both looks after tagging are answered.
      proxy.rule({ method: "DELETE", path: TAG, times: 2, fault: { hold: () => until(() => applyLooksAnswered() >= 4) } });
      proxy.rule({
        method: "GET",
        path: "/v2/images",
        url: /[?&]tag=/,
        fault: {
          hold: (req) => {
            if (released === undefined || req.seq <= released) return Promise.resolve(); // a check's plan look
            const n = ++listings;
            if (n <= 2) return until(() => applyLooks() >= 2);
            return n <= 4 ? until(() => tagsPlaced() >= 2) : Promise.resolve();
          },
        },
      });
    }

    const poller = startOctaviaPoller(octavia, tag, demo.projectId);
    const outcomes = await Promise.allSettled([
      lcA.up({ ...common, resourceKey: keyA, file: a2 }, { onStart }),
      lcB.up({ ...common, resourceKey: keyB, file: b1 }, { onStart }),
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
    if (forced && errors.length !== 2) problems.push(`forced interleaving: ${errors.length} of 2 resources failed`);
    const tagged = await taggedImages(octavia, tag, demo.projectId);
    for (const [name, key, outcome] of [["A", keyA, outcomes[0]], ["B", keyB, outcomes[1]]] as const) {
      const mine = await markedImages(key);
      if (outcome.status === "fulfilled" && !tagged.some((im) => im[RESOURCE_MARKER] === key && im.status === "active")) {
        problems.push(`${name} succeeded but no active image of it carries the tag`);
      }
      if (outcome.status === "rejected" && mine.length) problems.push(`${name} failed but left ${mine.map((im) => `${im.id} (${im.status})`).join(", ")}`);
    }
    if (errors.length === 2 && !tagged.some((im) => im.id === byHand.id)) problems.push("both failed, yet the tag left the image that carried it before");
    return problems;
  }

  it("forced worst interleaving (both look, then both tag): never zero tagged images, both fail and leave nothing", async () => {
    const { bad, notes } = await repeat(FAULT_RUNS, () => race(true));
    recordScenario({
      scenario: "same tag moved by two resources, forced interleaving",
      injected: "two resources create with one tag at once; the proxy lets both look before either tags, and holds both second looks until both tags are placed",
      runs: FAULT_RUNS,
      bad,
      held: "Octavia's query (polled every 20–50 ms) never empty; both fail with ERR_TAG_CONFLICT naming the other resource, leave no image, and the tag stays on the image that carried it",
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
      held: "Octavia's query never empty; at least one of the two reports ERR_TAG_CONFLICT and leaves no image; a winner holds the tag",
      notes,
    });
    assert.deepEqual(notes, []);
  });
});
