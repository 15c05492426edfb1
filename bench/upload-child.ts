/**
 * One upload by this package, in its own process so that its peak RSS is its own:
 *   BENCH_UPLOAD_JOB='<json UploadJob>' node upload-child.js
 * prints one JSON line (UploadChildResult) on stdout.
 *
 * The Glance client is built like the provider's (the session's got instance from createHttp, with its token,
 * retry and error hooks) around the token the bench runner got once, so every contender uses the same token.
 * Version discovery and reading the image record happen before the clock starts; what is timed is what the
 * provider does with the data:
 *   publish-upload         fillImage(…, "upload"): PUT /file while hashing sha512 (and sha256 with expectedSha256)
 *                          in the same pass, then GET the image and compare Glance's sha512 with what was sent
 *   publish-glance-direct  fillImage(…, "glance-direct"): PUT /stage while hashing, POST /import, wait until the
 *                          import is done (poll every 300 ms, the provider's default), compare hashes
 *   plain-upload           uploadImageData(glance, id, path): PUT /file streamed from the file, nothing else
 *   got11-plain-upload     the same request on got 11, as the HTTP layer sent it before undici: the file read by
 *                          fs.createReadStream in 1 MiB chunks, Content-Length, no retry (the baseline; got is a
 *                          devDependency for this only). Everything before the clock is the same as in the other
 *                          modes (the provider's modules, undici among them, discovery and the image record through
 *                          the provider's client, the inputs schema), so the peak RSS of the two plain modes differs
 *                          by the upload alone (and by got's modules, about 2 MB).
 */
import { randomUUID } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { GlanceClient } from "../provider/glance/client";
import { uploadImageData } from "../provider/glance/imagedata";
import { getImage } from "../provider/glance/images";
import { flowContext, useFlowSettings } from "../provider/glance-tagged-image/context";
import { glanceTaggedImageInputsSchema } from "../provider/glance-tagged-image/inputs";
import { fillImage } from "../provider/glance-tagged-image/publish";
import type { ServiceClient } from "../provider/openstack/service-client";

export type ChildMode = "publish-upload" | "publish-glance-direct" | "plain-upload" | "got11-plain-upload";

export interface UploadJob {
  mode: ChildMode;
  endpoint: string;
  token: string;
  projectId: string;
  roles: string[];
  imageId: string;
  file: string;
  resourceKey: string;
  tag: string;
  /** `{base}/images/{id}` (got11-plain-upload's PUT). */
  imageUrl: string;
  /** publish-upload: declared as the input expectedSha256 (sha256 is then computed and checked as well). */
  expectedSha256?: string;
}

export interface UploadChildResult {
  /** The timed call, ms. */
  callMs: number;
  /** VmHWM of this process at the end, KiB. */
  peakRssKiB: number;
  /** CPU time of this process during the call, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** md5 and sha512 Glance holds for the image afterwards (compared by fillImage in the publish modes). */
  checksum: string;
  size: number;
}

function vmHwmKiB(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) : NaN;
}

/** PUT /file as the HTTP layer sent it on got 11: 1 MiB reads, Content-Length, no retry, error on non-2xx. */
async function got11Upload(got11: typeof import("got").default, url: string, job: UploadJob): Promise<void> {
  const size = (await stat(job.file)).size;
  const body = createReadStream(job.file, { highWaterMark: 1024 * 1024 });
  try {
    await got11.put(url, {
      body,
      headers: { "x-auth-token": job.token, "content-type": "application/octet-stream", "content-length": String(size), accept: "application/json" },
      responseType: "text",
      retry: { limit: 0 },
      timeout: { response: 300_000, socket: 120_000 },
    });
  } finally {
    body.destroy();
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.BENCH_UPLOAD_JOB ?? "{}") as UploadJob;
  const got11 = job.mode === "got11-plain-upload" ? (await import("got")).default : undefined;
  const { createHttp } = await import("../provider/openstack/http");
  const http = createHttp({
    tls: { rejectUnauthorized: true },
    tokens: {
      current: async () => job.token,
      renew: async () => {
        throw new Error("the bench token was rejected");
      },
      invalidate: () => undefined,
    },
  });
  const service: ServiceClient = { endpoint: job.endpoint, http, projectId: job.projectId, roles: job.roles };
  const glance = new GlanceClient(service);
  await glance.version();
  const record = await getImage(glance, job.imageId);
  useFlowSettings({ print: () => undefined });
  const ctx = flowContext(glance, { resourceKey: job.resourceKey, instanceId: randomUUID() });
  const inputs = glanceTaggedImageInputsSchema().parse({
    resourceKey: job.resourceKey,
    tag: job.tag,
    file: job.file,
    diskFormat: "raw",
    containerFormat: "bare",
    importMethod: job.mode === "publish-glance-direct" ? "glance-direct" : "upload",
    ...(job.expectedSha256 !== undefined ? { expectedSha256: job.expectedSha256 } : {}),
  });

  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (got11) await got11Upload(got11, `${job.imageUrl}/file`, job);
  else if (job.mode === "plain-upload") await uploadImageData(glance, job.imageId, job.file);
  else await fillImage(ctx, record, inputs, job.mode === "publish-upload" ? "upload" : "glance-direct");
  const callMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);

  const image = await getImage(glance, job.imageId);
  report({ callMs, used, checksum: image.checksum ?? "", size: image.size ?? 0 });
}

function report(r: { callMs: number; used: NodeJS.CpuUsage; checksum: string; size: number }): void {
  const result: UploadChildResult = {
    callMs: r.callMs,
    peakRssKiB: vmHwmKiB(),
    cpuUserMs: r.used.user / 1000,
    cpuSystemMs: r.used.system / 1000,
    checksum: r.checksum,
    size: r.size,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
