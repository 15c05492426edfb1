import * as assert from "assert";
import { toCheckpoint } from "../engine/checkpoint";
import type { ResourceRecord, StackState } from "../engine/state";
import { verifyCheckpoint } from "./support/checkpoint-check";

const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";

function record(name: string, extra: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    urn: `urn:pulumi:dev::proj::${TYPE}::${name}`,
    type: TYPE,
    name,
    custom: true,
    dynamic: true,
    id: `${name}-id`,
    parent: STACK,
    dependencies: [],
    inputs: { __provider: "exports.handler = ...", name },
    outputs: { __provider: "exports.handler = ...", name, imageId: `${name}-id` },
    secretInputs: [],
    secretOutputs: [],
    ...extra,
  };
}

describe("runner state → Pulumi deployment (engine/checkpoint.ts)", function () {
  this.timeout(60_000); // PBKDF2 with 1e6 iterations, twice (export and check)

  const component: ResourceRecord = {
    ...record("group"),
    urn: "urn:pulumi:dev::proj::amphora:index:Group::group",
    type: "amphora:index:Group",
    custom: false,
    dynamic: false,
    id: "",
  };
  const image = record("image", {
    urn: `urn:pulumi:dev::proj::amphora:index:Group$${TYPE}::image`,
    parent: component.urn,
    inputs: { __provider: "p", name: "image", password: "s3cret-in-state" },
    secretInputs: ["password"],
    initErrors: ["tag moved, then a later step failed"],
  });
  const recorded: ResourceRecord = {
    ...record("net"),
    urn: "urn:pulumi:dev::proj::openstack:networking/network:Network::net",
    type: "openstack:networking/network:Network",
    dynamic: false,
  };
  const dependent = record("dependent", { dependencies: [image.urn, recorded.urn] });
  const oldHalf = record("dependent", { id: "old-dependent-id", pendingDelete: true, dependencies: [image.urn] });
  const state: StackState = {
    version: 1,
    project: "proj",
    stack: "dev",
    updatedAt: "",
    command: "up",
    outputs: { imageId: "image-id", token: "stack-secret" },
    secretOutputs: ["token"],
    resources: [component, image, recorded, oldHalf, dependent],
  };

  it("passes the import checks: shape, order, provider references, secrets the passphrase opens", () => {
    const { checkpoint, skipped } = toCheckpoint(state, { passphrase: "pp", engineVersion: "v3.270.0" });
    assert.ok(!JSON.stringify(checkpoint).includes("s3cret-in-state"));
    assert.ok(!JSON.stringify(checkpoint).includes("stack-secret"));
    const resources = verifyCheckpoint(JSON.parse(JSON.stringify(checkpoint)), "pp");
    assert.deepStrictEqual(skipped, [recorded.urn]);
    assert.deepStrictEqual(
      resources.map((r) => [r.urn.split("::").slice(2).join("::"), r.delete ?? false]),
      [
        ["pulumi:pulumi:Stack::proj-dev", false],
        ["pulumi:providers:pulumi-nodejs::default", false],
        ["amphora:index:Group::group", false],
        [`amphora:index:Group$${TYPE}::image`, false],
        [`${TYPE}::dependent`, false],
        [`${TYPE}::dependent`, true], // the old half of the replacement, after the live one
      ],
    );
    const byName = (n: string, del = false) => resources.find((r) => r.urn.endsWith(`::${n}`) && (r.delete ?? false) === del);
    assert.equal(byName("image")?.inputs?.password, "s3cret-in-state");
    assert.deepEqual(byName("image")?.initErrors, image.initErrors);
    assert.equal(byName("image")?.parent, component.urn);
    assert.deepEqual(byName("dependent")?.dependencies, [image.urn], "the left-out resource is not a dependency");
    assert.equal(byName("dependent", true)?.id, "old-dependent-id");
    assert.equal(resources[0]?.outputs?.token, "stack-secret");
  });

  it("a wrong passphrase cannot open it", () => {
    const { checkpoint } = toCheckpoint({ ...state, resources: [] }, { passphrase: "right", engineVersion: "v3.270.0" });
    assert.throws(() => verifyCheckpoint(checkpoint, "wrong"));
  });
});
