import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useProviderHost } from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { resolveCommand } from "../../provider/amphora-image-build/build-key";
import { aptMirrors, dibDebianEnv } from "./apt-sources";
import { REPO_ROOT, tmpDir } from "./helpers";

/**
 * One real diskimage-builder build through the resource (dib front end, debian-minimal + haproxy, tar output),
 * validated by the same checks as fixture builds. Needs root, Debian's `python3-diskimage-builder debootstrap
 * qemu-utils kpartx parted fdisk e2fsprogs sudo` and the Debian mirror of /etc/apt/sources*; about 2 minutes
 * (the debootstrap tarball is cached in $AMPHORA_DIB_CACHE, default <tmp>/amphora-dib-cache).
 * Skipped when a prerequisite is missing or AMPHORA_SKIP_DIB=1. Select with `--grep @dib`, exclude with
 * `--grep @dib --invert`.
 */
const TYPE = "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild";

describe("AmphoraImageBuild real diskimage-builder build @dib", function () {
  this.timeout(20 * 60_000);
  const ctx = useProviderHost({ cwd: REPO_ROOT, callTimeoutMs: 20 * 60_000 });
  let out: string;

  before(async function () {
    const missing: string[] = [];
    if (process.env.AMPHORA_SKIP_DIB === "1") missing.push("AMPHORA_SKIP_DIB=1");
    if (process.getuid?.() !== 0) missing.push("root");
    for (const tool of ["disk-image-create", "debootstrap", "sudo", "qemu-img"]) if (!(await resolveCommand(tool))) missing.push(tool);
    if (!aptMirrors()) missing.push("a Debian mirror in /etc/apt/sources*");
    if (missing.length) {
      console.log(`      skipped: needs ${missing.join(", ")}`);
      this.skip();
    }
    out = await tmpDir("amphora-dib-");
  });
  after(async () => {
    if (out) await fs.rm(out, { recursive: true, force: true });
  });

  it("builds debian-minimal + haproxy as a tar, validates it, reports versions, then does not build again", async () => {
    const mirrors = aptMirrors()!;
    const cache = process.env.AMPHORA_DIB_CACHE ?? path.join(os.tmpdir(), "amphora-dib-cache");
    await fs.mkdir(cache, { recursive: true });
    const { codename, main } = mirrors;
    const inputs = {
      frontEnd: "dib",
      output: path.join(out, "amphora-debian"),
      imageType: "tar",
      arch: "amd64",
      elements: ["debian-minimal"],
      packages: ["haproxy"],
      release: codename,
      distributionMirror: main,
      cacheDir: cache,
      workDir: out,
      progressIntervalSeconds: 10,
      timeoutSeconds: 15 * 60,
      env: dibDebianEnv(mirrors),
    };
    const lc = await ctx.host.lifecycle(packageProvider("amphora-image-build/provider"), TYPE, "debian");
    const started = Date.now();
    const created = await lc.up(inputs);
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`      real DIB tar build: ${seconds} s, ${created.outputs.fileSize} bytes, haproxy ${created.outputs.haproxyVersion}`);
    assert.strictEqual(created.op, "create");
    const checks = created.outputs.checks as { check: string; status: string }[];
    assert.deepStrictEqual(
      checks.map((c) => `${c.check}:${c.status}`),
      ["integrity:passed", "virtualSize:not-applicable", "kernel:passed", "packages:passed", "boot:not-applicable"],
    );
    assert.match(String(created.outputs.haproxyVersion), /^\d+\.\d+/);
    assert.match(String(created.outputs.kernelVersion), /^\d+\.\d+\.\d+-/);
    assert.strictEqual(created.outputs.diskFormat, "raw");
    assert.strictEqual(created.outputs.containerFormat, "docker");
    assert.match(String(created.outputs.dockerImportCommand), /^docker import - image:amphora-debian < /);
    assert.ok(created.output.some((l) => / elapsed, /.test(l)), "progress lines were printed");
    assert.ok(created.output.length < 100, `summarised, not dumped: ${created.output.length} lines`);
    const manifests = await fs.readdir(String(created.outputs.manifestDir));
    assert.ok(manifests.includes("dib-manifest-dpkg-amphora-debian"), manifests.join(", "));

    const same = await lc.up(inputs);
    assert.strictEqual(same.op, "same");
    await lc.destroy();
    assert.deepStrictEqual((await fs.readdir(out)).filter((n) => n.startsWith("amphora-debian")), []);
  });
});
