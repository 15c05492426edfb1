/**
 * The `[diff: …]` summary of `pulumi preview` while some inputs are unknown (computed by another resource, e.g. a
 * GlanceTaggedImage fed by an AmphoraImageBuild): the engine compares the old inputs with the inputs Check
 * returned (engine/host/display-diff.ts), so Check must return every known input with its defaults applied and
 * the unknown ones as sent, or every default reads as removed. AmphoraImageBuild and SnapshotStorePolicy here,
 * through the real dynamic-provider host, from old inputs of a Check with every value known (no cloud needed);
 * GlanceTaggedImage from a real create in test/glance-tagged-image/preview-diff.cloud.test.ts.
 */
import * as assert from "node:assert";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { displayDiff, UNKNOWN, useProviderHost, type PropertyMap, type ResourceHandle } from "./harness";
import { packageProvider } from "../sdk/internal/provider-shim";
import { FIXTURE_SCRIPT, REPO_ROOT, tmpDir } from "./amphora-image-build/helpers";
import { renderStep } from "../engine/display/diff-view";
import { secret } from "../engine/host/marshal";

/** Old inputs from a Check with every value known; then each input in turn unknown, and `together` at once. */
async function assertOnlyUnknownsDiffer(r: ResourceHandle, inputs: PropertyMap, together: string[]): Promise<void> {
  const known = await r.check(inputs);
  assert.deepStrictEqual(known.failures, []);
  const olds = known.raw;
  const same = await r.check(inputs, olds);
  assert.strictEqual(displayDiff(olds, same.raw), "", "all inputs known: nothing differs");
  for (const keys of [...Object.keys(inputs).map((k) => [k]), together]) {
    const news = { ...inputs, ...Object.fromEntries(keys.map((k) => [k, UNKNOWN])) };
    const checked = await r.check(news, olds);
    assert.deepStrictEqual(checked.failures, [], `unknown ${keys.join(", ")}`);
    assert.strictEqual(displayDiff(olds, checked.raw), `~${[...keys].sort().join(",")}`, `unknown ${keys.join(", ")}`);
    for (const k of keys) assert.strictEqual(checked.inputs[k], UNKNOWN, `${k} is returned as the engine sent it`);
  }
}

describe("preview while inputs are unknown: the [diff: …] summary lists only the unknown inputs", function () {
  this.timeout(60_000);
  const ctx = useProviderHost({
    cwd: REPO_ROOT,
    // No cloud: SnapshotStorePolicy's check skips its Glance precondition when it cannot connect.
    env: { OS_CLIENT_CONFIG_FILE: "/nonexistent/clouds.yaml", OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  });
  let out: string;

  before(async () => {
    if (!existsSync(path.join(REPO_ROOT, "dist", "provider", "amphora-image-build", "provider.js"))) {
      throw new Error("dist/ is not built: run `npm run build && node scripts/link-self.js` (npm test does it)");
    }
    out = await tmpDir();
  });
  after(() => fs.rm(out, { recursive: true, force: true }));

  it("AmphoraImageBuild (defaults: imageType, validation, env, timeouts…)", async () => {
    const r = await ctx.host.resource(packageProvider("amphora-image-build/provider"), "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild", "image");
    const inputs = {
      frontEnd: "octavia",
      script: FIXTURE_SCRIPT,
      output: path.join(out, "amphora-x64-haproxy.qcow2"),
      sizeGb: 2,
      validation: { requiredPackages: ["haproxy"] },
    };
    await assertOnlyUnknownsDiffer(r, inputs, ["script", "output", "sizeGb"]);
  });

  it("SnapshotStorePolicy (defaults: imageTypes, mode, concurrency, timeouts…)", async () => {
    const r = await ctx.host.resource(packageProvider("snapshot-store-policy/provider"), "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy", "policy");
    const inputs = { store: "fast", extraImages: ["amphora"], timeouts: { copySeconds: 600 } };
    await assertOnlyUnknownsDiffer(r, inputs, ["store", "extraImages"]);
  });
});

describe("preview --diff: the property detail of a step, as the CLI's diff display prints it (no host)", function () {
  const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/amphora:GlanceTaggedImage::amphora";
  const type = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";

  it("an update: old inputs vs checked inputs, nested objects, arrays, JSON and multi-line strings, secrets, unknowns", () => {
    const oldInputs = {
      __provider: "old provider",
      stores: ["a", "b"],
      retention: { keep: 2, mode: "deactivate" },
      properties: '{"hw_x":"1"}',
      script: "line1\nline2\nline3\nline4\nline5\nline6\n",
      tag: "amphora",
      gone: "x",
      file: "/srv/a.qcow2",
      pw: secret("a"),
    };
    const newInputs = {
      __provider: "new provider",
      stores: ["a", "c", "d"],
      retention: { keep: 3, mode: "deactivate" },
      properties: '{"hw_x":"2"}',
      script: "line1\nline2\nline3\nline4\nlineX\nline6\n",
      tag: "amphora",
      added: true,
      file: UNKNOWN,
      pw: secret("b"),
    };
    const text = renderStep("update", { urn, type, id: "i-1", oldInputs, newInputs }, 1, true);
    assert.deepStrictEqual(text.split("\n"), [
      `    ~ ${type}: (update)`,
      "        [id=i-1]",
      `        [urn=${urn}]`,
      "      + added     : true",
      '      ~ file      : "/srv/a.qcow2" => [unknown]',
      '      - gone      : "x"',
      "      ~ properties: (json) {",
      '          ~ hw_x: "1" => "2"',
      "        }",
      "      ~ pw        : [secret] => [secret]",
      "      ~ retention : {",
      "          ~ keep: 2 => 3",
      '            mode: "deactivate"',
      "        }",
      "      ~ script    : ",
      "            ...",
      "            line3",
      "            line4",
      "          - line5",
      "          + lineX",
      "            line6",
      "      ~ stores    : [",
      '            [0]: "a"',
      '          ~ [1]: "b" => "c"',
      '          + [2]: "d"',
      "        ]",
      '        tag       : "amphora"',
      "",
    ]);
  });

  it("a create: the new inputs unprefixed, aligned with the internal __provider key, nested values expanded", () => {
    const newInputs = { __provider: "p", name: "amphora", stores: ["fast"], retention: { keep: 2 }, empty: [], nothing: null };
    const text = renderStep("create", { urn, type, newInputs }, 1, true);
    assert.deepStrictEqual(text.split("\n"), [
      `    + ${type}: (create)`,
      `        [urn=${urn}]`,
      "        empty     : []",
      '        name      : "amphora"',
      "        nothing   : <null>",
      "        retention : {",
      "            keep: 2",
      "        }",
      "        stores    : [",
      '            [0]: "fast"',
      "        ]",
      "",
    ]);
  });
});
