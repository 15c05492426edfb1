import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capture, toolEnv } from "../../provider/builder/capture";
import { validateArtifact, type CheckReport } from "../../provider/amphora-image-build/validate/checks";
import { diskContents } from "../../provider/amphora-image-build/validate/contents";
import { parseDpkgStatus } from "../../provider/amphora-image-build/validate/dpkg-status";
import { readPartitions } from "../../provider/amphora-image-build/validate/partitions";
import type { ImageType } from "../../provider/amphora-image-build/constants";
import { FIXTURE_DIB, tmpDir } from "./helpers";

/** The four static checks on; the boot gate (validation.boot) has its own tests in boot-check.test.ts. */
const BOOT_OFF = { enabled: false, timeoutSeconds: 600, memoryMb: 1024, cpus: 1, accelerator: "auto" as const };
const ALL_ON = { integrity: true, virtualSize: true, kernel: true, packages: true, requiredPackages: [] as string[], boot: BOOT_OFF };

describe("AmphoraImageBuild validation catches each defect without booting the image", function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await tmpDir();
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** Builds a fixture image; `env` holds the fixture's defect switches. */
  async function image(name: string, type: ImageType, env: Record<string, string> = {}, sizeGb = 1): Promise<string> {
    const r = await capture(FIXTURE_DIB, ["-o", path.join(dir, name), "-t", type, "--image-size", String(sizeGb), "debian-minimal"], {
      env: toolEnv({ HOME: dir, ...env }),
    });
    assert.strictEqual(r.exitCode, 0, r.stderr);
    return path.join(dir, `${name}.${type}`);
  }

  const statuses = (reports: CheckReport[]): Record<string, string> => Object.fromEntries(reports.map((r) => [r.check, r.status]));
  const detail = (reports: CheckReport[], check: string): string => reports.find((r) => r.check === check)?.detail ?? "";

  for (const type of ["qcow2", "raw", "vhd"] as const) {
    it(`a good ${type} passes all four static checks and reports qemu-img's facts`, async () => {
      const result = await validateArtifact(await image(`good-${type}`, type), type, 1, ALL_ON);
      assert.deepStrictEqual(statuses(result.reports), { integrity: "passed", virtualSize: "passed", kernel: "passed", packages: "passed", boot: "disabled" });
      assert.strictEqual(result.info.format, { qcow2: "qcow2", raw: "raw", vhd: "vpc" }[type]);
      assert.strictEqual(result.info.virtualSize, 1024 ** 3);
      assert.deepStrictEqual(result.kernels, ["vmlinuz-6.1.0-fixture-amd64"]);
      assert.strictEqual(result.installed.haproxy, "2.6.12-1+deb12u1");
      assert.strictEqual(result.installed["removed-pkg"], undefined, "deinstalled packages do not count");
    });
  }

  it("a good tar passes; virtual size does not apply to it", async () => {
    const result = await validateArtifact(await image("good-tar", "tar"), "tar", 1, ALL_ON);
    assert.deepStrictEqual(statuses(result.reports), { integrity: "passed", virtualSize: "not-applicable", kernel: "passed", packages: "passed", boot: "disabled" });
  });

  const defects: [string, ImageType, Record<string, string>, string, RegExp][] = [
    ["no kernel (qcow2)", "qcow2", { FIXTURE_OMIT_KERNEL: "1" }, "kernel", /no \/boot\/vmlinuz-\*/],
    ["no kernel (tar)", "tar", { FIXTURE_OMIT_KERNEL: "1" }, "kernel", /no \/boot\/vmlinuz-\*/],
    ["no haproxy (raw)", "raw", { FIXTURE_OMIT_HAPROXY: "1" }, "packages", /not installed: haproxy/],
    ["no haproxy (tar)", "tar", { FIXTURE_OMIT_HAPROXY: "1" }, "packages", /not installed: haproxy/],
    ["a truncated qcow2", "qcow2", { FIXTURE_TRUNCATE: "1" }, "integrity", /qemu-img check (corrupt|failed)/],
    ["a corrupt qcow2 (refcounts)", "qcow2", { FIXTURE_CORRUPT: "1" }, "integrity", /qemu-img check corrupt \(rc 2\)/],
    ["a truncated vhd", "vhd", { FIXTURE_TRUNCATE: "1" }, "integrity", /truncated/],
    ["a truncated tar", "tar", { FIXTURE_TRUNCATE: "1" }, "integrity", /cut short|Unexpected EOF/],
    ["a truncated raw", "raw", { FIXTURE_TRUNCATE: "1" }, "virtualSize", /expected 1073741824/],
    ["a wrong virtual size", "qcow2", { FIXTURE_SIZE_BYTES: String(512 * 1024 * 1024) }, "virtualSize", /536870912 bytes, expected 1073741824/],
  ];
  for (const [what, type, env, check, reason] of defects) {
    it(`fails ${check} for ${what}`, async () => {
      const name = `bad-${what.replace(/\W+/g, "-")}`;
      const result = await validateArtifact(await image(name, type, env), type, 1, ALL_ON);
      assert.strictEqual(statuses(result.reports)[check], "failed", JSON.stringify(result.reports));
      assert.match(detail(result.reports, check), reason);
    });
  }

  it("fails packages for a missing required package, naming it", async () => {
    const result = await validateArtifact(await image("req", "qcow2"), "qcow2", 1, { ...ALL_ON, requiredPackages: ["keepalived", "nftables"] });
    assert.match(detail(result.reports, "packages"), /not installed: nftables$/);
  });

  it("switched-off checks are reported as disabled, never passed", async () => {
    const artifact = await image("off", "qcow2", { FIXTURE_OMIT_KERNEL: "1", FIXTURE_OMIT_HAPROXY: "1" });
    const result = await validateArtifact(artifact, "qcow2", 1, { ...ALL_ON, kernel: false, packages: false });
    assert.deepStrictEqual(statuses(result.reports), { integrity: "passed", virtualSize: "passed", kernel: "disabled", packages: "disabled", boot: "disabled" });
    assert.strictEqual(detail(result.reports, "kernel"), "switched off by validation.kernel");
  });

  it("reads MBR and GPT partition tables; a bare filesystem is offset 0", async () => {
    const mbr = Buffer.alloc(4096);
    mbr.writeUInt8(0x83, 446 + 4);
    mbr.writeUInt32LE(2048, 446 + 8);
    mbr.writeUInt32LE(100, 446 + 12);
    mbr.writeUInt16LE(0xaa55, 510);
    await fs.writeFile(path.join(dir, "mbr.raw"), mbr);
    assert.deepStrictEqual(await readPartitions(path.join(dir, "mbr.raw")), [{ index: 1, offset: 2048 * 512, size: 100 * 512 }]);

    const gpt = Buffer.alloc(64 * 512);
    gpt.writeUInt8(0xee, 446 + 4);
    gpt.writeUInt16LE(0xaa55, 510);
    gpt.write("EFI PART", 512, "latin1");
    gpt.writeBigUInt64LE(2n, 512 + 72);
    gpt.writeUInt32LE(128, 512 + 80);
    gpt.writeUInt32LE(128, 512 + 84);
    const entry = (i: number, first: number, last: number): void => {
      const at = 1024 + i * 128;
      gpt.fill(0x11, at, at + 16);
      gpt.writeBigUInt64LE(BigInt(first), at + 32);
      gpt.writeBigUInt64LE(BigInt(last), at + 40);
    };
    entry(0, 2048, 4095);
    entry(2, 4096, 8191);
    await fs.writeFile(path.join(dir, "gpt.raw"), gpt);
    assert.deepStrictEqual(await readPartitions(path.join(dir, "gpt.raw")), [
      { index: 1, offset: 2048 * 512, size: 2048 * 512 },
      { index: 3, offset: 4096 * 512, size: 4096 * 512 },
    ]);
    await fs.writeFile(path.join(dir, "bare.raw"), Buffer.alloc(1024));
    assert.deepStrictEqual((await readPartitions(path.join(dir, "bare.raw"))).map((p) => p.offset), [0]);
  });

  it("explains when no partition holds an ext filesystem (debugfs cannot read it)", async () => {
    const mbr = Buffer.alloc(4 * 1024 * 1024);
    mbr.writeUInt8(0x83, 446 + 4);
    mbr.writeUInt32LE(2048, 446 + 8);
    mbr.writeUInt32LE(4096, 446 + 12);
    mbr.writeUInt16LE(0xaa55, 510);
    await fs.writeFile(path.join(dir, "xfs-like.raw"), mbr);
    await assert.rejects(diskContents(path.join(dir, "xfs-like.raw")), /no ext2\/3\/4 filesystem found at partition offsets 1048576/);
  });

  it("parses dpkg status: only 'install ok installed' counts", () => {
    const status = [
      "Package: haproxy\nStatus: install ok installed\nVersion: 2.6.12-1\n",
      "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
      "Package: half\nStatus: install ok half-configured\nVersion: 2\n",
    ].join("\n");
    assert.deepStrictEqual(parseDpkgStatus(status), { haproxy: "2.6.12-1" });
  });
});
