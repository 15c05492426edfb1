/**
 * The provider process killed (SIGKILL to the dynamic-provider host) between creating the Glance image and
 * returning, so the engine never writes state; then a new host runs the same step again, as the next
 * `pulumi up` would. The moment is chosen by the fault proxy in front of Glance: when the image record was
 * created, when the upload is under way, when Glance accepted the import, when the tag was placed, and just
 * before create returns; plus an update killed after the tag moved to the new image.
 *
 * Per run: the retry adopts the finished image or deletes the half-made one (found by the resource's markers: a
 * create's image stays `pending` until its last call), and Glance ends with exactly one active image carrying the
 * tag for a create (two for the update: the new one tagged, the previous one untagged), nothing
 * queued/uploading/saving/importing, never two images of one source.
 *
 * The one exception is the last kill point, after the create's final call (the one that clears `pending`): the
 * engine never wrote the state of a create that had finished in Glance, and the retry is a new resource instance
 * that cannot tell that image from a second deployment's. It publishes again and leaves the earlier image tagged,
 * naming it; Octavia's query is never empty (docs/limits.md).
 */
import { strict as assert } from "node:assert";
import { ProviderCallError, type ProviderHost } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import type { FaultProxy, FaultRule } from "../support/fault-proxy";
import { GLANCE_PATH, leftoverProblems, markedImages, providers, recordScenario, RUNS_PER_POINT, TYPES, useKillBench } from "./support";
import { SOURCE_MARKER } from "../../provider/glance-tagged-image/markers";

const PER_POINT = RUNS_PER_POINT;

const IMAGE = GLANCE_PATH.image;
const STAGE = GLANCE_PATH.stage;
const IMPORT = GLANCE_PATH.import;
const TAG = GLANCE_PATH.tag;

interface KillPoint {
  name: string;
  /** Arms the proxy so that `kill` runs at the chosen moment. */
  arm(proxy: FaultProxy, kill: () => void): void;
  /** An update (first create with `first`, then up with the second file, killed) instead of a create. */
  update?: boolean;
  /** Killed after the create's last call: the rerun is a new instance and publishes again (see above). */
  finishedInGlance?: boolean;
}

const POINTS: KillPoint[] = [
  { name: "image record created", arm: (p, kill) => p.rule({ method: "POST", path: "/v2/images", times: 1, fault: { afterResponse: kill } }) },
  {
    name: "upload under way",
    arm: (p, kill) => {
      p.rule({ method: "PUT", path: STAGE, times: 1, fault: { throttle: 512 * 1024 } });
      p.onBody({ method: "PUT", path: STAGE }, 128 * 1024, kill);
    },
  },
  { name: "import accepted", arm: (p, kill) => p.rule({ method: "POST", path: IMPORT, times: 1, fault: { afterResponse: kill } }) },
  { name: "tag placed", arm: (p, kill) => p.rule({ method: "PUT", path: TAG, times: 1, fault: { afterResponse: kill } }) },
  {
    name: "just before returning",
    finishedInGlance: true,
    arm: (p, kill) => {
      // The PATCH clearing the pending marker, after the tag move and retention: only a GET of the image follows.
      let tagged = false;
      p.rule({ method: "PUT", path: TAG, times: 1, fault: { afterResponse: () => void (tagged = true) } });
      const rule: FaultRule = { method: "PATCH", path: IMAGE, when: () => tagged, times: 1, fault: { afterResponse: kill } };
      p.rule(rule);
    },
  },
  { name: "update: tag moved to the new image", update: true, arm: (p, kill) => p.rule({ method: "PUT", path: TAG, times: 1, fault: { afterResponse: kill } }) },
];

describe("faults: provider process killed between creating the image and returning @cloud", function () {
  this.timeout(120_000 + POINTS.length * PER_POINT * 30_000);
  const bench = useKillBench("crash", { "first.raw": 1024 * 1024, "second.raw": 1024 * 1024 + 512 });
  const { keys } = bench;
  const newHost = (): Promise<ProviderHost> => bench.newHost();

  /** One run: kill at `point`, start a new host, run the step again; returns what went wrong. */
  async function crashAndRerun(point: KillPoint, i: number): Promise<string[]> {
    const label = `crash-${POINTS.indexOf(point)}-${i}`;
    const resourceKey = `faults/${runId}/${label}`;
    const tag = `faults-${runId}-${label}`;
    keys.push(resourceKey);
    // keepLastTaggedImage false: the final destroy must leave nothing, whatever carries the tag.
    const base = { resourceKey, tag, diskFormat: "raw", importMethod: "glance-direct", keepLastTaggedImage: false };
    const problems: string[] = [];

    const host = await newHost();
    const lc = await host.lifecycle(providers.image, TYPES.image, label);
    let previous = "";
    const [first, second] = [bench.file("first.raw"), bench.file("second.raw")];
    if (point.update) previous = String((await lc.up({ ...base, file: first })).outputs.imageId);
    const state = lc.state;
    let killed = false;
    point.arm(bench.proxy, () => {
      killed = true;
      if (host.pid !== undefined) process.kill(host.pid, "SIGKILL");
    });
    try {
      await lc.up({ ...base, file: point.update ? second : first });
      problems.push("the step completed: the host was not killed");
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      if (!killed) problems.push(`failed without the kill: ${err.details}`);
    }
    bench.proxy.clearRules();
    await host.stop();

    // The engine never got an answer: state is what it was before the step.
    const rerunHost = await newHost();
    const rerun = await rerunHost.lifecycle(providers.image, TYPES.image, label);
    rerun.state = state;
    const result = await rerun.up({ ...base, file: point.update ? second : first });
    assert.equal(result.op, point.update ? "update" : "create");

    if (point.finishedInGlance) {
      problems.push(...(await finishedCreateProblems(resourceKey, tag, String(result.outputs.imageId), result.output)));
      await rerun.destroy();
      await rerunHost.stop();
      return problems;
    }
    const images = await markedImages(resourceKey);
    const bySource = new Map<string, number>();
    for (const im of images) bySource.set(String(im[SOURCE_MARKER]), (bySource.get(String(im[SOURCE_MARKER])) ?? 0) + 1);
    for (const [source, count] of bySource) if (count > 1) problems.push(`${count} images of one source (${source.slice(0, 40)}…)`);
    for (const im of images) if (im.status !== "active") problems.push(`image ${im.id} left ${im.status}`);
    const tagged = images.filter((im) => im.tags.includes(tag));
    if (tagged.length !== 1 || tagged[0]?.id !== result.outputs.imageId) problems.push(`tag on ${tagged.map((im) => im.id).join(", ") || "nothing"}, state says ${String(result.outputs.imageId)}`);
    if (point.update) {
      if (images.length !== 2) problems.push(`${images.length} images after the update (want the previous and the new one)`);
      if (result.outputs.imageId === previous) problems.push("the update ended on the previous image");
    } else {
      problems.push(...(await leftoverProblems(resourceKey, tag)));
    }
    await rerun.destroy();
    const left = await markedImages(resourceKey);
    if (left.length) problems.push(`destroy left ${left.map((im) => `${im.id} (${im.status})`).join(", ")}`);
    await rerunHost.stop();
    return problems;
  }

  /** The earlier image keeps the tag and is named; the rerun's image carries it too and Octavia's query finds it. */
  async function finishedCreateProblems(resourceKey: string, tag: string, stateImage: string, output: string[]): Promise<string[]> {
    const problems: string[] = [];
    const images = await markedImages(resourceKey);
    const earlier = images.filter((im) => im.id !== stateImage);
    if (images.length !== 2 || earlier.length !== 1) problems.push(`${images.length} images (want the earlier create's and the rerun's)`);
    for (const im of images) if (im.status !== "active" || !im.tags.includes(tag)) problems.push(`image ${im.id} is ${im.status}, tags ${im.tags.join(",") || "none"}`);
    const named = earlier[0] && output.some((l) => l.includes(`left tagged: ${earlier[0]?.id.slice(0, 8)}`));
    if (!named) problems.push(`the rerun's output does not name the earlier image as left tagged: ${output.join(" | ")}`);
    return problems;
  }

  it(`every kill point, ${PER_POINT} run(s) each: the rerun adopts or removes the half-made image; never two`, async () => {
    const perPoint: Record<string, { bad: number; notes: string[] }> = {};
    for (const point of POINTS) {
      const tally = { bad: 0, notes: [] as string[] };
      for (let i = 0; i < PER_POINT; i++) {
        const problems = await crashAndRerun(point, i);
        if (problems.length) {
          tally.bad++;
          tally.notes.push(`${point.name} run ${i + 1}: ${problems.join("; ")}`);
        }
      }
      perPoint[point.name] = tally;
    }
    const bad = Object.values(perPoint).reduce((s, t) => s + t.bad, 0);
    const notes = Object.values(perPoint).flatMap((t) => t.notes);
    recordScenario({
      scenario: "provider host SIGKILL mid-create",
      injected: `SIGKILL to the dynamic-provider host at ${POINTS.map((p) => p.name).join(" / ")}; ${PER_POINT} run(s) per point, then a new host reruns the step with the state the engine had`,
      runs: PER_POINT * POINTS.length,
      bad,
      held: "rerun deletes the half-made image (queued/uploading/importing) or adopts the finished one; exactly one active tagged image per create (new + untagged previous for the update); never two images of one source, except after the create's last call (the rerun publishes again and names the earlier image, which keeps the tag); destroy leaves nothing",
      notes,
    });
    assert.deepEqual(notes, []);
  });
});
