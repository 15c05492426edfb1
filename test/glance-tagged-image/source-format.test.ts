/**
 * The rules that decide whether a source is what `diskFormat` says (source-format.ts, inspect-stored.ts), on
 * qemu-img's JSON and Glance's image records; and inspectSource run with the real qemu-img on every truncation
 * of a qcow2, which pins down what "complete" means (no cloud: nothing here talks to Glance).
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseQemuImgInfo, type QemuCheckResult, type QemuImageInfo } from "../../provider/builder/qemu-img";
import { DISK_FORMATS, type DiskFormat, type Image } from "../../provider/glance/images";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { inspectSource } from "../../provider/glance-tagged-image/inspect-source";
import { headProblems, recordProblems } from "../../provider/glance-tagged-image/inspect-stored";
import {
  completenessProblem,
  exceedsMinDisk,
  formatMatches,
  glanceFormatsFor,
  infoProblems,
  inspectedContainer,
  QEMU_FORMATS,
} from "../../provider/glance-tagged-image/source-format";

const GIB = 1024 ** 3;
const info = (extra: Partial<QemuImageInfo> = {}): QemuImageInfo => ({ format: "qcow2", virtualSize: GIB, actualSize: 1000, ...extra });

describe("GlanceTaggedImage source format rules", () => {
  describe("Glance disk_format → qemu-img format", () => {
    it("maps every disk format this package accepts, and nothing else", () => {
      assert.deepEqual(Object.keys(QEMU_FORMATS).sort(), [...DISK_FORMATS].sort());
    });

    const table: Array<[string, string, boolean]> = [
      ["raw", "raw", true],
      ["qcow2", "qcow2", true],
      ["vmdk", "vmdk", true],
      ["vhd", "vpc", true],
      ["vhdx", "vhdx", true],
      ["vdi", "vdi", true],
      ["iso", "raw", true],
      ["ami", "raw", true],
      ["ari", "raw", true],
      ["aki", "raw", true],
      ["ploop", "parallels", true],
      ["raw", "qcow2", false],
      ["qcow2", "raw", false],
      ["vhd", "raw", false],
      ["vhd", "vhdx", false],
      ["iso", "qcow2", false],
      ["vmdk", "vpc", false],
      ["qcow2", "qed", false],
      ["raw", "luks", false],
    ];
    for (const [glance, qemu, matches] of table) {
      it(`${glance} ${matches ? "is" : "is not"} what qemu-img calls ${qemu}`, () => {
        assert.equal(formatMatches(glance as DiskFormat, qemu), matches);
      });
    }

    it("names the disk format(s) to declare for what qemu-img found", () => {
      assert.deepEqual(glanceFormatsFor("vpc"), ["vhd"]);
      assert.deepEqual(glanceFormatsFor("qcow2"), ["qcow2"]);
      assert.deepEqual(glanceFormatsFor("parallels"), ["ploop"]);
      assert.deepEqual(glanceFormatsFor("raw").sort(), ["aki", "ami", "ari", "iso", "raw"]);
      assert.deepEqual(glanceFormatsFor("qed"), []);
    });

    it("inspects the containers whose data is the disk itself", () => {
      assert.deepEqual(
        ["bare", "ami", "ari", "aki", "ovf", "ova", "docker", "compressed"].filter(inspectedContainer),
        ["bare", "ami", "ari", "aki"],
      );
    });
  });

  describe("qemu-img info JSON", () => {
    it("reads the backing file (full name first), the data file and a vmdk's create type and extents", () => {
      const backed = parseQemuImgInfo({
        "virtual-size": 512,
        format: "qcow2",
        "cluster-size": 65536,
        "backing-filename": "base.raw",
        "full-backing-filename": "/srv/base.raw",
        "format-specific": { type: "qcow2", data: { compat: "1.1", "data-file": "/srv/x.data", corrupt: false } },
      });
      assert.deepEqual(backed, { format: "qcow2", virtualSize: 512, actualSize: 0, backingFile: "/srv/base.raw", dataFile: "/srv/x.data", clusterSize: 65536 });
      const vmdk = parseQemuImgInfo({
        "virtual-size": 512,
        format: "vmdk",
        "actual-size": 8192,
        "format-specific": { type: "vmdk", data: { "create-type": "monolithicFlat", extents: [{ filename: "/etc/hostname", format: "FLAT" }] } },
      });
      assert.deepEqual(vmdk, { format: "vmdk", virtualSize: 512, actualSize: 8192, vmdkCreateType: "monolithicFlat", vmdkExtents: ["/etc/hostname"] });
      assert.deepEqual(parseQemuImgInfo({ format: "raw", "virtual-size": 10, "actual-size": 10 }), { format: "raw", virtualSize: 10, actualSize: 10 });
    });
  });

  describe("what qemu-img info shows", () => {
    const declared = { diskFormat: "qcow2" as const };

    it("a clean qcow2 declared qcow2 has no problem", () => {
      assert.deepEqual(infoProblems("/a.qcow2", "/a.qcow2", info(), declared), []);
    });

    it("another format names diskFormat and the format to declare", () => {
      assert.deepEqual(infoProblems("/a", "/a", info({ format: "vpc" }), declared), [
        { field: "diskFormat", text: `/a is vpc according to qemu-img, not qcow2 (declare diskFormat "vhd" or convert the file)` },
      ]);
      assert.match(infoProblems("/a", "/a", info({ format: "qed" }), declared)[0]?.text ?? "", /Glance has no disk format for it/);
    });

    it("a backing file or a data file names file", () => {
      const problems = infoProblems("/a", "/a", info({ backingFile: "/etc/hostname", dataFile: "/etc/shadow" }), declared);
      assert.deepEqual(problems.map((p) => p.field), ["file", "file"]);
      assert.match(problems[0]?.text ?? "", /with a backing file \(\/etc\/hostname\)/);
      assert.match(problems[1]?.text ?? "", /with an external data file \(\/etc\/shadow\)/);
    });

    it("a vmdk passes only as one file: monolithicSparse or streamOptimized, its only extent itself", () => {
      const vmdk = { diskFormat: "vmdk" as const };
      for (const type of ["monolithicSparse", "streamOptimized"]) {
        assert.deepEqual(infoProblems("a.vmdk", "/d/a.vmdk", info({ format: "vmdk", vmdkCreateType: type, vmdkExtents: ["a.vmdk"] }), vmdk), []);
        assert.deepEqual(infoProblems("a.vmdk", "/d/a.vmdk", info({ format: "vmdk", vmdkCreateType: type, vmdkExtents: ["/d/a.vmdk"] }), vmdk), []);
      }
      const flat = infoProblems("a.vmdk", "/d/a.vmdk", info({ format: "vmdk", vmdkCreateType: "monolithicFlat", vmdkExtents: ["/d/a-flat.vmdk"] }), vmdk);
      assert.deepEqual(flat.map((p) => p.field), ["file"]);
      assert.match(flat[0]?.text ?? "", /create type monolithicFlat, reading extent file\(s\) \/d\/a-flat\.vmdk/);
      // qemu-img lists a flat vmdk's one extent twice: it is named once.
      const twice = infoProblems("a.vmdk", "/d/a.vmdk", info({ format: "vmdk", vmdkCreateType: "monolithicFlat", vmdkExtents: ["/etc/hostname", "/etc/hostname"] }), vmdk);
      assert.match(twice[0]?.text ?? "", /reading extent file\(s\) \/etc\/hostname: only/);
      const sparseElsewhere = infoProblems("a.vmdk", "/d/a.vmdk", info({ format: "vmdk", vmdkCreateType: "monolithicSparse", vmdkExtents: ["/etc/passwd"] }), vmdk);
      assert.equal(sparseElsewhere.length, 1);
    });

    it("minDisk: a virtual size one byte over it names minDisk and the least minDisk that fits; 0 is no minimum", () => {
      assert.equal(exceedsMinDisk(2, 2 * GIB), false);
      assert.equal(exceedsMinDisk(2, 2 * GIB + 1), true);
      assert.equal(exceedsMinDisk(0, 100 * GIB), false);
      assert.equal(exceedsMinDisk(undefined, 100 * GIB), false);
      const [p] = infoProblems("/a", "/a", info({ virtualSize: 2 * GIB + 1 }), { diskFormat: "qcow2", minDisk: 2 });
      assert.equal(p?.field, "minDisk");
      assert.match(p?.text ?? "", /^2 GiB is below the virtual size of \/a, 2147483649 bytes.*minDisk must be at least 3\)$/);
    });
  });

  describe("completeness", () => {
    const check = (extra: Partial<QemuCheckResult> = {}): QemuCheckResult => ({ status: "clean", exitCode: 0, summary: "", ...extra });
    const C = 65536;

    it("corrupt or failed checks are incomplete, leaks and formats without checks are not", () => {
      assert.match(completenessProblem("/a", "qcow2", check({ status: "corrupt", exitCode: 2, summary: "3 corruptions" }), 10 * C, C)?.text ?? "", /not a complete qcow2: qemu-img check corrupt \(rc 2\): 3 corruptions/);
      assert.equal(completenessProblem("/a", "vmdk", check({ status: "failed", exitCode: 1 }), 10 * C)?.field, "file");
      assert.equal(completenessProblem("/a", "qcow2", check({ status: "leaks", exitCode: 3, imageEndOffset: 10 * C }), 10 * C, C), undefined);
      assert.equal(completenessProblem("/a", "vpc", check({ status: "unsupported", exitCode: 63 }), 10), undefined);
    });

    it("a qcow2 is truncated when a whole cluster it uses lies at or past its end; ending inside the last cluster is allowed", () => {
      const end = 4 * C;
      assert.equal(completenessProblem("/a", "qcow2", check({ imageEndOffset: end }), end, C), undefined);
      assert.equal(completenessProblem("/a", "qcow2", check({ imageEndOffset: end }), end - C + 8, C), undefined, "qemu-img create ends 8 bytes into the L1 cluster");
      assert.match(completenessProblem("/a", "qcow2", check({ imageEndOffset: end }), end - C, C)?.text ?? "", /ends at byte 196608, but it uses clusters up to byte 262144 \(truncated\)/);
      assert.equal(completenessProblem("/a", "qcow2", check({ imageEndOffset: end }), 0, undefined), undefined, "no cluster size: no offset rule");
    });
  });

  describe("what Glance stored for a web-download", () => {
    const stored = (extra: Partial<Image> = {}): Image =>
      ({ id: "i", status: "active", visibility: "private", protected: false, tags: [], created_at: "", updated_at: "", disk_format: "qcow2", container_format: "bare", virtual_size: GIB, ...extra }) as Image;
    const inputs = (extra: Record<string, unknown> = {}) =>
      glanceTaggedImageInputsSchema().parse({ resourceKey: "k", tag: "t", url: "http://127.0.0.1:8/a.qcow2", diskFormat: "qcow2", ...extra });

    it("a qcow2 Glance inspected and sized has no problem", () => {
      assert.deepEqual(recordProblems(stored(), inputs({ minDisk: 1 })), []);
    });

    it("no virtual_size for a format Glance inspects means its inspector did not recognise the data", () => {
      for (const diskFormat of ["qcow2", "vhdx", "vmdk", "vdi"]) {
        const [p] = recordProblems(stored({ disk_format: diskFormat, virtual_size: null }), inputs({ diskFormat }));
        assert.equal(p?.field, "diskFormat", diskFormat);
        assert.match(p?.text ?? "", new RegExp(`http://127\\.0\\.0\\.1:8/a\\.qcow2 is no ${diskFormat}: Glance's format inspection did not recognise it`));
      }
      assert.deepEqual(recordProblems(stored({ disk_format: "raw", virtual_size: null }), inputs({ diskFormat: "raw" })), [], "no inspector verdict for raw");
      assert.deepEqual(recordProblems(stored({ disk_format: "vhd", virtual_size: null }), inputs({ diskFormat: "vhd" })), [], "a fixed vhd has no header for it");
      assert.deepEqual(recordProblems(stored({ virtual_size: null, container_format: "ovf" }), inputs({ containerFormat: "ovf" })), [], "Glance inspects bare only");
    });

    it("another disk_format is a conversion; a virtual size over minDisk names minDisk", () => {
      assert.match(recordProblems(stored({ disk_format: "raw" }), inputs())[0]?.text ?? "", /as raw, not qcow2 \(converted by an import plugin\)/);
      const [p] = recordProblems(stored({ virtual_size: 3 * GIB }), inputs({ minDisk: 2 }));
      assert.equal(p?.field, "minDisk");
      assert.match(p?.text ?? "", /minDisk must be at least 3/);
    });

    it("the head of the data: another format or a backing file is refused; a fixed vhd's head probing raw is not", () => {
      assert.deepEqual(headProblems(info({ format: "raw" }), "/h", inputs({ diskFormat: "vhd" })), []);
      assert.deepEqual(headProblems(info(), "/h", inputs()), []);
      const raw = headProblems(info(), "/h", inputs({ diskFormat: "raw" }));
      assert.deepEqual(raw.map((p) => p.field), ["diskFormat"]);
      assert.match(raw[0]?.text ?? "", /is qcow2 according to qemu-img \(its first MiB\), not raw/);
      const backed = headProblems(info({ backingFile: "/etc/hostname" }), "/h", inputs());
      assert.deepEqual(backed.map((p) => p.field), ["url"]);
      assert.deepEqual(headProblems(info({ virtualSize: 100 * GIB }), "/h", inputs({ minDisk: 1 })), [], "minDisk is judged on Glance's virtual_size");
    });
  });
});

describe("GlanceTaggedImage inspectSource with the real qemu-img (no cloud)", function () {
  this.timeout(120_000);
  let dir = "";
  const prints: string[] = [];
  const ctx = { glance: undefined as never, resourceKey: "proj/stack/amp", instanceId: "00000000-0000-4000-8000-000000000000", print: (l: string) => prints.push(l), pollMs: 100, amphoraUse: () => Promise.reject(new Error("not asked")) };
  const parse = (file: string, extra: Record<string, unknown> = {}) =>
    glanceTaggedImageInputsSchema().parse({ resourceKey: ctx.resourceKey, tag: "t", file, diskFormat: "qcow2", ...extra });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gti-trunc-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses every cut short of the last cluster, accepts the whole file and cuts inside its last cluster (qemu-img's own tolerance)", async () => {
    await writeFile(join(dir, "data.raw"), randomBytes(1024 * 1024));
    execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", join(dir, "data.raw"), join(dir, "full.qcow2")]);
    const full = await readFile(join(dir, "full.qcow2"));
    const cluster = 65536;
    assert.equal(full.length % cluster, 0, "qemu-img convert writes whole data clusters");
    await inspectSource(ctx, parse(join(dir, "full.qcow2")));
    const accepted: number[] = [];
    let refused = 0;
    const step = cluster / 2;
    for (let cut = 0; cut < full.length; cut += step) {
      const path = join(dir, `cut-${cut}.qcow2`);
      await writeFile(path, full.subarray(0, cut));
      const outcome = await inspectSource(ctx, parse(path)).then(
        () => "accepted",
        (err: unknown) => {
          assert.ok(err instanceof GlanceTaggedImageError && err.code === "ERR_SOURCE_FORMAT", String(err));
          assert.match(err.message, /: (file: .* is not a complete qcow2|file: .* cannot be inspected as qcow2|diskFormat: .* is raw according to qemu-img)/);
          return "refused";
        },
      );
      if (outcome === "accepted") accepted.push(cut);
      else refused++;
      await rm(path);
    }
    const lastCluster = [full.length - step];
    assert.deepEqual(accepted, lastCluster, "only cuts inside the last (data) cluster pass");
    assert.equal(refused, full.length / step - lastCluster.length);
  });

  it("a fixed VHD (its only footer at the end, probed as raw) declared vhd passes; random bytes declared vhd do not", async () => {
    await writeFile(join(dir, "disk.raw"), randomBytes(1024 * 1024));
    execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed", join(dir, "disk.raw"), join(dir, "fixed.vhd")]);
    await inspectSource(ctx, parse(join(dir, "fixed.vhd"), { diskFormat: "vhd" }));
    await assert.rejects(inspectSource(ctx, parse(join(dir, "disk.raw"), { diskFormat: "vhd" })), /diskFormat: .*disk\.raw is raw according to qemu-img, not vhd/);
  });

  it("an empty file declared qcow2 is refused as raw; declared raw it passes", async () => {
    const path = join(dir, "empty");
    await writeFile(path, Buffer.alloc(0));
    await assert.rejects(inspectSource(ctx, parse(path)), /diskFormat: .*empty is raw according to qemu-img, not qcow2/);
    await inspectSource(ctx, parse(path, { diskFormat: "raw" }));
  });

  it("a container that wraps the disk (ova) is not inspected, and says so", async () => {
    const path = join(dir, "wrapped.ova");
    await writeFile(path, randomBytes(1024));
    prints.length = 0;
    await inspectSource(ctx, parse(path, { diskFormat: "vmdk", containerFormat: "ova" }));
    assert.deepEqual(prints, [`${path} is not inspected: container ova wraps the disk in another format`]);
  });
});
