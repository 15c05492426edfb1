/**
 * GlanceTaggedImage's source file misbehaving, through the real provider host:
 * - unreadable (a directory, a FIFO, a dangling symlink: refused before any image exists; a file whose reads
 *   fail with EIO mid-upload: the image is deleted);
 * - changed while it is being uploaded (the proxy slows the stage down and the test changes the file once the
 *   first 256 KiB went through): grown, shrunk, rewritten in place (same size), replaced by a rename. Each is
 *   detected (ERR_SOURCE naming the file and the image), the image is deleted, and the next up (file stable)
 *   publishes exactly what the file holds.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdtemp, open, readFile, rename, rm, symlink, truncate, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ProviderCallError, useProviderHost } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import {
  allImageIds,
  cleanupImages,
  ensureGlance,
  FAULT_RUNS,
  glanceFor,
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
import { getImage } from "../../provider/glance/images";

const run = promisify(execFile);
/** Deterministic cases: once in `npm test`; AMPHORA_FAULT_RUNS times (the changes race the upload) in the figures run. */
const RUNS = FAULT_RUNS > 3 ? FAULT_RUNS : 1;
const STAGE = GLANCE_PATH.stage;
const SIZE = 32 * 1024 * 1024;

describe("faults: source file unreadable or changed while uploading @cloud", function () {
  this.timeout(60_000 + RUNS * 60_000);
  let proxy: FaultProxy;
  let dir: string;
  let n = 0;
  const keys: string[] = [];
  const examples: Record<string, string> = {};

  before(async () => {
    requireDist();
    await ensureGlance();
    proxy = await startFaultProxy(await glanceUrl());
    dir = await mkdtemp(join(tmpdir(), "faults-source-"));
  });
  const ctx = useProviderHost(() => hostOptions({ glance: proxy }));
  afterEach(() => proxy.clearRules());
  after(async function () {
    this.timeout(60_000);
    await cleanupImages(keys);
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function resource(label: string) {
    const i = ++n;
    const resourceKey = `faults/${runId}/source-${label}-${i}`;
    const tag = `faults-${runId}-source-${label}-${i}`;
    keys.push(resourceKey);
    return { resourceKey, tag, name: `source-${label}-${i}`, base: { resourceKey, tag, diskFormat: "raw", importMethod: "glance-direct", keepLastTaggedImage: false } };
  }

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

  it("unreadable sources: directory, FIFO, dangling symlink refused before any image exists; EIO mid-read deletes the image", async () => {
    const { bad, notes } = await repeat(RUNS, async (i) => {
      const problems: string[] = [];
      const cases: Array<[string, string, RegExp, boolean, Record<string, unknown>?]> = [];
      const sub = join(dir, `unreadable-${i}`);
      await mkdir(sub);
      const fifo = join(sub, "fifo.raw");
      await run("mkfifo", [fifo]);
      const dangling = join(sub, "dangling.raw");
      await symlink(join(sub, "missing.raw"), dangling);
      cases.push(["directory", sub, /cannot read file .* \(nothing was created\): not a regular file/, false]);
      cases.push(["fifo", fifo, /cannot read file .* \(nothing was created\): not a regular file/, false]);
      cases.push(["dangling-symlink", dangling, /cannot read file .* \(nothing was created\): ENOENT/, false]);
      // A regular file whose every read fails (EIO): the host's own /proc/self/mem. qemu-img cannot open it either,
      // so the inspection before publishing refuses it; a container the provider does not inspect (compressed)
      // lets it reach the upload, whose read error is the case here.
      cases.push(["eio", "/proc/self/mem", /cannot read file \/proc\/self\/mem: EIO.*the image was deleted/, true, { containerFormat: "compressed" }]);
      for (const [label, file, expected, createsImage, extra] of cases) {
        const r = resource(label);
        const before = await allImageIds();
        const lc = await ctx.host.lifecycle(providers.image, TYPES.image, r.name);
        const details = await failure(label, lc.up({ ...r.base, ...extra, file }));
        if (!expected.test(details)) problems.push(`${label}: ${details}`);
        const now = await allImageIds();
        const created = [...now].filter((id) => !before.has(id));
        const left = await markedImages(r.resourceKey);
        if (left.length) problems.push(`${label}: images left: ${left.map((im) => `${im.id} (${im.status})`).join(", ")}`);
        if (!createsImage && created.length) problems.push(`${label}: an image was created (${created.join(", ")})`);
      }
      return problems;
    });
    recordScenario({
      scenario: "unreadable source file",
      injected: "file is a directory; a FIFO; a dangling symlink; /proc/self/mem (every read fails with EIO)",
      runs: RUNS,
      bad,
      held: "directory/FIFO/dangling symlink: ERR_SOURCE before any image exists (no image created); EIO: ERR_SOURCE naming the file, image deleted",
      notes: [...notes, `example (eio): ${examples.eio ?? "-"}`],
      example: examples.fifo,
    });
    assert.deepEqual(notes, []);
  });

  const changes: Array<[string, (file: string) => Promise<void>, RegExp]> = [
    ["grown", (file) => appendFile(file, randomBytes(64 * 1024)), /grew while it was being sent|changed while it was being sent/],
    ["shrunk", (file) => truncate(file, SIZE / 2), /shrank while it was being sent|changed while it was being sent/],
    [
      "rewritten in place",
      async (file) => {
        const fh = await open(file, "r+");
        await fh.write(randomBytes(4096), 0, 4096, SIZE - 8192);
        await fh.close();
      },
      /changed while it was being sent/,
    ],
    [
      "replaced by a rename",
      async (file) => {
        await writeFile(`${file}.new`, randomBytes(SIZE));
        await rename(`${file}.new`, file);
      },
      /changed while it was being sent/,
    ],
  ];

  it("changed while uploading (grown, shrunk, rewritten in place, replaced): detected, image deleted, next up publishes the stable file", async () => {
    let byCount = 0;
    const { bad, notes } = await repeat(RUNS, async (i) => {
      const problems: string[] = [];
      for (const [label, change, expected] of changes) {
        const r = resource(label.replace(/ /g, "-"));
        const file = join(dir, `changing-${i}-${n}.raw`);
        await writeFile(file, randomBytes(SIZE));
        const lc = await ctx.host.lifecycle(providers.image, TYPES.image, r.name);
        // A 2 s upload, changed as its first bytes reach the proxy: the provider has then read at most what the
        // loopback socket buffers hold (a few MiB of 32), so growing and shrinking meet the reader (byte count).
        proxy.rule({ method: "PUT", path: STAGE, times: 1, fault: { throttle: 16 * 1024 * 1024 } });
        let changed: Promise<void> | undefined;
        proxy.onBody({ method: "PUT", path: STAGE }, 1, () => {
          changed = change(file);
        });
        const started = Date.now();
        const details = await failure(label, lc.up({ ...r.base, file }));
        await changed;
        proxy.clearRules();
        if (!expected.test(details)) problems.push(`${label}: ${details.slice(0, 300)}`);
        if (/grew while|shrank while/.test(details)) byCount++;
        if (!/image [0-9a-f-]{36}/.test(details) || !details.includes(file)) problems.push(`${label}: the error names no image or file`);
        if (!/the image was deleted/.test(details)) problems.push(`${label}: the image was not deleted`);
        if (Date.now() - started > 20_000) problems.push(`${label}: took ${Date.now() - started} ms`);
        if ((await markedImages(r.resourceKey)).length) problems.push(`${label}: image left`);
        // The file holds still now: the next up publishes exactly its bytes.
        const created = await lc.up({ ...r.base, file });
        const want = createHash("sha512").update(await readFile(file)).digest("hex");
        const image = await getImage(await glanceFor("local-demo"), String(created.outputs.imageId));
        if (image.os_hash_value !== want) problems.push(`${label}: the published image is not the file's content`);
        problems.push(...(await leftoverProblems(r.resourceKey, r.tag)).map((p) => `${label}: ${p}`));
        await lc.destroy();
      }
      return problems;
    });
    recordScenario({
      scenario: "source file changed while uploading",
      injected: "32 MiB file, stage throttled to 16 MiB/s; as its first bytes arrive: 64 KiB appended / truncated to half / 4 KiB rewritten in place / replaced by rename",
      runs: RUNS * changes.length,
      bad,
      held: "each detected (grew / shrank: by the byte count when the reader meets the change, else by the stat; rewrite / replace: by the file's stat before and after), ERR_SOURCE naming file and image, image deleted; next up publishes exactly the file's bytes",
      notes: [
        ...notes,
        `grown/shrunk runs caught by the byte count (the rest by the stat after the upload): ${byCount} of ${2 * RUNS}`,
        ...changes.map(([label]) => `example (${label}): ${examples[label] ?? "-"}`),
      ],
      example: examples.shrunk,
    });
    assert.deepEqual(notes, []);
  });
});
