/**
 * `pulumi preview` of the amphora pipeline: GlanceTaggedImage's file, sha512, formats and name come from an
 * AmphoraImageBuild and are unknown until the build ran. The engine's `[diff: …]` summary compares the old inputs
 * in state with the inputs Check returned (engine/host/display-diff.ts): it must list the unknown inputs only,
 * not every default (diskFormat, importMethod, timeouts, …) as removed. Starts from a real create.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { displayDiff, UNKNOWN, useProviderHost } from "../harness";
import { cloudsFile } from "../support/cloud";
import { cleanupImages, Files, uniqueKey, uniqueTag } from "./support";

const repoRoot = resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";
const provider = packageProvider("glance-tagged-image/provider");

describe("GlanceTaggedImage preview with unknown inputs: the [diff: …] summary @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const resourceKey = uniqueKey("preview-diff");

  before(function () {
    if (!existsSync(join(repoRoot, "dist", "provider", "glance-tagged-image", "provider.js"))) {
      throw new Error("dist/ is missing: run `npm run build && node scripts/link-self.js` first (npm test does it)");
    }
  });
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-admin" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));
  after(async () => {
    await cleanupImages([resourceKey]);
    await files.remove();
  });

  it("lists only the inputs that are unknown, each alone and the build's outputs together", async () => {
    const image = await files.image(64 * 1024);
    const lc = await ctx.host.lifecycle(provider, TYPE, "amphora");
    // The pipeline's inputs (examples/amphora-pipeline): the build's outputs, a tag, retention.
    const inputs = {
      resourceKey,
      tag: uniqueTag("preview-diff"),
      file: image.path,
      diskFormat: "raw",
      containerFormat: "bare",
      expectedSha512: image.sha512,
      name: "amphora-haproxy-preview",
      retention: { keep: 1, action: "keep" },
    };
    assert.equal((await lc.up(inputs)).op, "create");
    const olds = lc.state!.inputs;

    const same = await lc.preview(inputs);
    assert.equal(same.op, "same");
    assert.equal(displayDiff(olds, same.inputs), "");

    const fromBuild = ["file", "expectedSha512", "diskFormat", "containerFormat", "name"];
    for (const keys of [...Object.keys(inputs).map((k) => [k]), fromBuild]) {
      const preview = await lc.preview({ ...inputs, ...Object.fromEntries(keys.map((k) => [k, UNKNOWN])) });
      assert.equal(preview.op, "update", `unknown ${keys.join(", ")}`);
      assert.equal(displayDiff(olds, preview.inputs), `~${[...keys].sort().join(",")}`, `unknown ${keys.join(", ")}`);
      assert.equal(preview.inputs.instanceId, olds.instanceId, "check keeps the instance id");
    }

    // Unknown inside an object: that input is left as sent, the others still get their defaults.
    const nested = await lc.preview({ ...inputs, retention: { keep: UNKNOWN, action: "keep" } });
    assert.equal(displayDiff(olds, nested.inputs), "~retention");
    assert.deepEqual(nested.inputs.retention, { keep: UNKNOWN, action: "keep" });
  });
});
