/**
 * The upload hashes only sha512 (Glance's default `hashing_algorithm`). A Glance configured with another
 * algorithm is stood in for by a proxy that rewrites the image record's `os_hash_algo`/`os_hash_value` (the real
 * Glance computed sha512): the provider then reads the file again for that algorithm (md5 against `checksum` when
 * Node has no such hash) and compares, through the real provider host.
 */
import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderCallError, useProviderHost } from "../harness";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { cleanupImages, ensureGlance, glanceUrl, hostOptions, leftoverProblems, markedImages, providers, requireDist, TYPES } from "../faults/support";
import { uniqueKey, uniqueTag } from "./support";

const IMAGE = /^\/v2\/images\/[0-9a-f-]{36}$/;

describe("GlanceTaggedImage: a Glance hashing with another algorithm than sha512 @cloud", function () {
  this.timeout(120_000);
  let proxy: FaultProxy;
  let dir: string;
  let file: string;
  let data: Buffer;
  const keys: string[] = [];

  before(async () => {
    requireDist();
    await ensureGlance();
    proxy = await startFaultProxy(await glanceUrl());
    dir = await mkdtemp(join(tmpdir(), "gti-hash-algo-"));
    file = join(dir, "amphora.raw");
    data = randomBytes(300 * 1024);
    await writeFile(file, data);
  });
  const ctx = useProviderHost(() => hostOptions({ glance: proxy }));
  afterEach(() => proxy.clearRules());
  after(async () => {
    await cleanupImages(keys);
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every image record Glance returns says it was hashed with `algo` and carries `value` (when given). */
  function glanceReports(algo: string, value: () => string): void {
    proxy.rule({
      method: "GET",
      path: IMAGE,
      fault: {
        rewriteJson: (json) => {
          const image = json as Record<string, unknown>;
          return image.status === "active" ? { ...image, os_hash_algo: algo, os_hash_value: value() } : image;
        },
      },
    });
  }

  async function resource(label: string) {
    const resourceKey = uniqueKey(label);
    const tag = uniqueTag(label);
    keys.push(resourceKey);
    const lc = await ctx.host.lifecycle(providers.image, TYPES.image, label);
    return { lc, resourceKey, tag, inputs: { resourceKey, tag, file, diskFormat: "raw", importMethod: "upload" } };
  }

  it("sha256 on Glance: the file is read again for sha256, compared, and the image published", async () => {
    const sha256 = createHash("sha256").update(data).digest("hex");
    glanceReports("sha256", () => sha256);
    const r = await resource("sha256");
    const created = await r.lc.up(r.inputs);
    assert.equal(created.op, "create");
    assert.ok(created.output.some((l) => l.includes("Glance hashes with sha256; reading") && l.includes(file)), created.output.join("\n"));
    assert.equal(created.outputs.osHashAlgo, "sha256");
    assert.deepEqual(await leftoverProblems(r.resourceKey, r.tag), []);
    await r.lc.destroy();
  });

  it("sha256 on Glance that differs from the file: refused, naming both sha256 values, the image deleted", async () => {
    const sha256 = createHash("sha256").update(data).digest("hex");
    glanceReports("sha256", () => "0".repeat(64));
    const r = await resource("sha256-bad");
    await assert.rejects(r.lc.up(r.inputs), (err: unknown) => {
      assert.ok(err instanceof ProviderCallError, String(err));
      assert.match(err.details, /Glance holds other bytes than were sent/);
      assert.ok(err.details.includes(`sent sha256 ${sha256}, Glance has sha256 ${"0".repeat(64)}`), err.details);
      assert.match(err.details, /the image was deleted/);
      return true;
    });
    assert.deepEqual(await markedImages(r.resourceKey), []);
  });

  it("an algorithm Node does not have: md5 of the file against Glance's checksum", async () => {
    glanceReports("no_such_hash", () => "f".repeat(64));
    const r = await resource("md5");
    const created = await r.lc.up(r.inputs);
    assert.equal(created.op, "create");
    assert.equal(created.outputs.checksum, createHash("md5").update(data).digest("hex"));
    assert.ok(created.output.some((l) => l.includes("Glance hashes with no_such_hash; reading")), created.output.join("\n"));
    await r.lc.destroy();
  });

  it("that md5 differing from Glance's checksum: refused naming both, nothing left", async () => {
    proxy.rule({
      method: "GET",
      path: IMAGE,
      fault: {
        rewriteJson: (json) => {
          const image = json as Record<string, unknown>;
          return image.status === "active" ? { ...image, os_hash_algo: "no_such_hash", checksum: "0".repeat(32) } : image;
        },
      },
    });
    const r = await resource("md5-bad");
    await assert.rejects(r.lc.up(r.inputs), (err: unknown) => {
      assert.ok(err instanceof ProviderCallError, String(err));
      const md5 = createHash("md5").update(data).digest("hex");
      assert.ok(err.details.includes(`sent md5 ${md5}, Glance has checksum (md5) ${"0".repeat(32)}`), err.details);
      return true;
    });
    assert.deepEqual(await markedImages(r.resourceKey), []);
  });
});
