import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GlanceClient } from "../../provider/glance/client";
import type { Image } from "../../provider/glance/images";
import { useGlanceClient } from "../../provider/common/provider-context";
import { UNKNOWN } from "../../provider/common/check";
import { useFlowSettings } from "../../provider/glance-tagged-image/context";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { addDigests, hashingStream, SourceChangedError, type SentFile } from "../../provider/glance-tagged-image/hashing-upload";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { markerProperties, markerValue } from "../../provider/glance-tagged-image/markers";
import { metadataPatch } from "../../provider/glance-tagged-image/metadata";
import { ProgressReporter } from "../../provider/glance-tagged-image/progress";
import { provider } from "../../provider/glance-tagged-image/provider";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { toOutputs } from "../../provider/glance-tagged-image/state";
import { appliedLine } from "../../provider/glance-tagged-image/summary";
import { checkDeclared, checkDownloaded, checkGlanceHolds, digestsToCompare, digestsWhileSending } from "../../provider/glance-tagged-image/verify";
import { fakeServiceClient, sendJson, startServer, type TestServer } from "../glance/support/fake-service";

const KEY = "proj/stack/amp";
const inputs = (extra: Record<string, unknown> = {}) =>
  glanceTaggedImageInputsSchema().parse({ resourceKey: KEY, tag: "amphora", file: "/tmp/x.raw", diskFormat: "raw", ...extra });

function image(extra: Partial<Image> = {}): Image {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    name: "amphora",
    status: "active",
    visibility: "private",
    protected: false,
    owner: "owner-1",
    checksum: "m",
    os_hash_algo: "sha512",
    os_hash_value: "s",
    size: 10,
    virtual_size: 10,
    disk_format: "raw",
    container_format: "bare",
    tags: [],
    created_at: "2026-11-21T00:00:00Z",
    updated_at: "2026-11-21T00:00:00Z",
    min_disk: 0,
    min_ram: 0,
    ...extra,
  } as Image;
}

const sent = { size: 10, hex: { sha256: "a".repeat(64), sha512: "s" } };

describe("GlanceTaggedImage helpers", () => {
  it("progress lines: at most one per interval, with percent and MiB/s, and a closing line", () => {
    let now = 0;
    const lines: string[] = [];
    const p = new ProgressReporter("stage img", 100 * 1024 * 1024, (l) => lines.push(l), 5000, () => now);
    for (let t = 0; t <= 12_000; t += 500) {
      now = t;
      p.update((t / 12_000) * 100 * 1024 * 1024);
    }
    p.done(100 * 1024 * 1024);
    assert.deepEqual(lines, [
      "stage img: 41% of 100.0 MiB, 8.3 MiB/s",
      "stage img: 83% of 100.0 MiB, 8.3 MiB/s",
      "stage img: 100% of 100.0 MiB in 12.0 s, 8.3 MiB/s",
    ]);
  });

  it("hashes what flows through with the algorithms asked for, in one pass, and only those", async () => {
    const data = randomBytes(300_000);
    const counts: number[] = [];
    const hashed = hashingStream((n) => counts.push(n), ["sha256", "sha512", "md5"]);
    const sink: Buffer[] = [];
    const collect = new Writable({
      write(chunk: Buffer, _enc, done) {
        sink.push(chunk);
        done();
      },
    });
    await pipeline(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), hashed.stream, collect);
    const d = hashed.digests();
    assert.deepEqual(Buffer.concat(sink), data);
    assert.equal(d.size, data.length);
    assert.equal(d.hex.sha256, createHash("sha256").update(data).digest("hex"));
    assert.equal(d.hex.sha512, createHash("sha512").update(data).digest("hex"));
    assert.equal(d.hex.md5, createHash("md5").update(data).digest("hex"));
    assert.deepEqual(counts, [100_000, 300_000]);
    const only = hashingStream(() => undefined, digestsWhileSending(inputs()));
    await pipeline(Readable.from([data]), only.stream, new Writable({ write: (_c, _e, done) => done() }));
    assert.deepEqual(only.digests().hex, { sha512: createHash("sha512").update(data).digest("hex") });
    assert.deepEqual(digestsWhileSending(inputs({ expectedSha256: "a".repeat(64) })), ["sha512", "sha256"]);
  });

  it("compares with Glance's own algorithm: sha512 by default, another hashing_algorithm, md5 when Node lacks it", () => {
    assert.deepEqual(digestsToCompare(image()), ["sha512"]);
    assert.deepEqual(digestsToCompare(image({ os_hash_algo: "sha3_256" })), ["sha3-256"]);
    assert.deepEqual(digestsToCompare(image({ os_hash_algo: "blake2b" })), ["blake2b512"]);
    assert.deepEqual(digestsToCompare(image({ os_hash_algo: "no-such-hash" })), ["md5"]);
    assert.deepEqual(digestsToCompare(image({ os_hash_algo: null, os_hash_value: null, checksum: null })), []);
    const sha256Glance = image({ os_hash_algo: "sha256", os_hash_value: "a".repeat(64) });
    checkGlanceHolds(KEY, sha256Glance, inputs(), sent);
    assert.throws(() => checkGlanceHolds(KEY, image({ os_hash_algo: "sha256", os_hash_value: "b".repeat(64) }), inputs(), sent), /sent sha256 a{64}, Glance has sha256 b{64} \(ERR_HASH_MISMATCH\)$/);
    assert.throws(() => checkGlanceHolds(KEY, image({ os_hash_algo: "no-such-hash", checksum: "m" }), inputs(), sent), /md5 of the bytes sent was not computed/);
    const withMd5 = { size: 10, hex: { ...sent.hex, md5: "m" } };
    checkGlanceHolds(KEY, image({ os_hash_algo: "no-such-hash", checksum: "m" }), inputs(), withMd5);
    assert.throws(() => checkGlanceHolds(KEY, image({ os_hash_algo: "no-such-hash", checksum: "y" }), inputs(), withMd5), /sent md5 m, Glance has checksum \(md5\) y \(ERR_HASH_MISMATCH\)$/);
  });

  it("digests Glance needs that were not computed while sending are read again, only from the file that was sent", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gti-digests-"));
    try {
      const file = join(dir, "a.raw");
      const data = randomBytes(200_000);
      await writeFile(file, data);
      const first: SentFile = { digests: { size: data.length, hex: { sha512: "s" } }, source: await stat(file) };
      assert.strictEqual(await addDigests(file, first, ["sha512"]), first);
      const more = await addDigests(file, first, ["sha512", "md5"]);
      assert.deepEqual(more.digests.hex, { sha512: "s", md5: createHash("md5").update(data).digest("hex") });
      await writeFile(file, randomBytes(200_000));
      await assert.rejects(addDigests(file, first, ["md5"]), (err: unknown) => err instanceof SourceChangedError && /changed while it was read again/.test(err.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a declared hash that differs from the bytes sent names both hashes", () => {
    assert.throws(() => checkDeclared(KEY, "img-1", inputs({ expectedSha256: "b".repeat(64) }), sent), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError);
      assert.equal(err.code, "ERR_HASH_MISMATCH");
      assert.match(err.message, /^GlanceTaggedImage proj\/stack\/amp: image img-1: the file's sha256 is a{64}, expectedSha256 is b{64} \(ERR_HASH_MISMATCH\)$/);
      return true;
    });
    checkDeclared(KEY, "img-1", inputs({ expectedSha256: "A".repeat(64) }), sent);
  });

  it("Glance holding other bytes: a conversion (size or format changed) is told apart from a corrupt upload", () => {
    checkGlanceHolds(KEY, image(), inputs(), sent);
    assert.throws(() => checkGlanceHolds(KEY, image({ os_hash_value: "x", checksum: "y", size: 99, disk_format: "qcow2" }), inputs(), sent), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError);
      assert.equal(err.code, "ERR_CONVERTED");
      assert.match(err.message, /converted by an import plugin: 10 bytes of raw were sent, Glance holds 99 bytes of qcow2/);
      return true;
    });
    assert.throws(() => checkGlanceHolds(KEY, image({ os_hash_value: "x" }), inputs(), sent), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError);
      assert.equal(err.code, "ERR_HASH_MISMATCH");
      assert.match(err.message, /Glance holds other bytes than were sent: sent sha512 s, Glance has sha512 x \(ERR_HASH_MISMATCH\)$/);
      return true;
    });
    assert.throws(() => checkDownloaded(KEY, image(), "c".repeat(128)), /Glance downloaded data with sha512 s, expectedSha512 is c{128}/);
    checkDownloaded(KEY, image(), undefined);
  });

  it("metadata converges by JSON patch: only what differs, dropped properties removed, foreign ones kept", () => {
    const current = image({ name: "old", visibility: "private", hw_rng_model: "virtio", dropped: "1", foreign: "x" } as Partial<Image>);
    const ops = metadataPatch(current, inputs({ name: "new", visibility: "shared", protected: true, properties: { hw_rng_model: "none", added: "2" } }), { dropped: "1" });
    assert.deepEqual(ops, [
      { op: "replace", path: "/name", value: "new" },
      { op: "replace", path: "/visibility", value: "shared" },
      { op: "replace", path: "/hw_rng_model", value: "none" },
      { op: "add", path: "/added", value: "2" },
      { op: "remove", path: "/dropped" },
      { op: "replace", path: "/protected", value: true },
    ]);
    assert.deepEqual(metadataPatch(image({ name: "amphora" }), inputs()), []);
  });

  it("markers fit Glance's 255-character property limit", () => {
    assert.equal(markerValue("a/b/c"), "a/b/c");
    assert.match(markerValue("x".repeat(300)), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(markerProperties({ resourceKey: "k", instanceId: "i" }, "s")), [
      "pulumi_amphora_resource",
      "pulumi_amphora_instance",
      "pulumi_amphora_source",
      "pulumi_amphora_pending",
    ]);
  });

  it("outputs: never undefined, stores sorted, Octavia snippet with the owner", () => {
    const outs = toOutputs(inputs({ stores: ["fast"] }), image({ stores: "fast,cheap", virtual_size: null, checksum: null }), { previousImageIds: [], sourceKey: "k", drift: [] });
    const walk = (v: unknown, at: string): void => {
      assert.notEqual(v, undefined, at);
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    walk(outs, "outputs");
    assert.deepEqual(outs.stores, ["cheap", "fast"]);
    assert.equal(outs.virtualSize, 0);
    assert.equal(outs.checksum, "");
    assert.equal(outs.octavia.configSnippet, "[controller_worker]\namp_image_tag = amphora\namp_image_owner_id = owner-1\n");
  });

  it("the applied line names where the tag went and what happened to every other image", () => {
    const line = appliedLine(
      "amphora",
      "aaaaaaaa-0000",
      { untagged: ["bbbbbbbb-0000"], foreign: [{ id: "cccccccc-0000", owner: "alt" }], oldTagRemoved: [], siblings: [] },
      { kept: ["bbbbbbbb-0000"], expired: [{ id: "dddddddd-0000", outcome: "deleted" }, { id: "eeeeeeee-0000", outcome: "protected" }], leftovers: [] },
    );
    assert.equal(
      line,
      'tag "amphora" is on aaaaaaaa…; untagged bbbbbbbb…; not touched (other owners): cccccccc… of project alt; ' +
        "dddddddd… deleted by retention; eeeeeeee… kept: protected, never deleted; previous kept: bbbbbbbb…",
    );
  });
});

describe("GlanceTaggedImage check and diff (no cloud)", () => {
  let glance: TestServer;
  let storesAnswer: { status: number; body: unknown } = { status: 200, body: { stores: [{ id: "fast", default: "true" }, { id: "cheap" }] } };
  const printed: string[] = [];

  before(async () => {
    glance = await startServer((req, res) => {
      if (req.url.startsWith("/v2/info/stores")) sendJson(res, storesAnswer.status, storesAnswer.body);
      else sendJson(res, 404, { message: "not here" });
    });
  });
  beforeEach(() => {
    printed.length = 0;
    useFlowSettings({ print: (l) => printed.push(l) });
    useGlanceClient(new GlanceClient(fakeServiceClient(glance.origin), { baseUrl: `${glance.origin}/v2` }));
  });
  afterEach(() => {
    useFlowSettings();
    useGlanceClient(undefined);
  });
  after(() => glance.close());

  const check = async (news: Record<string, unknown>) => {
    const result = await provider.check!({}, { resourceKey: KEY, tag: "amphora", file: "/tmp/x", ...news });
    return { inputs: result.inputs, failures: result.failures ?? [] };
  };

  it("stores are validated against /v2/info/stores", async () => {
    assert.deepEqual((await check({ stores: ["fast", "cheap"] })).failures, []);
    const { failures } = await check({ stores: ["fast", "slow", "nope"] });
    assert.deepEqual(failures, [{ property: "stores", reason: 'unknown stores "slow", "nope"; this Glance has fast, cheap' }]);
  });

  it("stores are validated while other inputs are still unknown (preview)", async () => {
    const { failures } = await check({ file: UNKNOWN, stores: ["slow"] });
    assert.deepEqual(failures.map((f) => f.property), ["stores"]);
  });

  it("stores on a single-store Glance (no /v2/info/stores) are rejected with the reason", async () => {
    storesAnswer = { status: 404, body: { message: "Not Found" } };
    try {
      const { failures } = await check({ stores: ["fast"] });
      assert.match(failures[0]?.reason ?? "", /single store .* remove "stores"/);
    } finally {
      storesAnswer = { status: 200, body: { stores: [{ id: "fast", default: "true" }, { id: "cheap" }] } };
    }
  });

  it("without a reachable Glance the stores check is skipped silently (validated again before create)", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    useGlanceClient(new GlanceClient(fakeServiceClient(closed.origin), { baseUrl: `${closed.origin}/v2` }));
    // The refused connection is a NetworkError: the look goes without Glance (common/check-probe.ts).
    assert.deepEqual((await check({ stores: ["anything"] })).failures, []);
    assert.ok(!printed.some((l) => /stores/.test(l)), printed.join("\n"));
  });

  it("no stores call when stores are unset or unknown; a create's plan only reads", async () => {
    const before = glance.requests.length;
    await check({});
    await check({ stores: UNKNOWN });
    const made = glance.requests.slice(before);
    assert.deepEqual(made.filter((r) => r.url.startsWith("/v2/info/stores")), []);
    assert.deepEqual(made.filter((r) => r.method !== "GET"), [], "a plan changes nothing");
  });

  it("community visibility is accepted with a warning", async () => {
    assert.deepEqual((await check({ visibility: "community" })).failures, []);
    assert.ok(printed.some((l) => /warning: visibility community/.test(l)));
  });

  it("bad inputs are rejected in check, each reason naming its field", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tag: "" }, "tag"],
      [{ url: "http://127.0.0.1/x" }, "url"],
      [{ diskFormat: "exe" }, "diskFormat"],
      [{ properties: { os_glance_x: "1" } }, "properties.os_glance_x"],
      [{ stores: ["a", "a"] }, "stores"],
      [{ retention: { keep: 1.5 } }, "retention.keep"],
      [{ timeouts: { importSeconds: -1 } }, "timeouts.importSeconds"],
      [{ expectedSha512: "zz" }, "expectedSha512"],
    ];
    for (const [news, field] of cases) {
      const { failures } = await check(news);
      const named = failures.find((f) => f.property === field);
      assert.ok(named, `${field}: ${JSON.stringify(failures)}`);
      // The engine prints the property before the reason (`property stores value … has a problem: …`): named once.
      assert.ok(!named.reason.startsWith(`${field}: `), named.reason);
    }
  });

  it("diff with unknown inputs plans a change reading only; an unchanged diff prints nothing and calls nothing", async () => {
    const news = inputs({ expectedSha512: "ab".repeat(64) });
    // Owned by the session's project (the fake service client's): otherwise diff plans the change of project.
    const olds = toOutputs(news, image({ owner: "project-1" }), { previousImageIds: [], sourceKey: sourceKey(news), drift: [] });
    const before = glance.requests.length;
    const unchanged = await provider.diff!(KEY, olds as unknown as Record<string, unknown>, { ...news } as Record<string, unknown>);
    assert.deepEqual(unchanged, { changes: false, replaces: [], deleteBeforeReplace: false });
    assert.deepEqual(printed, []);
    assert.equal(glance.requests.length, before);
    const otherBytes = await provider.diff!(KEY, olds as unknown as Record<string, unknown>, { ...news, expectedSha512: "cd".repeat(64) } as Record<string, unknown>);
    assert.deepEqual(otherBytes, { changes: true, replaces: [], deleteBeforeReplace: false }, "another declared sha512 is another source");
    assert.match(printed.join("\n"), /new upload/);
    printed.length = 0;
    const unknown = await provider.diff!(KEY, olds as unknown as Record<string, unknown>, { ...news, file: UNKNOWN } as Record<string, unknown>);
    assert.deepEqual(unknown, { changes: true, replaces: [], deleteBeforeReplace: false });
    assert.match(printed.join("\n"), /file known only during the update/);
    assert.deepEqual(glance.requests.slice(before).filter((r) => r.method !== "GET"), [], "a plan changes nothing");
  });
});
