import * as assert from "node:assert";
import { validateInputs } from "../../provider/common/validate";
import { UNKNOWN } from "../../provider/common/check";
import { isImageId, snapshotStorePolicyInputsSchema } from "../../provider/snapshot-store-policy/inputs";
import { novaConfig } from "../../provider/snapshot-store-policy/nova-config";

const check = (news: Record<string, unknown>) => validateInputs(snapshotStorePolicyInputsSchema(), news);

describe("SnapshotStorePolicy inputs", () => {
  it("applies the issue's defaults", () => {
    const r = check({ store: "fast" });
    assert.deepStrictEqual(r.failures, []);
    assert.deepStrictEqual(r.inputs, {
      store: "fast",
      imageTypes: ["snapshot", "backup"],
      includeBaseImages: true,
      extraImages: [],
      mode: "copy",
      concurrency: 2,
      propertyFilters: {},
      pageSize: 500,
      timeouts: { copySeconds: 1800, pollSeconds: 2 },
    });
    assert.strictEqual("owner" in r.inputs, false, "an unset owner stays absent (never undefined in state)");
  });

  it("names the field of each problem, and rejects unknown inputs", () => {
    const r = check({ store: "", mode: "teleport", concurrency: 0, imageTypes: ["snapshot", "snapshot"], stores: ["x"] });
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    assert.match(byProp.store ?? "", /must not be empty/);
    assert.match(byProp.mode ?? "", /"copy"|"move"/);
    assert.match(byProp.concurrency ?? "", /at least 1/);
    assert.match(byProp.imageTypes ?? "", /twice/);
    assert.ok(r.failures.some((f) => /unknown input "stores"/.test(f.reason)), JSON.stringify(r.failures));
  });

  it("keeps Glance's own attributes out of propertyFilters", () => {
    const r = check({ store: "fast", propertyFilters: { owner: "x", image_type: "snapshot", os_glance_import_task: "t", os_distro: "ubuntu" } });
    assert.deepStrictEqual(r.failures.map((f) => f.property).sort(), [
      "propertyFilters.image_type",
      "propertyFilters.os_glance_import_task",
      "propertyFilters.owner",
    ]);
  });

  it("validates known fields while others are still unknown (preview)", () => {
    const r = check({ store: UNKNOWN, mode: "copy", concurrency: 99 });
    assert.strictEqual(r.complete, false);
    assert.deepStrictEqual(r.failures.map((f) => f.property), ["concurrency"]);
  });

  it("tells image ids from tags in extraImages", () => {
    assert.ok(isImageId("58b2db3e-cf0d-41f7-a2f0-952cdf081ba0"));
    assert.ok(!isImageId("amphora"));
    assert.ok(!isImageId("amphora-58b2db3e"));
  });

  it("novaConfig is the [libvirt] snippet for RBD computes", () => {
    assert.strictEqual(
      novaConfig("ceph"),
      "[libvirt]\nimages_rbd_glance_store_name = ceph\nimages_rbd_glance_copy_poll_interval = 15\nimages_rbd_glance_copy_timeout = 600\n",
    );
  });
});
