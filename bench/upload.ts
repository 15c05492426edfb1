/**
 * Sections 1–3: upload throughput, peak RSS, and the cost of verification, for each file size.
 *
 * Contenders, each a process of its own under GNU time, alternating (the order rotates every round), same file,
 * same token, each into a fresh image that is deleted right after:
 *   curl PUT                 `curl -T file` to PUT /v2/images/{id}/file (the practical limit)
 *   ours upload              upload-child publish-upload: PUT /file hashing sha512 in the same pass, verified
 *   ours upload + sha256     the same with expectedSha256 declared: sha512+sha256 in the pass, both checked
 *   ours upload, no hashing  upload-child plain-upload: uploadImageData(path), nothing else
 *   got 11, no hashing       upload-child got11-plain-upload: the same PUT /file made as the HTTP layer made it
 *                            before undici (got 11, file read in 1 MiB chunks, no retry): the baseline of the
 *                            HTTP layer, in the same run, in the same child process (same modules loaded)
 *   openstack image create   `openstack image create --file` (python3-openstackclient, what operators use)
 *   ours glance-direct       upload-child publish-glance-direct: stage, import, wait, verified
 *   curl glance-direct       curl stage + import + a 300 ms poll until the import is done (Glance's own limit)
 * The image records for curl and ours are created by the runner before the clock starts (one POST);
 * openstackclient creates its own record, its whole command is timed (start-up and auth included).
 */
import { randomFillSync, createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { GlanceClient } from "../provider/glance/client";
import { createImage, deleteImage, getImage } from "../provider/glance/images";
import { isStatus } from "../provider/glance/errors";
import type { OpenStackSession } from "../provider/openstack";
import { onPath, runMeasured, type ProcessRun } from "./lib/proc";
import { MiB } from "./lib/stats";
import type { UploadChildResult, UploadJob } from "./upload-child";

export type ContenderId =
  | "curl-put"
  | "ours-upload"
  | "ours-upload-sha256"
  | "ours-upload-nohash"
  | "got11-upload-nohash"
  | "openstack"
  | "ours-glance-direct"
  | "curl-glance-direct";

export const CONTENDERS: Record<ContenderId, string> = {
  "curl-put": "curl -T (PUT /file)",
  "ours-upload": "ours: upload (PUT /file, sha512 hashed + verified)",
  "ours-upload-sha256": "ours: upload with expectedSha256 (sha512+sha256)",
  "ours-upload-nohash": "ours: uploadImageData, no hashing",
  "got11-upload-nohash": "baseline: the same PUT /file on got 11 (the HTTP layer before undici)",
  openstack: "openstack image create --file",
  "ours-glance-direct": "ours: glance-direct (stage + import + wait, hashed + verified)",
  "curl-glance-direct": "curl: glance-direct (stage + import + 300 ms poll)",
};

export interface TestFile {
  label: string;
  path: string;
  bytes: number;
  md5: string;
  sha256: string;
}

export interface UploadRun {
  contender: ContenderId;
  file: string;
  bytes: number;
  round: number;
  /** Position in the round's order (0 = first). */
  position: number;
  process: Omit<ProcessRun, "stdout" | "stderr">;
  /** ours only: the timed call inside the child, and the child's own VmHWM. */
  child?: UploadChildResult;
  /** Time the throughput is computed from: the call for ours, the whole process for curl and openstack. */
  timedMs: number;
  mibPerS: number;
  checksumOk: boolean;
}

/** Single-thread hashing speed of this CPU, MiB/s, over 256 MiB in memory (what the uploading process pays). */
export function hashRates(): Record<string, number> {
  const data = Buffer.allocUnsafe(MiB);
  randomFillSync(data);
  const rates: Record<string, number> = {};
  for (const algorithms of [["sha256"], ["sha512"], ["md5"], ["sha512", "md5"], ["sha256", "sha512", "md5"]]) {
    const hashes = algorithms.map((a) => createHash(a));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 256; i++) for (const h of hashes) h.update(data);
    for (const h of hashes) h.digest();
    rates[algorithms.join("+")] = 256 / (Number(process.hrtime.bigint() - start) / 1e9);
  }
  return rates;
}

/** A file of random bytes, with its md5 (Glance's `checksum`) and sha256 computed while writing it. */
export async function randomFile(dir: string, label: string, bytes: number): Promise<TestFile> {
  const file = path.join(dir, `${label}.raw`);
  const handle = await fs.open(file, "w", 0o600);
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const chunk = Buffer.allocUnsafe(8 * MiB);
  try {
    for (let written = 0; written < bytes; ) {
      const n = Math.min(chunk.length, bytes - written);
      const part = chunk.subarray(0, n);
      randomFillSync(part);
      md5.update(part);
      sha256.update(part);
      await handle.write(part, 0, n);
      written += n;
    }
  } finally {
    await handle.close();
  }
  return { label, path: file, bytes, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

export interface UploadContext {
  session: OpenStackSession;
  glance: GlanceClient;
  token: string;
  authUrl: string;
  tmpDir: string;
  runId: string;
  /** Compiled bench directory (where upload-child.js is). */
  benchDir: string;
  contenders: ContenderId[];
  log: (line: string) => void;
}

const NAME_PREFIX = "pulumi-amphora-bench";

async function freshImage(ctx: UploadContext, name: string): Promise<string> {
  const image = await createImage(ctx.glance, { name, diskFormat: "raw", containerFormat: "bare", visibility: "private" });
  return image.id;
}

async function dropImage(ctx: UploadContext, id: string | undefined): Promise<void> {
  if (!id) return;
  try {
    await deleteImage(ctx.glance, id);
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
}

function curlHeaders(ctx: UploadContext): string {
  return path.join(ctx.tmpDir, "curl-headers.txt");
}

const CURL_GLANCE_DIRECT = `
set -eu
curl -sS -f -o /dev/null -T "$BENCH_FILE" -H @"$BENCH_HEADERS" -H "Content-Type: application/octet-stream" "$BENCH_IMAGE_URL/stage"
curl -sS -f -o /dev/null -X POST -H @"$BENCH_HEADERS" -H "Content-Type: application/json" -d '{"method":{"name":"glance-direct"}}' "$BENCH_IMAGE_URL/import"
for _ in $(seq 1 4000); do
  body=$(curl -sS -f -H @"$BENCH_HEADERS" "$BENCH_IMAGE_URL")
  case $body in
    *'"os_glance_import_task"'*) ;;
    *'"status": "active"'*) exit 0 ;;
    *) echo "import failed: $body" >&2; exit 1 ;;
  esac
  sleep 0.3
done
echo "import did not finish" >&2
exit 1
`;

async function runContender(ctx: UploadContext, contender: ContenderId, file: TestFile, round: number, position: number): Promise<UploadRun> {
  const name = `${NAME_PREFIX}-${ctx.runId}-${contender}-${file.label}-${round}`;
  const base = await ctx.glance.baseUrl();
  let imageId: string | undefined;
  let proc: ProcessRun;
  let child: UploadChildResult | undefined;
  try {
    if (contender === "openstack") {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OS_AUTH_TYPE: "token",
        OS_TOKEN: ctx.token,
        OS_AUTH_URL: ctx.authUrl,
        OS_PROJECT_ID: ctx.glance.projectId,
        OS_REGION_NAME: ctx.session.config.region ?? "RegionOne",
        OS_INTERFACE: "public",
        OS_IDENTITY_API_VERSION: "3",
      };
      const args = ["image", "create", "--file", file.path, "--disk-format", "raw", "--container-format", "bare", "--private", name, "-f", "value", "-c", "id"];
      proc = await runMeasured("openstack", args, { env, tmpDir: ctx.tmpDir });
      imageId = proc.stdout.trim().split("\n").pop();
    } else {
      imageId = await freshImage(ctx, name);
      const imageUrl = `${base}/images/${imageId}`;
      if (contender === "curl-put") {
        proc = await runMeasured(
          "curl",
          ["-sS", "-f", "-o", "/dev/null", "-T", file.path, "-H", `@${curlHeaders(ctx)}`, "-H", "Content-Type: application/octet-stream", `${imageUrl}/file`],
          { tmpDir: ctx.tmpDir },
        );
      } else if (contender === "curl-glance-direct") {
        const env = { ...process.env, BENCH_FILE: file.path, BENCH_HEADERS: curlHeaders(ctx), BENCH_IMAGE_URL: imageUrl };
        proc = await runMeasured("bash", ["-c", CURL_GLANCE_DIRECT], { env, tmpDir: ctx.tmpDir });
      } else {
        const job: UploadJob = {
          mode: contender === "ours-upload" || contender === "ours-upload-sha256" ? "publish-upload" : contender === "ours-glance-direct"
                ? "publish-glance-direct"
                : contender === "got11-upload-nohash"
                  ? "got11-plain-upload"
                  : "plain-upload",
          ...(contender === "ours-upload-sha256" ? { expectedSha256: file.sha256 } : {}),
          endpoint: ctx.glance.endpoint,
          token: ctx.token,
          projectId: ctx.glance.projectId,
          roles: [...ctx.session.roles],
          imageId,
          imageUrl,
          file: file.path,
          resourceKey: `bench/${ctx.runId}/upload`,
          tag: `${NAME_PREFIX}-${ctx.runId}`,
        };
        proc = await runMeasured(process.execPath, [path.join(ctx.benchDir, "upload-child.js")], {
          env: { ...process.env, BENCH_UPLOAD_JOB: JSON.stringify(job), NODE_OPTIONS: "" },
          tmpDir: ctx.tmpDir,
        });
        child = JSON.parse(proc.stdout.trim().split("\n").pop() ?? "{}") as UploadChildResult;
      }
    }
    const image = await getImage(ctx.glance, imageId as string);
    const timedMs = child ? child.callMs : proc.wallMs;
    const { stdout: _o, stderr: _e, ...measured } = proc;
    return {
      contender,
      file: file.label,
      bytes: file.bytes,
      round,
      position,
      process: measured,
      ...(child ? { child } : {}),
      timedMs,
      mibPerS: file.bytes / MiB / (timedMs / 1000),
      checksumOk: image.status === "active" && image.checksum === file.md5 && image.size === file.bytes,
    };
  } finally {
    await dropImage(ctx, imageId);
  }
}

/** Every contender `rounds` times on `file`, the order rotating each round. */
export async function uploadRounds(ctx: UploadContext, file: TestFile, rounds: number): Promise<UploadRun[]> {
  await fs.writeFile(curlHeaders(ctx), `X-Auth-Token: ${ctx.token}\n`, { mode: 0o600 });
  const runs: UploadRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = ctx.contenders.map((_, i) => ctx.contenders[(i + round) % ctx.contenders.length] as ContenderId);
    for (const [position, contender] of order.entries()) {
      const run = await runContender(ctx, contender, file, round, position);
      ctx.log(
        `  ${file.label} round ${round + 1}/${rounds} ${contender.padEnd(19)} ${(run.timedMs / 1000).toFixed(2).padStart(6)} s ` +
          `${run.mibPerS.toFixed(1).padStart(6)} MiB/s  peak RSS ${(run.process.maxRssKiB / 1024).toFixed(0)} MiB${run.checksumOk ? "" : "  CHECKSUM MISMATCH"}`,
      );
      runs.push(run);
    }
  }
  return runs;
}

/** All contenders, or those listed in BENCH_CONTENDERS (comma-separated ids); openstack only when installed. */
export function availableContenders(log: (line: string) => void): ContenderId[] {
  const wanted = process.env.BENCH_CONTENDERS?.split(",").map((s) => s.trim()).filter(Boolean);
  const all = (Object.keys(CONTENDERS) as ContenderId[]).filter((c) => !wanted || wanted.includes(c));
  if (!all.includes("openstack") || onPath("openstack")) return all;
  log("openstack (python3-openstackclient) is not installed: its contender is skipped; install it with `apt-get install python3-openstackclient`");
  return all.filter((c) => c !== "openstack");
}
