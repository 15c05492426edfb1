/**
 * A no-op diff is free: no HTTP request and no TCP connect, whatever the resource, counted through Node's
 * diagnostics channels (bench/lib/requests.ts). Speed is measured by `npm run bench` (section 4), not here.
 * A real change is still seen, also without any request.
 */
import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { countRequests, type RequestCount } from "../../bench/lib/requests";
import { provider as amphora } from "../../provider/amphora-image-build/provider";
import { useGlanceClient } from "../../provider/common/provider-context";
import type { Image } from "../../provider/glance/images";
import { useFlowSettings } from "../../provider/glance-tagged-image/context";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { provider as tagged } from "../../provider/glance-tagged-image/provider";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { toOutputs } from "../../provider/glance-tagged-image/state";
import { NOT_BOOTABLE, octaviaCheckout, tmpDir } from "../amphora-image-build/helpers";
import { withStdout } from "../support/stdout";

type Props = Record<string, unknown>;
const p = { tagged: tagged as Required<pulumi.dynamic.ResourceProvider>, amphora: amphora as Required<pulumi.dynamic.ResourceProvider> };

async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; count: RequestCount }> {
  const counter = countRequests();
  try {
    return { value: await fn(), count: counter.stop() };
  } catch (err) {
    counter.stop();
    throw err;
  }
}

const none = (count: RequestCount): void => assert.deepStrictEqual({ http: count.http, sockets: count.sockets, seen: count.seen }, { http: 0, sockets: 0, seen: [] });

function glanceImage(id: string, owner: string): Image {
  return {
    id,
    name: "amphora",
    status: "active",
    visibility: "private",
    protected: false,
    owner,
    checksum: "0".repeat(32),
    os_hash_algo: "sha512",
    os_hash_value: "0".repeat(128),
    size: 4096,
    virtual_size: 4096,
    disk_format: "raw",
    container_format: "bare",
    tags: ["amphora"],
    created_at: "2026-11-21T00:00:00Z",
    updated_at: "2026-11-21T00:00:00Z",
    stores: "fast",
  };
}

describe("no-op diffs make no HTTP request", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await tmpDir("noop-diff-");
    // No Glance client at all: a diff that tried to reach Glance would have to authenticate first, which counts too.
    useGlanceClient(undefined);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("GlanceTaggedImage: 20 unchanged resources, then a changed file: 0 requests, 0 connects", async () => {
    const subjects: Array<{ id: string; inputs: Props; state: Props }> = [];
    for (let i = 0; i < 20; i++) {
      const file = path.join(dir, `image-${i}.raw`);
      await fs.writeFile(file, Buffer.alloc(4096, i));
      const inputs = glanceTaggedImageInputsSchema().parse({ resourceKey: `noop/${i}`, tag: `amphora-${i}`, file, diskFormat: "raw", importMethod: "upload" });
      const image = glanceImage(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, "project-1");
      const state = toOutputs(inputs, image, { previousImageIds: [], sourceKey: sourceKey(inputs), drift: [] });
      subjects.push({ id: inputs.resourceKey, inputs: inputs as unknown as Props, state: state as unknown as Props });
    }
    const lines: string[] = [];
    useFlowSettings({ print: (l) => lines.push(l) });
    try {
      const { value, count } = await counted(async () => Promise.all(subjects.map((s) => p.tagged.diff(s.id, s.state, s.inputs))));
      none(count);
      assert.deepStrictEqual(value.map((d) => d.changes), subjects.map(() => false));
      assert.deepStrictEqual(lines, [], "a no-op diff prints nothing");

      const changed = subjects[0] as (typeof subjects)[number];
      await fs.appendFile(changed.inputs.file as string, "more");
      const after = await counted(() => p.tagged.diff(changed.id, changed.state, changed.inputs));
      none(after.count);
      assert.strictEqual(after.value.changes, true, "a changed source file is a change");
    } finally {
      useFlowSettings();
    }
  });

  it("AmphoraImageBuild: unchanged resources sharing an element tree, then an edited element file: 0 requests", async () => {
    const checkout = await octaviaCheckout();
    try {
      for (let i = 0; i < 200; i++) {
        const hooks = path.join(checkout.elements, "amphora-agent", "install.d");
        await fs.mkdir(hooks, { recursive: true });
        await fs.writeFile(path.join(hooks, `${10 + (i % 80)}-hook-${i}`), `#!/bin/bash\necho ${i}\n`, { mode: 0o755 });
      }
      const subjects: Array<{ id: string; inputs: Props; state: Props }> = [];
      for (let i = 0; i < 3; i++) {
        const checked = await p.amphora.check({}, { frontEnd: "octavia", script: checkout.script, output: path.join(dir, `amphora-${i}.qcow2`), progressIntervalSeconds: 60, validation: NOT_BOOTABLE });
        assert.deepStrictEqual(checked.failures ?? [], []);
        const { value } = await withStdout(() => p.amphora.create(checked.inputs));
        subjects.push({ id: value.id, inputs: checked.inputs as Props, state: value.outs as Props });
      }
      const { value, lines } = await withStdout(() =>
        counted(async () => {
          const results = [];
          for (let pass = 0; pass < 2; pass++) for (const s of subjects) results.push(await p.amphora.diff(s.id, s.state, s.inputs));
          return results;
        }),
      );
      none(value.count);
      assert.ok(value.value.every((d) => d.changes === false), "no change");
      assert.deepStrictEqual(lines, [], "a no-op diff prints nothing");

      await fs.appendFile(path.join(checkout.elements, "amphora-agent", "install.d", "10-hook-0"), "echo edited\n");
      const s = subjects[1] as (typeof subjects)[number];
      const edited = await withStdout(() => counted(() => p.amphora.diff(s.id, s.state, s.inputs)));
      none(edited.value.count);
      assert.strictEqual(edited.value.value.changes, true);
      assert.match(edited.lines.join("\n"), /element amphora-agent changed \(1 file\)/);
    } finally {
      await fs.rm(checkout.root, { recursive: true, force: true });
    }
  });
});
