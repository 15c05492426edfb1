/**
 * `npm run bench`: the performance benchmark of issue 7, against the local Glance (test/support/cloud.ts:
 * $LOCAL_OPENSTACK_DIR, default <repo>/.local-openstack). Writes BENCHMARKS.md (see report.ts); bench/README.md
 * says how to run it on an isolated cloud and what each knob does.
 *
 *   1–3 upload.ts      upload throughput, peak RSS and verification cost, 256 MiB and 2 GiB random files
 *   4   noop-diff.ts   no-op diff of 50 GlanceTaggedImage + 10 AmphoraImageBuild, HTTP requests counted; build key
 *   5   tag-move.ts    20 tag moves under Octavia's 50 ms poll
 *   6   multi-region.ts one image to two regions: two uploads vs importFrom (glance-download), bytes sent and time
 *   7   fleet-rotation.ts AmphoraFleetRotation: requests of a preview of 1,000 load balancers (fake Octavia), and the
 *                      rotation's overhead over Octavia's failover times, 20 load balancers (local Octavia, if started)
 *   8   boot-gate.ts   the boot gate on a real amphora built with diskimage-builder: QEMU start → agent's answer
 *                      (root, diskimage-builder and QEMU; skipped with why when missing)
 */
import "./lib/env";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { provider as amphoraProvider } from "../provider/amphora-image-build/provider";
import { useGlanceClient } from "../provider/common/provider-context";
import { GlanceClient } from "../provider/glance/client";
import { isStatus } from "../provider/glance/errors";
import { deleteImage, listAllImages } from "../provider/glance/images";
import { provider as taggedProvider } from "../provider/glance-tagged-image/provider";
import { imageClientFor, localCloudDir, sessionFor } from "../test/support/cloud";
import { bootGateCost } from "./boot-gate";
import { multiRegion } from "./multi-region";
import { machineFacts } from "./lib/machine";
import { repoRoot } from "./lib/paths";
import { haveGnuTime, onPath } from "./lib/proc";
import { quietly } from "./lib/quiet";
import { MiB } from "./lib/stats";
import { parseRotationSpecs, previewCost, rotationCost } from "./fleet-rotation";
import { createAmphoraBuilds, createTaggedImages, runBuildKey, runNoopDiffs, runTree, type DiffSubject } from "./noop-diff";
import { renderRun, writeReport, type BenchResults } from "./report";
import { tagMoves } from "./tag-move";
import { availableContenders, hashRates, randomFile, uploadRounds } from "./upload";

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function sizes(): Array<{ label: string; bytes: number; rounds: number }> {
  const spec = process.env.BENCH_SIZES ?? `256MiB:${process.env.BENCH_ROUNDS_SMALL ?? 7},2GiB:${process.env.BENCH_ROUNDS_LARGE ?? 3}`;
  return spec.split(",").map((item) => {
    const match = /^(\d+)(MiB|GiB):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`BENCH_SIZES: "${item}" is not <n>MiB:<rounds> or <n>GiB:<rounds>`);
    const n = Number(match[1]);
    return { label: `${n} ${match[2]}`, bytes: n * (match[2] === "GiB" ? 1024 * MiB : MiB), rounds: Number(match[3]) };
  });
}

async function deleteAll(p: pulumi.dynamic.ResourceProvider, subjects: DiffSubject[]): Promise<void> {
  for (let i = 0; i < subjects.length; i += 4) {
    await Promise.all(subjects.slice(i, i + 4).map((s) => p.delete!(s.id, s.state).catch((err: unknown) => log(`  cleanup of ${s.id}: ${String(err)}`))));
  }
}

/** Deletes every image of the project whose name carries this run's prefix (whatever a failure left behind). */
async function sweep(glance: GlanceClient, runId: string): Promise<void> {
  const prefix = `pulumi-amphora-bench-${runId}`;
  for (const image of await listAllImages(glance, { owner: glance.projectId })) {
    if (!image.name?.startsWith(prefix)) continue;
    await deleteImage(glance, image.id).catch((err: unknown) => {
      if (!isStatus(err, 404)) log(`  could not delete ${image.id}: ${String(err)}`);
    });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const sections = (process.env.BENCH_SECTIONS ?? "upload,diff,tagmove,multiregion,fleet,boot").split(",").map((s) => s.trim());
  const runId = `${new Date().toISOString().slice(0, 10).replace(/-/g, "")}-${randomBytes(3).toString("hex")}`;
  const missing = [!onPath("curl") && "curl", !haveGnuTime() && "time (GNU time, /usr/bin/time)"].filter(Boolean);
  if (missing.length) throw new Error(`install ${missing.join(" and ")} first: apt-get install ${missing.map((m) => String(m).split(" ")[0]).join(" ")}`);

  log(`bench ${runId}: cloud ${localCloudDir}, sections ${sections.join(", ")}`);
  const session = await sessionFor("local-demo");
  const glance = new GlanceClient(await imageClientFor("local-demo"));
  const token = await session.token();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pulumi-amphora-bench-"));
  const removeDir = (): void => {
    void fs.rm(dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    removeDir();
    process.exit(130);
  });
  const results: BenchResults = { runId, machine: machineFacts(localCloudDir), durationS: 0, sections, load: {} };
  const section = async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (!sections.includes(name)) return;
    const start = os.loadavg()[0] ?? NaN;
    await fn();
    results.load[name] = { start, end: os.loadavg()[0] ?? NaN };
  };

  try {
    await section("upload", async () => {
      const contenders = availableContenders(log);
      const list = sizes();
      results.upload = { files: [], rounds: {}, contenders, runs: [], hashRates: hashRates() };
      const ctx = { session, glance, token, authUrl: session.config.authUrl, tmpDir: dir, runId, benchDir: __dirname, contenders, log };
      for (const size of list) {
        log(`1–3. upload: ${size.label}, ${size.rounds} rounds of ${contenders.join(", ")}`);
        const file = await randomFile(dir, size.label.replace(" ", ""), size.bytes);
        try {
          results.upload.runs.push(...(await uploadRounds(ctx, { ...file, label: size.label }, size.rounds)));
          results.upload.files.push({ label: size.label, bytes: file.bytes, md5: file.md5, sha256: file.sha256 });
          results.upload.rounds[size.label] = size.rounds;
        } finally {
          await fs.rm(file.path, { force: true });
        }
      }
    });

    await section("diff", async () => {
      const tagged = Number(process.env.BENCH_DIFF_TAGGED ?? 50);
      const amphora = Number(process.env.BENCH_DIFF_AMPHORA ?? 10);
      const files = Number(process.env.BENCH_TREE_FILES ?? 1000);
      log(`4. no-op diff: creating ${tagged} GlanceTaggedImage and ${amphora} AmphoraImageBuild (element tree of ${files} files)`);
      const taggedSubjects = await createTaggedImages(glance, tagged, dir, runId);
      const built = await createAmphoraBuilds(amphora, files, dir);
      try {
        log("   diffing in a fresh process");
        const subjects = { tagged: taggedSubjects, amphora: built.subjects };
        const run = await runNoopDiffs({ ...subjects, engineOrder: true }, dir);
        log("   again in a fresh process, Diff calls only");
        const diffOnlyRun = await runNoopDiffs(subjects, dir);
        const first = built.subjects[0];
        const buildKey = await runBuildKey({ inputs: first?.inputs ?? {}, state: first?.state ?? {} }, dir);
        const tree = await runTree([built.checkout.elements], dir);
        results.noopDiff = { tagged, amphora, files: built.checkout.files, run, diffOnlyRun, buildKey, tree };
        log(`   ${run.requests.http} HTTP requests, ${run.requests.sockets} connects`);
      } finally {
        useGlanceClient(glance);
        await quietly(() => deleteAll(taggedProvider, taggedSubjects));
        useGlanceClient(undefined);
        await quietly(() => deleteAll(amphoraProvider, built.subjects));
        await fs.rm(built.checkout.root, { recursive: true, force: true });
      }
    });

    await section("tagmove", async () => {
      const moves = Number(process.env.BENCH_MOVES ?? 20);
      log(`5. tag move: ${moves} moves under a 50 ms poll`);
      results.tagMove = await tagMoves(glance, { moves, pollMs: 50, dir, runId });
      log(`   ${results.tagMove.emptyAnswers} empty answers of ${results.tagMove.polls}`);
    });

    await section("multiregion", async () => {
      const bytes = Number(process.env.BENCH_MR_MIB ?? 256) * MiB;
      const rounds = Number(process.env.BENCH_MR_ROUNDS ?? 3);
      log(`6. multi-region: ${bytes / MiB} MiB to RegionOne and RegionTwo (cloud local-multi), ${rounds} rounds of two uploads vs importFrom`);
      const { glance: clients, ...measured } = await multiRegion({ bytes, rounds, dir, runId, log });
      results.multiRegion = measured;
      for (const client of clients) await sweep(client, runId).catch((err: unknown) => log(`sweep failed: ${String(err)}`));
    });

    await section("fleet", async () => {
      const previewLbs = Number(process.env.BENCH_FLEET_PREVIEW_LBS ?? 1000);
      const lbs = Number(process.env.BENCH_FLEET_LBS ?? 20);
      const specs = parseRotationSpecs(process.env.BENCH_FLEET_ROTATIONS ?? "1x1@0.5,5x5@0.5,5x5@5");
      log(`7. fleet rotation: preview of ${previewLbs} load balancers (fake Octavia, requests counted)`);
      const preview = await previewCost({ loadBalancers: previewLbs, runId, log });
      log(`7. fleet rotation: ${lbs} load balancers on the local Octavia, ${specs.length} rotations`);
      results.fleet = { preview, ...(await rotationCost({ loadBalancers: lbs, specs, runId, log })) };
      if (results.fleet.rotationSkipped !== undefined) log(`   rotation not measured: ${results.fleet.rotationSkipped}`);
    });

    await section("boot", async () => {
      const rounds = Number(process.env.BENCH_BOOT_ROUNDS ?? 3);
      log(`8. boot gate: the real amphora built once, booted ${rounds} times until its agent answers`);
      results.boot = await bootGateCost({ rounds, log });
      if (results.boot.skipped !== undefined) log(`   not measured: ${results.boot.skipped}`);
    });
  } finally {
    await sweep(glance, runId).catch((err: unknown) => log(`sweep failed: ${String(err)}`));
    await fs.rm(dir, { recursive: true, force: true });
  }

  results.durationS = (Date.now() - started) / 1000;
  const cache = path.join(repoRoot(), "node_modules", ".cache", "pulumi-amphora-bench");
  await fs.mkdir(cache, { recursive: true });
  await fs.writeFile(path.join(cache, `run-${runId}.json`), JSON.stringify(results, null, 1));
  const output = process.env.BENCH_OUTPUT ?? path.join(repoRoot(), "BENCHMARKS.md");
  if (output !== "-") {
    await writeReport(output, results, Number(process.env.BENCH_KEEP_RUNS ?? 4));
    log(`\nwrote ${output} (raw results: ${path.join(cache, `run-${runId}.json`)})`);
  }
  log(`\n${renderRun(results).split("### Targets")[1] ?? ""}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
