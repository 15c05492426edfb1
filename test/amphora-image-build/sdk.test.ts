import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, serializeProvider } from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { AmphoraImageBuild } from "../../sdk/amphora-image-build";

describe("AmphoraImageBuild SDK class (setMocks program)", () => {
  it("registers pulumi-nodejs:dynamic/amphora:AmphoraImageBuild with the shim, a secret rootPassword and declared outputs", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return { id: "/out/amphora.qcow2", state: { ...args.inputs, path: "/out/amphora.qcow2", sha512: "ab", diskFormat: "qcow2" } };
        },
        call: (args) => args.inputs,
      },
      "amphora-test",
      "test",
      false,
    );
    const image = new AmphoraImageBuild("amphora", {
      frontEnd: "octavia",
      script: "/src/octavia/diskimage-create/diskimage-create.sh",
      output: "/out/amphora.qcow2",
      rootPassword: "sdk-secret-pw",
    });
    const [p, sha512, diskFormat] = await new Promise<[string, string, string]>((resolve) =>
      pulumi.all([image.path, image.sha512, image.diskFormat]).apply(resolve),
    );
    assert.deepStrictEqual([p, sha512, diskFormat], ["/out/amphora.qcow2", "ab", "qcow2"]);
    const args = registered[0]!;
    assert.strictEqual(args.type, "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild");
    const providerText = args.inputs.__provider as string;
    assert.strictEqual(providerText, (await serializeProvider(packageProvider("amphora-image-build/provider"))).text);
    assert.ok(!providerText.includes("sdk-secret-pw"));
    const password = args.inputs.rootPassword as unknown;
    assert.ok(isSecret(password), "rootPassword is registered as a secret");
    assert.strictEqual(password.value, "sdk-secret-pw");
    const secret = await pulumi.isSecret((image as unknown as { rootPasswordSet: pulumi.Output<boolean> }).rootPasswordSet);
    assert.strictEqual(secret, false, "rootPasswordSet is a plain flag");
  });
});
