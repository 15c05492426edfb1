import { strict as assert } from "node:assert";
import { describeImport, importRoute } from "../../provider/glance-tagged-image/import-from";
import { glanceTaggedImageInputsSchema, type GlanceTaggedImageInputs } from "../../provider/glance-tagged-image/inputs";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";

const ORIGIN = "0d8e3c1a-1111-4111-8111-111111111111";

function inputs(extra: Record<string, unknown> = {}, file?: string): GlanceTaggedImageInputs {
  const importFrom = { region: "RegionOne", imageId: ORIGIN, ...(file ? { file } : {}) };
  return glanceTaggedImageInputsSchema().parse({ resourceKey: "p/s/amp", tag: "amphora", region: "RegionTwo", importFrom, ...extra });
}

describe("GlanceTaggedImage importFrom route (what the plan line says and apply does)", () => {
  it("glance-download where the region offers it; the plan says nothing is uploaded", () => {
    const route = importRoute(inputs(), ["glance-direct", "glance-download"], "p/s/amp", "RegionTwo");
    assert.deepEqual(route, { kind: "glance-download" });
    assert.equal(describeImport(inputs(), route), "glance-download of image 0d8e3c1a… of RegionOne (nothing uploaded from here)");
  });

  it("an upload where it is not offered: of importFrom.file, else of a download of the image", () => {
    const offered = ["glance-direct", "web-download"];
    assert.deepEqual(importRoute(inputs({}, "/tmp/a.qcow2"), offered, "p/s/amp", "RegionTwo"), {
      kind: "upload",
      from: "file",
      why: "RegionTwo does not offer glance-download",
    });
    const route = importRoute(inputs(), offered, "p/s/amp", "RegionTwo");
    assert.equal(describeImport(inputs(), route), "download of image 0d8e3c1a… of RegionOne and new upload (RegionTwo does not offer glance-download)");
    // The import API switched off altogether (404 on /v2/info/import): no method at all.
    assert.equal(importRoute(inputs(), [], "p/s/amp")?.kind, "upload");
  });

  it("importMethod glance-direct or upload always uploads, without asking Glance", () => {
    for (const importMethod of ["glance-direct", "upload"]) {
      assert.deepEqual(importRoute(inputs({ importMethod }, "/f"), undefined, "p/s/amp"), { kind: "upload", from: "file", why: `importMethod ${importMethod}` });
    }
  });

  it("not known yet (no answer from the region during check): undefined, and the plan says both", () => {
    assert.equal(importRoute(inputs(), undefined, "p/s/amp"), undefined);
    assert.equal(describeImport(inputs(), undefined), "import of image 0d8e3c1a… of RegionOne (glance-download where this region offers it, else upload)");
  });

  it("importMethod glance-download where it is not offered: ERR_IMPORT_METHOD naming the region and what it offers", () => {
    assert.throws(
      () => importRoute(inputs({ importMethod: "glance-download" }), ["glance-direct"], "p/s/amp", "RegionTwo"),
      (err: Error & { code?: string }) => err.code === "ERR_IMPORT_METHOD" && /not enabled on the Glance of RegionTwo \(it offers glance-direct\)/.test(err.message),
    );
  });

  it("source identity: the declared hash when there is one (a region switched from file to importFrom of the same build publishes nothing), else the other region's image", () => {
    const sha = "ab".repeat(64);
    const asFile = glanceTaggedImageInputsSchema().parse({ resourceKey: "p/s/amp", tag: "amphora", file: "/tmp/a.qcow2", expectedSha512: sha });
    assert.equal(sourceKey(inputs({ expectedSha512: sha })), sourceKey(asFile));
    assert.equal(sourceKey(inputs()), `import:RegionOne/${ORIGIN}|qcow2/bare`);
    assert.notEqual(sourceKey(inputs()), sourceKey(glanceTaggedImageInputsSchema().parse({ resourceKey: "p/s/amp", tag: "amphora", imageId: ORIGIN })));
  });
});
