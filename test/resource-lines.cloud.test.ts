import { strict as assert } from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { packageProvider } from "../sdk/internal/provider-shim";
import { useProviderHost } from "./harness";
import { cloudsFile } from "./support/cloud";
import { NOT_BOOTABLE, octaviaCheckout, tmpDir } from "./amphora-image-build/helpers";
import { cleanupImages, Files, uniqueTag } from "./glance-tagged-image/support";
import { assertProviderBuilt, glanceFor, runId, TestImages } from "./snapshot-store-policy/cloud-support";

/**
 * The Pulumi CLI shows what a dynamic provider prints as info messages of the stack, with no resource attached and
 * interleaved with the lines of resources running in parallel: every line each resource prints through the real
 * provider host during create, update and delete must start with the resource (type and name).
 */

const repoRoot = path.resolve(__dirname, "..");

describe("Provider lines name their resource @cloud", function () {
  this.timeout(90_000);
  before(() => assertProviderBuilt(repoRoot));
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-admin" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));

  /** Runs `steps` and returns every stdout line the host printed meanwhile (check, diff and the steps' calls). */
  async function linesOf(steps: () => Promise<void>): Promise<string[]> {
    const mark = ctx.host.mark();
    await steps();
    return ctx.host.output.slice(mark).filter((l) => l.stream === "stdout").map((l) => l.line);
  }

  function assertAllStartWith(lines: string[], prefix: string): void {
    assert.ok(lines.length > 0, "the steps printed lines");
    const strays = lines.filter((l) => !l.startsWith(prefix));
    assert.deepEqual(strays, [], `every line starts with "${prefix}"; all lines:\n${lines.join("\n")}`);
  }

  describe("GlanceTaggedImage", () => {
    const files = new Files();
    const name = `lines-${uniqueTag("rl")}`;
    const resourceKey = `amphora-test/test/${name}`;
    after(async () => {
      await cleanupImages([resourceKey]);
      await files.remove();
    });

    it("create, update (new file, tag renamed), delete: every line starts with `GlanceTaggedImage <name>: `", async () => {
      const [a, b] = [await files.image(), await files.image()];
      const [tag, renamed] = [uniqueTag("rl"), uniqueTag("rl")];
      const lc = await ctx.host.lifecycle(packageProvider("glance-tagged-image/provider"), "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage", name);
      let update: string[] = [];
      const lines = await linesOf(async () => {
        assert.equal((await lc.up({ resourceKey, tag, diskFormat: "raw", file: a.path })).op, "create");
        const updated = await lc.up({ resourceKey, tag: renamed, diskFormat: "raw", file: b.path });
        assert.equal(updated.op, "update");
        update = updated.output;
        await lc.destroy();
      });
      assertAllStartWith(lines, `GlanceTaggedImage ${name}: `);
      const plan = update.find((l) => l.includes(`tag "${tag}" → "${renamed}"`)) ?? "";
      assert.match(plan, new RegExp(`Octavia's amp_image_tag must change to "${renamed}" with it \\(Octavia keeps asking for "${tag}"\\)`), update.join("\n"));
    });
  });

  describe("AmphoraImageBuild", () => {
    let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
    let out: string;
    before(async () => {
      checkout = await octaviaCheckout();
      out = await tmpDir();
    });
    after(async () => {
      await fs.rm(out, { recursive: true, force: true });
      await fs.rm(checkout.root, { recursive: true, force: true });
    });

    it("create, rebuild, delete: every line starts with `AmphoraImageBuild <artifact>: `", async () => {
      const inputs = {
        frontEnd: "octavia",
        script: checkout.script,
        output: path.join(out, "lines.qcow2"),
        sizeGb: 1,
        progressIntervalSeconds: 0.2,
        validation: NOT_BOOTABLE,
      };
      const lc = await ctx.host.lifecycle(packageProvider("amphora-image-build/provider"), "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild", "lines");
      const lines = await linesOf(async () => {
        assert.equal((await lc.up(inputs)).op, "create");
        await fs.appendFile(path.join(checkout.elements, "keepalived-octavia", "package-installs.yaml"), "ipvsadm:\n");
        assert.equal((await lc.up(inputs)).op, "update");
        await lc.destroy();
      });
      assertAllStartWith(lines, "AmphoraImageBuild lines.qcow2: ");
      assert.ok(lines.includes("AmphoraImageBuild lines.qcow2: build"), lines.join("\n"));
    });
  });

  describe("SnapshotStorePolicy", () => {
    const images = new TestImages();
    after(() => images.cleanup());

    it("create (says what it does), update (copy → move), delete: every line starts with `SnapshotStorePolicy <store>: `", async () => {
      const demo = await glanceFor("local-demo");
      const filter = { ssp_run: `${runId}-lines` };
      await images.make(demo, "lines", { ...filter, image_type: "snapshot" });
      const args = { store: "fast", owner: demo.projectId, propertyFilters: filter, timeouts: { copySeconds: 60, pollSeconds: 0.2 } };
      const lc = await ctx.host.lifecycle(packageProvider("snapshot-store-policy/provider"), "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy", "snapshots");
      let create: string[] = [];
      const lines = await linesOf(async () => {
        const created = await lc.up(args);
        assert.equal(created.op, "create");
        create = created.output;
        assert.equal((await lc.up({ ...args, mode: "move" })).op, "update");
        await lc.destroy();
      });
      assertAllStartWith(lines, "SnapshotStorePolicy fast: ");
      // check prints a create's plan (the engine calls no diff for a create), then create says what it did.
      const counts = `mode copy to store "fast", owner ${demo.projectId}: 1 image to copy, 0 compliant`;
      assert.deepEqual(create.slice(0, 2), [`SnapshotStorePolicy fast: create: ${counts}`, `SnapshotStorePolicy fast: ${counts}`]);
    });
  });
});
