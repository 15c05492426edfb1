/**
 * The bytes are what they claim (issue 12): a `file` that is not its `diskFormat`, reads another file (backing
 * file, data file, vmdk extent), is incomplete or exceeds `minDisk` is refused before anything exists in Glance;
 * a web-download whose stored data is one of those is deleted before the tag moves; an `upload` to several
 * stores whose copy-image is refused (a plain member) deletes the image it made. The bad files are made here with
 * qemu-img and random bytes. Against the real local Glance, as local-demo (a plain member).
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { createImage, getImage, imageStores, listAllImages, uploadImageData } from "../../provider/glance";
import { resourceName } from "../../provider/glance-tagged-image/context";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { markerProperties, RESOURCE_MARKER } from "../../provider/glance-tagged-image/markers";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { ProviderCallError, useProviderHost } from "../harness";
import { assertBuilt, hostEnv, REPO_ROOT, TYPES } from "../security/support";
import { cloudsFile, localRelease, requireRelease } from "../support/cloud";
import { cleanupImages, Engine, glanceFor, startFileServer, uniqueKey, uniqueTag } from "./support";

const qemuImg = (...args: string[]): void => {
  execFileSync("qemu-img", args, { stdio: "pipe" });
};

/** The bad (and good) files of this suite, made with qemu-img in a temporary directory. */
class BadFiles {
  dir = "";

  async make(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "gti-inspect-"));
    const p = (name: string): string => join(this.dir, name);
    await writeFile(p("random.bin"), randomBytes(3 * 1024 * 1024));
    await writeFile(p("data.raw"), randomBytes(4 * 1024 * 1024));
    qemuImg("convert", "-f", "raw", "-O", "qcow2", p("data.raw"), p("good.qcow2"));
    qemuImg("convert", "-f", "raw", "-O", "vpc", p("data.raw"), p("good.vhd"));
    qemuImg("create", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", p("backing.qcow2"));
    qemuImg("create", "-f", "qcow2", "-o", `data_file=${p("external.data")}`, p("datafile.qcow2"), "4M");
    qemuImg("create", "-f", "qcow2", p("huge.qcow2"), "3G");
    const good = await readFile(p("good.qcow2"));
    // header + refcount table + refcount block, no L1 table: qemu-img check passes it, the data is gone
    await writeFile(p("cut-at-l1.qcow2"), good.subarray(0, 3 * 65536));
    // header and a few bytes
    await writeFile(p("cut-1k.qcow2"), good.subarray(0, 1024));
    // half: L2 and data clusters beyond the end (qemu-img check: corruptions)
    await writeFile(p("cut-half.qcow2"), good.subarray(0, 2 * 1024 * 1024));
    // a qcow2 header cut before its end: qemu-img cannot open it at all
    await writeFile(p("cut-100.qcow2"), good.subarray(0, 100));
    await writeFile(
      p("flat.vmdk"),
      '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 1 FLAT "/etc/hostname" 0\n',
    );
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async remove(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

interface Case {
  what: string;
  /** The file path or URL, known once the suite's `before` ran. */
  source: () => string;
  inputs: Record<string, unknown>;
  field: "file" | "url" | "diskFormat" | "minDisk";
  found: RegExp;
  /** Glance 30 (2025.1) refuses this data itself during the import, before the provider can inspect it. */
  refusedByGlance30?: true;
}

describe("GlanceTaggedImage inspects the bytes before publishing @cloud", function () {
  this.timeout(60_000);
  const files = new BadFiles();
  const keys: string[] = [];
  const extra: string[] = [];
  let demo: GlanceClient;
  let admin: GlanceClient;

  const engine = (glance: GlanceClient, label: string): Engine => {
    const key = uniqueKey(label);
    keys.push(key);
    return new Engine(glance, key);
  };
  /** Everything of the project this resource or this tag could have created: its marker, or its name. */
  const created = async (e: Engine, tag: string): Promise<string[]> => {
    const images = await listAllImages(e.glance, { owner: e.glance.projectId });
    return images.filter((i) => i[RESOURCE_MARKER] === e.resourceKey || i.name === tag).map((i) => `${i.id} ${i.status}`);
  };

  before(async () => {
    [demo, admin] = await Promise.all([glanceFor("local-demo"), glanceFor("local-admin")]);
    await files.make();
  });
  after(async () => {
    await cleanupImages(keys, extra);
    await files.remove();
  });

  describe("file: refused before anything exists in Glance", () => {
    const file = (name: string) => (): string => files.path(name);
    const cases: Case[] = [
      { what: "random bytes declared qcow2", source: file("random.bin"), inputs: { diskFormat: "qcow2" }, field: "diskFormat", found: /random\.bin is raw according to qemu-img, not qcow2/ },
      { what: "a qcow2 declared raw", source: file("good.qcow2"), inputs: { diskFormat: "raw" }, field: "diskFormat", found: /good\.qcow2 is qcow2 according to qemu-img, not raw \(declare diskFormat "qcow2"/ },
      { what: "a vhd declared vmdk", source: file("good.vhd"), inputs: { diskFormat: "vmdk" }, field: "diskFormat", found: /good\.vhd is vpc according to qemu-img, not vmdk \(declare diskFormat "vhd"/ },
      { what: "a qcow2 declared iso", source: file("good.qcow2"), inputs: { diskFormat: "iso" }, field: "diskFormat", found: /is qcow2 according to qemu-img, not iso/ },
      { what: "a qcow2 whose backing file is /etc/hostname", source: file("backing.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /backing\.qcow2 is a qcow2 with a backing file \(\/etc\/hostname\)/ },
      { what: "a qcow2 with an external data file", source: file("datafile.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /datafile\.qcow2 is a qcow2 with an external data file \(.*external\.data\)/ },
      { what: "a vmdk whose flat extent is /etc/hostname", source: file("flat.vmdk"), inputs: { diskFormat: "vmdk" }, field: "file", found: /flat\.vmdk is a vmdk of create type monolithicFlat, reading extent file\(s\) \/etc\/hostname: only/ },
      { what: "a qcow2 cut after its refcount block (qemu-img check passes it)", source: file("cut-at-l1.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /cut-at-l1\.qcow2 is not a complete qcow2: it ends at byte 196608, but it uses clusters up to byte 262144 \(truncated\)/ },
      { what: "a qcow2 header and 1 KiB", source: file("cut-1k.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /cut-1k\.qcow2 is not a complete qcow2: qemu-img check corrupt \(rc 2\): \d+ corruptions/ },
      { what: "a qcow2 cut in half", source: file("cut-half.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /cut-half\.qcow2 is not a complete qcow2: qemu-img check corrupt/ },
      { what: "a qcow2 header cut short", source: file("cut-100.qcow2"), inputs: { diskFormat: "qcow2" }, field: "file", found: /cut-100\.qcow2 cannot be inspected as qcow2: .*qcow2 header too short/ },
      { what: "a file qemu-img cannot read (/proc/self/mem)", source: () => "/proc/self/mem", inputs: { diskFormat: "raw" }, field: "file", found: /\/proc\/self\/mem cannot be inspected as raw: .*Could not open/ },
      { what: "minDisk 2 for a 3 GiB qcow2", source: file("huge.qcow2"), inputs: { diskFormat: "qcow2", minDisk: 2 }, field: "minDisk", found: /2 GiB is below the virtual size of .*huge\.qcow2, 3221225472 bytes.*minDisk must be at least 3/ },
    ];

    for (const c of cases) {
      it(`${c.what}: refused in create naming ${c.field}; the project holds nothing of it`, async () => {
        const e = engine(demo, "bad");
        const tag = uniqueTag("bad");
        const inputs = { tag, file: c.source(), ...c.inputs };
        const { failures } = await e.check(inputs);
        assert.deepEqual(failures, [], "check stays cheap and passes");
        const err = await e.up(inputs).then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.deepEqual(await created(e, tag), [], "nothing in the project");
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_SOURCE_FORMAT", err.message);
        assert.ok(err.message.startsWith(`GlanceTaggedImage ${e.resourceKey}: ${c.field}: `), err.message);
        assert.match(err.message, c.found);
        assert.match(err.message, /nothing was created in Glance \(ERR_\w+\)$/);
        assert.equal(err.imageId, undefined);
      });
    }

    it("a container the provider does not inspect (compressed) goes on to the upload, whose read errors delete the image", async () => {
      const e = engine(demo, "not-inspected");
      const tag = uniqueTag("not-inspected");
      await assert.rejects(e.up({ tag, file: "/proc/self/mem", diskFormat: "raw", containerFormat: "compressed" }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_SOURCE");
        assert.match(err.message, /cannot read file \/proc\/self\/mem: EIO.*the image was deleted/);
        return true;
      });
      assert.ok(e.lines.includes(`GlanceTaggedImage ${resourceName(e.resourceKey)}: /proc/self/mem is not inspected: container compressed wraps the disk in another format`), e.lines.join("\n"));
      assert.deepEqual(await created(e, tag), []);
    });

    // On 2025.1 Glance refuses the planted upload itself (a qcow2 with a backing file fails its safety checks).
    it("a finished image left earlier from a refused file is not adopted and not tagged", async function () {
      await requireRelease(this, "zed");
      const e = engine(demo, "bad-half-made");
      const tag = uniqueTag("bad-hm");
      const inputs = { tag, file: files.path("backing.qcow2"), diskFormat: "qcow2" };
      const parsed = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, ...inputs });
      const left = await createImage(demo, {
        name: "left by an older version",
        diskFormat: "qcow2",
        containerFormat: "bare",
        visibility: "private",
        properties: markerProperties({ resourceKey: e.resourceKey, instanceId: randomUUID() }, sourceKey(parsed)),
      });
      await uploadImageData(demo, left.id, files.path("backing.qcow2"));
      await assert.rejects(e.up(inputs), (err: unknown) => err instanceof GlanceTaggedImageError && err.code === "ERR_SOURCE_FORMAT" && /^GlanceTaggedImage .*: file: /.test(err.message));
      assert.ok(!e.lines.some((l) => l.includes("adopting")), e.lines.join("\n"));
      assert.deepEqual((await getImage(demo, left.id)).tags, []);
      assert.deepEqual(await created(e, tag), [`${left.id} active`], "only the planted image");
    });

    it("a correct qcow2 is published, tagged and active; so is a vhd declared vhd", async () => {
      for (const [file, diskFormat] of [["good.qcow2", "qcow2"], ["good.vhd", "vhd"]] as const) {
        const e = engine(demo, `good-${diskFormat}`);
        const tag = uniqueTag("good");
        const { op, outputs } = await e.up({ tag, file: files.path(file), diskFormat, minDisk: 1 });
        assert.equal(op, "create");
        assert.equal(outputs.status, "active");
        assert.equal(outputs.diskFormat, diskFormat);
        assert.deepEqual((await getImage(demo, outputs.imageId)).tags, [tag]);
      }
    });

    it("a file changed between its inspection and its upload is refused (ERR_SOURCE; on 2025.1 Glance refuses it first) and its image deleted", async () => {
      const e = engine(demo, "swap");
      const tag = uniqueTag("swap");
      const path = join(files.dir, "swap.qcow2");
      await writeFile(path, await readFile(files.path("good.qcow2")));
      const swapped = await readFile(files.path("backing.qcow2"));
      const lines: string[] = [];
      const { inspectSource } = await import("../../provider/glance-tagged-image/inspect-source");
      const { createRecord, fillImage } = await import("../../provider/glance-tagged-image/publish");
      const { flowContext } = await import("../../provider/glance-tagged-image/context");
      const parsed = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, tag, file: path, diskFormat: "qcow2", importMethod: "upload" });
      const ctx = { ...flowContext(demo, { resourceKey: e.resourceKey, instanceId: randomUUID() }), print: (l: string) => lines.push(l), pollMs: 100 };
      const inspected = await inspectSource(ctx, parsed);
      await writeFile(path, swapped);
      await truncate(path, inspected.size);
      const record = await createRecord(ctx, parsed, sourceKey(parsed));
      const zed = (await localRelease()) === "zed";
      await assert.rejects(fillImage(ctx, record, parsed, "upload", inspected), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        if (zed) {
          assert.equal(err.code, "ERR_SOURCE");
          assert.match(err.message, /changed between its inspection .* and the upload; the image was deleted/);
        } else {
          // Glance 30 refuses the swapped-in qcow2 (a backing file) during the upload, before the digests compare.
          assert.equal(err.code, "ERR_PUBLISH", err.message);
          assert.match(err.message, /415.*checks uploaded and imported data against disk_format "qcow2"/);
          assert.match(err.message, /; the image was deleted \(ERR_\w+\)$/);
        }
        return true;
      });
      await assert.rejects(getImage(demo, record.id), /404/);
    });
  });

  describe("url: what Glance stored is inspected before the tag moves", () => {
    let server: Awaited<ReturnType<typeof startFileServer>>;
    before(async () => {
      server = await startFileServer({
        "/random.bin": await readFile(files.path("random.bin")),
        "/good.qcow2": await readFile(files.path("good.qcow2")),
        "/backing.qcow2": await readFile(files.path("backing.qcow2")),
        "/huge.qcow2": await readFile(files.path("huge.qcow2")),
        "/cut-half.qcow2": await readFile(files.path("cut-half.qcow2")),
        "/cut-at-l1.qcow2": await readFile(files.path("cut-at-l1.qcow2")),
      });
    });
    after(async () => server?.close());

    const url = (path: string) => (): string => server.url(path);
    const cases: Case[] = [
      { what: "random bytes declared qcow2", source: url("/random.bin"), inputs: { diskFormat: "qcow2" }, field: "diskFormat", found: /random\.bin is no qcow2: Glance's format inspection did not recognise it \(it set no virtual_size\)/, refusedByGlance30: true },
      { what: "a qcow2 declared raw", source: url("/good.qcow2"), inputs: { diskFormat: "raw" }, field: "diskFormat", found: /good\.qcow2 is qcow2 according to qemu-img \(its first MiB\), not raw/ },
      { what: "a qcow2 whose backing file is /etc/hostname", source: url("/backing.qcow2"), inputs: { diskFormat: "qcow2" }, field: "url", found: /backing\.qcow2 is a qcow2 with a backing file \(\/etc\/hostname\)/, refusedByGlance30: true },
      { what: "minDisk 1 for a 3 GiB qcow2", source: url("/huge.qcow2"), inputs: { diskFormat: "qcow2", minDisk: 1 }, field: "minDisk", found: /1 GiB is below the virtual size of .*huge\.qcow2, 3221225472 bytes/ },
      // Read back in full: the head of these is a sound qcow2 header.
      { what: "a qcow2 cut in half", source: url("/cut-half.qcow2"), inputs: { diskFormat: "qcow2" }, field: "url", found: /the data Glance downloaded from .*cut-half\.qcow2 is not a complete qcow2: qemu-img check corrupt/ },
      { what: "a qcow2 cut after its refcount block", source: url("/cut-at-l1.qcow2"), inputs: { diskFormat: "qcow2" }, field: "url", found: /cut-at-l1\.qcow2 is not a complete qcow2: it ends at byte 196608, but it uses clusters up to byte 262144 \(truncated\)/ },
    ];

    for (const c of cases) {
      it(`${c.what}: deleted before the tag moves, naming ${c.field} and the URL; nothing left or tagged`, async () => {
        const e = engine(demo, "bad-url");
        const tag = uniqueTag("bad-url");
        const err = await e.up({ tag, url: c.source(), ...c.inputs }).then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.deepEqual(await created(e, tag), [], "nothing in the project");
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        if (c.refusedByGlance30 && (await localRelease()) === "2025.1") {
          // Glance's own check: the import fails, and the error says what this Glance checks.
          assert.equal(err.code, "ERR_PUBLISH", err.message);
          assert.ok(err.imageId);
          assert.match(err.message, /failed while waiting for the web-download import to finish: Import of image .* failed for store\(s\) fast \(image status queued\)/);
          assert.match(err.message, /this Glance, image API v2\.17, checks uploaded and imported data against disk_format "qcow2" \(\[image_format\] require_image_format_match\)/);
          assert.match(err.message, /; the image was deleted \(ERR_\w+\)$/);
          await assert.rejects(getImage(demo, err.imageId), /404/);
          return;
        }
        assert.equal(err.code, "ERR_SOURCE_FORMAT", err.message);
        assert.ok(err.imageId);
        assert.ok(err.message.startsWith(`GlanceTaggedImage ${e.resourceKey}: image ${err.imageId}: ${c.field}: `), err.message);
        assert.match(err.message, c.found);
        assert.match(err.message, /; the image was deleted \(ERR_\w+\)$/);
        await assert.rejects(getImage(demo, err.imageId), /404/);
      });
    }

    it("a correct qcow2 by web-download is published and tagged", async () => {
      const e = engine(demo, "good-url");
      const tag = uniqueTag("good-url");
      const { outputs, lines } = await e.up({ tag, url: server.url("/good.qcow2"), diskFormat: "qcow2", minDisk: 1 });
      assert.equal(outputs.status, "active");
      assert.ok(lines.some((l) => /reading image .* back from Glance \(.*\) to check that the qcow2 is complete/.test(l)), lines.join("\n"));
      // The plan names the method once: "new web-download of <url> to …", not again as "by web-download".
      assert.match(lines[0] ?? "", /: new web-download of http:\/\/\S+\/good\.qcow2 to the default store(;|$)/);
      assert.deepEqual((await getImage(demo, outputs.imageId)).tags, [tag]);
    });
  });

  describe("upload to several stores", () => {
    it("a member's upload to fast and cheap: copy-image refused, the image deleted, stores and Glance's 403 named; the next run does the same", async () => {
      const e = engine(demo, "upload-stores");
      const tag = uniqueTag("up-stores");
      const inputs = { tag, file: files.path("good.qcow2"), diskFormat: "qcow2", importMethod: "upload", stores: ["fast", "cheap"] };
      for (let run = 1; run <= 2; run++) {
        const err = await e.up(inputs).then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.ok(err instanceof GlanceTaggedImageError, `run ${run}: ${String(err)}`);
        assert.equal(err.code, "ERR_PUBLISH");
        assert.ok(err.imageId && err.message.includes(err.imageId));
        assert.match(
          err.message,
          new RegExp(`upload of .*good\\.qcow2 to store\\(s\\) fast, cheap: PUT /file wrote fast, but copying image ${err.imageId} to store\\(s\\) cheap failed \\(copy-image is admin-only`),
        );
        assert.match(err.message, /: 403 You are not authorized to complete copy_image action\.; the image was deleted \(ERR_\w+\)$/);
        await assert.rejects(getImage(demo, err.imageId), /404/);
        assert.deepEqual(await created(e, tag), [], `run ${run}: nothing left for the next run to adopt`);
        assert.ok(!e.lines.some((l) => l.includes("adopting")), e.lines.join("\n"));
      }
    });

    it("an admin's upload to fast and cheap ends in both stores (positive control)", async () => {
      const e = engine(admin, "upload-stores-admin");
      const { outputs } = await e.up({ tag: uniqueTag("up-admin"), file: files.path("good.qcow2"), diskFormat: "qcow2", importMethod: "upload", stores: ["fast", "cheap"] });
      assert.deepEqual(outputs.stores, ["cheap", "fast"]);
      assert.deepEqual(imageStores(await getImage(admin, outputs.imageId)).sort(), ["cheap", "fast"]);
    });
  });
});

describe("GlanceTaggedImage inspection through the provider host @cloud", function () {
  this.timeout(60_000);
  const provider = packageProvider("glance-tagged-image/provider");
  const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: { "openstack:cloud": "local-demo" }, env: hostEnv({ OS_CLIENT_CONFIG_FILE: cloudsFile() }) }));
  const keys: string[] = [];
  let dir = "";
  before(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), "gti-inspect-host-"));
  });
  after(async () => {
    await cleanupImages(keys);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a qcow2 with a backing file reaches the engine as the resource's error naming file; no state, nothing in Glance", async () => {
    const file = join(dir, "backing.qcow2");
    qemuImg("create", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", file);
    const resourceKey = uniqueKey("host");
    keys.push(resourceKey);
    const tag = uniqueTag("host");
    const lc = await ctx.host.lifecycle(provider, TYPES.image, "amphora");
    const err = await lc.up({ resourceKey, tag, file, diskFormat: "qcow2" }).then(
      () => assert.fail("the file must be refused"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderCallError, String(err));
    assert.equal(err.method, "create");
    assert.match(err.urn ?? "", /::amphora$/);
    assert.match(err.details, new RegExp(`^GlanceTaggedImage ${resourceKey}: file: ${file.replace(/[.]/g, "\\.")} is a qcow2 with a backing file \\(/etc/hostname\\)`));
    assert.match(err.details, /nothing was created in Glance \(ERR_\w+\)$/);
    assert.equal(lc.state, undefined);
    const demo = await glanceFor("local-demo");
    const images = await listAllImages(demo, { owner: demo.projectId });
    assert.deepEqual(images.filter((i) => i[RESOURCE_MARKER] === resourceKey || i.name === tag), []);
  });
});
