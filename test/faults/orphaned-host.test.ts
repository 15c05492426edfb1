/**
 * The Pulumi CLI dies abruptly (SIGKILL, the OOM killer, a killed CI job) while a GlanceTaggedImage create runs.
 * The engine starts the dynamic-provider host in a process group of its own, so the host is not killed with the CLI:
 * it goes on with the create for nobody, and the engine's state never records it. The host here runs as the engine
 * runs it (no watchdog); `orphan()` gives it what the CLI's death gives it: end of file on stdin, stdout and stderr no
 * longer read, no engine connection. The moment comes from the fault proxy in front of Glance: when Glance accepted
 * the import (before the tag moves) and when the tag was placed (before the create clears its pending mark).
 *
 * Per run: the orphaned create stops with ERR_ENGINE_GONE and leaves its image marked pending (untagged when the
 * engine went before the tag moved); the next `up` (a new host, no state: the engine never wrote any) takes that
 * image over instead of publishing again. Before this, the orphan finished, cleared the mark, and the retry
 * published the same source a second time, leaving two tagged images.
 */
import { strict as assert } from "node:assert";
import { ProviderCallError } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { GLANCE_PATH, leftoverProblems, markedImages, providers, recordScenario, RUNS_PER_POINT, TYPES, useKillBench } from "./support";
import { PENDING_MARKER } from "../../provider/glance-tagged-image/markers";

const PER_POINT = RUNS_PER_POINT;
const IMPORT = GLANCE_PATH.import;
const TAG = GLANCE_PATH.tag;

interface GonePoint {
  name: string;
  path: RegExp;
  method: string;
  /** The tag is on the orphan's image when it stops. */
  tagged: boolean;
  /** Where the create notices that its engine is gone (its next check). */
  stopsBefore: string;
}

const POINTS: GonePoint[] = [
  { name: "import accepted", method: "POST", path: IMPORT, tagged: false, stopsBefore: "changing the image's attributes" },
  { name: "tag placed", method: "PUT", path: TAG, tagged: true, stopsBefore: "clearing its pending mark" },
];

describe("faults: the Pulumi CLI dies during a create, its provider host goes on (orphaned) @cloud", function () {
  this.timeout(120_000 + POINTS.length * PER_POINT * 40_000);
  const bench = useKillBench("orphan", { "image.raw": 1024 * 1024 });
  const { keys } = bench;

  async function run(point: GonePoint, i: number): Promise<string[]> {
    const label = `orphan-${POINTS.indexOf(point)}-${i}`;
    const resourceKey = `faults/${runId}/${label}`;
    const tag = `faults-${runId}-${label}`;
    keys.push(resourceKey);
    const inputs = { resourceKey, tag, file: bench.file("image.raw"), diskFormat: "raw", importMethod: "glance-direct", keepLastTaggedImage: false };
    const problems: string[] = [];

    const orphan = await bench.newHost({ watchdog: false });
    const lc = await orphan.lifecycle(providers.image, TYPES.image, label);
    bench.proxy.rule({ method: point.method, path: point.path, times: 1, fault: { afterResponse: () => orphan.orphan() } });
    try {
      await lc.up(inputs);
      problems.push("the orphaned create finished: nothing would record its image");
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      const said = `stopped before ${point.stopsBefore}; image \\S+ stays marked pending and ${point.tagged ? "carries" : "does not carry"} tag "${tag}"; the next \`pulumi up\` takes it over instead of publishing again \\(ERR_ENGINE_GONE\\)$`;
      if (!new RegExp(said, "m").test(err.message)) problems.push(`failed otherwise: ${err.message}`);
    }
    bench.proxy.clearRules();
    if (orphan.exited) problems.push("the orphaned host exited (the engine's would not)");
    await orphan.stop();

    const left = await markedImages(resourceKey);
    if (left.length !== 1) problems.push(`${left.length} images after the orphaned create (want 1)`);
    for (const im of left) {
      if (im[PENDING_MARKER] === undefined) problems.push(`image ${im.id} no longer marked pending`);
      if (im.tags.includes(tag) !== point.tagged) problems.push(`image ${im.id} ${point.tagged ? "lacks" : "carries"} the tag`);
    }

    // The engine never wrote state: the retry is a new instance.
    const retryHost = await bench.newHost();
    const retry = await retryHost.lifecycle(providers.image, TYPES.image, label);
    const result = await retry.up(inputs);
    assert.equal(result.op, "create");
    const images = await markedImages(resourceKey);
    if (images.length !== 1) problems.push(`${images.length} images after the retry (want the orphan's, taken over)`);
    if (left[0] && result.outputs.imageId !== left[0].id) problems.push(`the retry's image is ${String(result.outputs.imageId)}, not the orphan's ${left[0].id}`);
    if (!result.output.some((l) => l.includes("taking over"))) problems.push(`the retry does not say it takes the image over: ${result.output.join(" | ")}`);
    problems.push(...(await leftoverProblems(resourceKey, tag)));
    await retry.destroy();
    const after = await markedImages(resourceKey);
    if (after.length) problems.push(`destroy left ${after.map((im) => `${im.id} (${im.status})`).join(", ")}`);
    await retryHost.stop();
    return problems;
  }

  it(`the orphaned create stops with its image pending, and the retry takes it over (${PER_POINT} run(s) per point)`, async () => {
    const notes: string[] = [];
    for (const point of POINTS) {
      for (let i = 0; i < PER_POINT; i++) {
        const problems = await run(point, i);
        if (problems.length) notes.push(`${point.name} run ${i + 1}: ${problems.join("; ")}`);
      }
    }
    recordScenario({
      scenario: "Pulumi CLI killed mid-create, provider host orphaned",
      injected: `the host's stdin closed, its stdout/stderr unread and the engine's connection closed (what the CLI's death does; the host, in its own process group, is not signalled) at ${POINTS.map((p) => p.name).join(" / ")}; ${PER_POINT} run(s) per point, then a new host runs the create again with no state`,
      runs: PER_POINT * POINTS.length,
      bad: notes.length,
      held: "the orphaned create stops with ERR_ENGINE_GONE before the tag moves or before clearing its pending mark; its image stays pending; the retry takes it over (no second upload): one image, tagged, in state; destroy leaves nothing",
      notes,
    });
    assert.deepEqual(notes, []);
  });
});
