import { strict as assert } from "node:assert";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { validateInputs } from "../../provider/common/validate";
import { UNKNOWN } from "../../provider/common/check";

const base = { resourceKey: "proj/stack/amp", tag: "amphora", file: "/tmp/amphora.qcow2" };
const ORIGIN = "11111111-1111-4111-8111-111111111111";
const fromOne = { resourceKey: "proj/stack/amp", tag: "amphora", region: "RegionTwo", importFrom: { region: "RegionOne", imageId: ORIGIN } };

function failuresOf(news: Record<string, unknown>) {
  return validateInputs(glanceTaggedImageInputsSchema(), news).failures;
}

describe("GlanceTaggedImage inputs", () => {
  it("accepts a minimal file source and applies the documented defaults", () => {
    const { inputs, failures, complete } = validateInputs(glanceTaggedImageInputsSchema(), base);
    assert.deepEqual(failures, []);
    assert.equal(complete, true);
    assert.equal(inputs.containerFormat, "bare");
    assert.equal(inputs.diskFormat, "qcow2");
    // Not set stays not set: an adopted image keeps its own; publish applies private/unprotected (attributes.ts).
    assert.equal(inputs.visibility, undefined);
    assert.equal(inputs.protected, undefined);
    assert.equal(inputs.properties, undefined);
    assert.equal(inputs.importMethod, "auto");
    assert.equal(inputs.allStoresMustSucceed, true);
    assert.deepEqual(inputs.retention, { keep: 2, action: "keep" });
  });

  it("accepts importFrom as the one source, with or without a fallback file", () => {
    for (const news of [fromOne, { ...fromOne, importFrom: { ...fromOne.importFrom, file: "/tmp/amphora.qcow2" }, importMethod: "glance-download" }]) {
      const { inputs, failures } = validateInputs(glanceTaggedImageInputsSchema(), news);
      assert.deepEqual(failures, []);
      assert.deepEqual(inputs.importFrom, news.importFrom);
    }
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["missing tag", { resourceKey: "k", file: "/x" }, "tag"],
    ["empty tag", { ...base, tag: "" }, "tag"],
    ["tag over 255 characters", { ...base, tag: "a".repeat(256) }, "tag"],
    ["tag with a control character", { ...base, tag: "amp\nhora" }, "tag"],
    ["tag with surrounding space", { ...base, tag: " amphora" }, "tag"],
    ["wrong type for tag", { ...base, tag: 42 }, "tag"],
    ["no source", { resourceKey: "k", tag: "amphora" }, "file"],
    ["two sources", { ...base, url: "http://127.0.0.1/x.qcow2" }, "url"],
    ["file:// url", { resourceKey: "k", tag: "t", url: "file:///etc/passwd" }, "url"],
    ["ftp url", { resourceKey: "k", tag: "t", url: "ftp://127.0.0.1/x" }, "url"],
    ["url with credentials", { resourceKey: "k", tag: "t", url: "http://user:secret@127.0.0.1/x.qcow2" }, "url"],
    ["not a url", { resourceKey: "k", tag: "t", url: "not a url" }, "url"],
    ["imageId not a uuid", { resourceKey: "k", tag: "t", imageId: "../../etc" }, "imageId"],
    ["unknown disk format", { ...base, diskFormat: "exe" }, "diskFormat"],
    ["unknown container format", { ...base, containerFormat: "zip" }, "containerFormat"],
    ["unknown visibility", { ...base, visibility: "everyone" }, "visibility"],
    ["unknown import method", { ...base, importMethod: "magic" }, "importMethod"],
    ["web-download for a file", { ...base, importMethod: "web-download" }, "importMethod"],
    ["upload for a url", { resourceKey: "k", tag: "t", url: "http://127.0.0.1/x", importMethod: "upload" }, "importMethod"],
    ["reserved os_glance_ property", { ...base, properties: { os_glance_import_task: "x" } }, "properties.os_glance_import_task"],
    ["read-only property", { ...base, properties: { checksum: "x" } }, "properties.checksum"],
    ["marker property", { ...base, properties: { pulumi_amphora_resource: "x" } }, "properties.pulumi_amphora_resource"],
    ["non-string property value", { ...base, properties: { hw_disk_bus: 3 } }, "properties.hw_disk_bus"],
    ["property key with a control character", { ...base, properties: { "hw_\nrng": "x" } }, "properties.hw_\nrng"],
    ["property value with NUL", { ...base, properties: { hw_rng_model: "vir\u0000tio" } }, "properties.hw_rng_model"],
    ["image name with a control character", { ...base, name: "amphora\u001b[2J" }, "name"],
    ["negative minDisk", { ...base, minDisk: -1 }, "minDisk"],
    ["fractional minRam", { ...base, minRam: 1.5 }, "minRam"],
    ["store listed twice", { ...base, stores: ["fast", "fast"] }, "stores"],
    ["empty store id", { ...base, stores: [""] }, "stores.0"],
    ["empty store list", { ...base, stores: [] }, "stores"],
    ["bad sha256", { ...base, expectedSha256: "xyz" }, "expectedSha256"],
    ["bad sha512", { ...base, expectedSha512: "ab" }, "expectedSha512"],
    ["unknown retention action", { ...base, retention: { keep: 1, action: "shred" } }, "retention.action"],
    ["negative retention", { ...base, retention: { keep: -2 } }, "retention.keep"],
    ["zero timeout", { ...base, timeouts: { uploadSeconds: 0 } }, "timeouts.uploadSeconds"],
    ["unknown input", { ...base, colour: "blue" }, ""],
    ["expectedSha256 for an adopted image", { resourceKey: "k", tag: "t", imageId: "11111111-1111-4111-8111-111111111111", expectedSha256: "a".repeat(64) }, "expectedSha256"],
    ["expectedSha256 for a url", { resourceKey: "k", tag: "t", url: "http://127.0.0.1/x", expectedSha256: "a".repeat(64) }, "expectedSha256"],
    ["empty resourceKey", { ...base, resourceKey: "" }, "resourceKey"],
    ["non-positive importSeconds", { ...base, timeouts: { importSeconds: -5 } }, "timeouts.importSeconds"],
    ["retention keep over 100", { ...base, retention: { keep: 101 } }, "retention.keep"],
    ["unknown retention field", { ...base, retention: { keep: 1, age: 3 } }, "retention"],
    ["file and importFrom", { ...base, importFrom: { region: "RegionOne", imageId: ORIGIN } }, "importFrom"],
    ["importFrom without imageId", { ...fromOne, importFrom: { region: "RegionOne" } }, "importFrom.imageId"],
    ["importFrom with a bad image id", { ...fromOne, importFrom: { region: "RegionOne", imageId: "latest" } }, "importFrom.imageId"],
    ["importFrom with an empty region", { ...fromOne, importFrom: { region: "", imageId: ORIGIN } }, "importFrom.region"],
    ["importFrom with an unknown field", { ...fromOne, importFrom: { region: "RegionOne", imageId: ORIGIN, url: "http://x" } }, "importFrom"],
    ["importFrom from the resource's own region", { ...fromOne, region: "RegionOne" }, "importFrom.region"],
    ["web-download for importFrom", { ...fromOne, importMethod: "web-download" }, "importMethod"],
    ["glance-download without importFrom", { ...base, importMethod: "glance-download" }, "importMethod"],
    ["expectedSha256 for importFrom", { ...fromOne, expectedSha256: "a".repeat(64) }, "expectedSha256"],
  ];
  for (const [title, news, field] of bad) {
    it(`rejects ${title}, naming ${field || "the input"}`, () => {
      const failures = failuresOf(news);
      assert.ok(failures.length > 0, "expected a failure");
      const named = failures.some((f) => f.property === field || (field === "" && f.reason.includes("colour")));
      assert.ok(named, `no failure names ${field}: ${JSON.stringify(failures)}`);
    });
  }

  it("validates known fields while others are still unknown (preview)", () => {
    const { failures, complete } = validateInputs(glanceTaggedImageInputsSchema(), {
      ...base,
      file: UNKNOWN,
      visibility: "everyone",
    });
    assert.equal(complete, false);
    assert.deepEqual(failures.map((f) => f.property), ["visibility"]);
  });

  it("does not fail on unknown values alone", () => {
    const { failures } = validateInputs(glanceTaggedImageInputsSchema(), { ...base, file: UNKNOWN, tag: UNKNOWN });
    assert.deepEqual(failures, []);
  });
});
