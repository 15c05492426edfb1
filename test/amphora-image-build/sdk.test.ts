import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { RESOURCES, sdkProperties } from "../../docs/tools/schema";
import { isSecret, serializeProvider } from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { AmphoraFleetRotation, AmphoraImageBuild, GlanceTaggedImage, SnapshotStorePolicy } from "../../sdk";

/** The value an Output resolves to (undefined while unknown). */
const valueOf = (output: pulumi.Output<unknown>): Promise<unknown> => new Promise((resolve) => output.apply(resolve));

describe("SDK classes (setMocks program)", () => {
  it("expose every output of the schema as a property carrying the engine's value; AmphoraImageBuild sends rootPassword as a secret", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    // The engine's answer: every output of the resource's schema, each with a value of its own.
    const state = (type: string): Record<string, string> => {
      const ref = RESOURCES.find((r) => type.endsWith(`:${r.name}`));
      assert.ok(ref, type);
      return Object.fromEntries(Object.keys(ref.outputs().shape).map((key) => [key, `engine:${ref.name}.${key}`]));
    };
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return { id: `${args.name}-id`, state: state(args.type) };
        },
        call: (args) => args.inputs,
      },
      "amphora-test",
      "test",
      false,
    );
    const resources: Record<string, pulumi.dynamic.Resource> = {
      AmphoraImageBuild: new AmphoraImageBuild("amphora", {
        frontEnd: "octavia",
        script: "/src/octavia/diskimage-create/diskimage-create.sh",
        output: "/out/amphora.qcow2",
        rootPassword: "sdk-secret-pw",
      }),
      GlanceTaggedImage: new GlanceTaggedImage("amphora", { tag: "amphora", file: "/out/amphora.qcow2" }),
      SnapshotStorePolicy: new SnapshotStorePolicy("snapshots", { store: "fast" }),
      AmphoraFleetRotation: new AmphoraFleetRotation("fleet", { imageTag: "amphora" }),
    };
    for (const ref of RESOURCES) {
      const resource = resources[ref.name] as unknown as Record<string, pulumi.Output<unknown> | undefined>;
      const properties = sdkProperties(ref);
      assert.ok(properties.length > 5, `${ref.name}: the schema names its outputs`);
      for (const key of properties) {
        const output = resource[key];
        assert.ok(pulumi.Output.isInstance(output), `${ref.name}.${key} is no registered output`);
        assert.strictEqual(await valueOf(output), `engine:${ref.name}.${key}`, `${ref.name}.${key}`);
      }
    }

    const args = registered.find((r) => r.type === "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild");
    assert.ok(args);
    const providerText = args.inputs.__provider as string;
    assert.strictEqual(providerText, (await serializeProvider(packageProvider("amphora-image-build/provider"))).text);
    assert.ok(!providerText.includes("sdk-secret-pw"));
    const password = args.inputs.rootPassword as unknown;
    assert.ok(isSecret(password), "rootPassword is registered as a secret");
    assert.strictEqual(password.value, "sdk-secret-pw");
    assert.strictEqual(await pulumi.isSecret((resources.AmphoraImageBuild as AmphoraImageBuild).rootPasswordSet), false, "rootPasswordSet is a plain flag");
  });
});
