/**
 * Hostile and bad input, end to end through the real provider host (the engine's Check, then nothing): wrong
 * types, unknown stores, unknown import methods, bad URLs and schemes (file:// and other non-http URLs for
 * web-download), reserved Glance properties, tags with control characters or over 255 characters, negative
 * sizes, paths with shell metacharacters or `..`, builder flags with values diskimage-create.sh rejects,
 * conflicting sources. Every case must be rejected in `check` with the field named, and nothing may be created:
 * no new image in Glance (GlanceTaggedImage, SnapshotStorePolicy: no image and no store change either), no
 * builder run and no file in the output directory (AmphoraImageBuild: every case carries FIXTURE_RECORD, which
 * the fixture builder would write, and a shell-metacharacter case that would create a marker file).
 *
 * The unit tests in test/<resource>/inputs.test.ts cover the schemas in-process; these go through the host.
 */
import { strict as assert } from "node:assert";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckFailedError, useProviderHost, type ProviderHost } from "../harness";
import { NOT_BOOTABLE, octaviaCheckout } from "../amphora-image-build/helpers";
import { runId } from "../glance/support/cloud-glance";
import { listAllImages, imageStores } from "../../provider/glance/images";
import { glanceFor, hostOptions, providers, recordScenario, repoRoot, requireDist, TYPES } from "./support";

interface Case {
  /** What is wrong, for the table. */
  what: string;
  /** Inputs merged over the resource's valid base inputs (undefined removes a base input). */
  inputs: Record<string, unknown>;
  /** The input the failure must name (dotted path). */
  field: string;
}

interface Outcome {
  resource: string;
  what: string;
  field: string;
  ok: boolean;
  detail: string;
}

/** The failures name `field`: as the failing property (or below it), or, for unknown inputs, in the reason. */
function namesField(failures: { property: string; reason: string }[], field: string): boolean {
  const last = field.split(".").at(-1) ?? field;
  return failures.some(
    (f) =>
      // The engine prints "property <p> value <v> has a problem: <reason>": the property names the field; a reason
      // on an enclosing object names the nested field itself.
      ((f.property === field || f.property.startsWith(`${field}.`)) && f.reason !== "") ||
      (field.startsWith(`${f.property}.`) && f.reason.includes(last)) ||
      (f.property === "(inputs)" && f.reason.includes(`"${field}"`)),
  );
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Runs `up` (Check, then Create only if Check passed) and says whether Check refused, naming the field. */
async function refused(host: ProviderHost, provider: (typeof providers)[keyof typeof providers], type: string, name: string, inputs: Record<string, unknown>, field: string): Promise<{ ok: boolean; detail: string }> {
  const lc = await host.lifecycle(provider, type, name);
  try {
    await lc.up(inputs);
  } catch (err) {
    if (!(err instanceof CheckFailedError)) return { ok: false, detail: `not refused by check: ${String(err).slice(0, 300)}` };
    const ok = namesField(err.failures, field);
    const text = err.failures.map((f) => `${f.property}: ${f.reason}`).join(" | ");
    return { ok, detail: ok ? text : `field ${field} not named: ${text}` };
  }
  return { ok: false, detail: "accepted: the resource was created" };
}

const outcomes: Outcome[] = [];

function report(): void {
  const bad = outcomes.filter((o) => !o.ok);
  recordScenario({
    scenario: "hostile and bad input",
    injected: `${outcomes.length} invalid input sets through the provider host (${[...new Set(outcomes.map((o) => o.resource))].join(", ")})`,
    runs: outcomes.length,
    bad: bad.length,
    held: "every case refused by check naming the field; no image created in Glance, no store change, no builder run, no file written",
    notes: [...bad.map((o) => `${o.resource} ${o.what}: ${o.detail}`), ...outcomes.map((o) => `case | ${o.resource} | ${o.what} | ${o.field} | ${o.ok ? "refused" : "NOT REFUSED"}`)],
  });
}

describe("hostile input: AmphoraImageBuild through the provider host", function () {
  this.timeout(120_000);
  const ctx = useProviderHost({ cwd: repoRoot });
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let work: string;
  let out: string;
  let record: string;
  let marker: string;

  before(async () => {
    requireDist();
    checkout = await octaviaCheckout();
    work = await fs.mkdtemp(join(tmpdir(), "faults-hostile-"));
    out = join(work, "out");
    await fs.mkdir(out);
    record = join(work, "builder-ran");
    marker = join(work, "pwned");
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
    report();
  });

  const base = (): Record<string, unknown> => ({
    frontEnd: "octavia",
    script: checkout.script,
    output: join(out, "amphora.qcow2"),
    sizeGb: 1,
    env: { FIXTURE_RECORD: record },
    validation: NOT_BOOTABLE,
  });

  const cases = (): Case[] => [
    { what: "negative size", inputs: { sizeGb: -1 }, field: "sizeGb" },
    { what: "size as a string (wrong type)", inputs: { sizeGb: "2" }, field: "sizeGb" },
    { what: "fractional size", inputs: { sizeGb: 2.5 }, field: "sizeGb" },
    { what: "arch the script rejects (-a i386 → exit 3)", inputs: { arch: "i386" }, field: "arch" },
    { what: "backend the script rejects (-b nginx → exit 3)", inputs: { backend: "nginx" }, field: "backend" },
    { what: "base OS the script rejects (-i debian → exit 3)", inputs: { baseOs: "debian" }, field: "baseOs" },
    { what: "image type the script rejects (-t vmdk → exit 3)", inputs: { imageType: "vmdk" }, field: "imageType" },
    { what: "fedora below 3 GB (the script exits 1)", inputs: { baseOs: "fedora", sizeGb: 2 }, field: "sizeGb" },
    { what: "rhel without a local base image", inputs: { baseOs: "rhel", sizeGb: 3 }, field: "localImage" },
    { what: "unknown front end", inputs: { frontEnd: "kiwi" }, field: "frontEnd" },
    { what: "output path with `..` into a directory that does not exist", inputs: { output: join(out, "..", "..", "no-such-dir", "..", "nope", "amphora.qcow2") }, field: "output" },
    { what: "output path with shell command substitution", inputs: { output: join(out, `$(touch ${marker})`, "amphora.qcow2") }, field: "output" },
    { what: "release with `; command`", inputs: { release: `noble; touch ${marker}` }, field: "release" },
    { what: "kernel package with `$(…)`", inputs: { kernelPackage: "linux-image-virtual$(id)" }, field: "kernelPackage" },
    { what: "element name with `; rm -rf /`", inputs: { elements: ["amphora-agent; rm -rf /"] }, field: "elements" },
    { what: "agent branch with `&& command`", inputs: { agentBranch: `master && touch ${marker}` }, field: "agentBranch" },
    { what: "cloud-init datasource with `;`", inputs: { cloudInitDatasources: ["ConfigDrive;reboot"] }, field: "cloudInitDatasources" },
    { what: "env variable name that is no shell name", inputs: { env: { FIXTURE_RECORD: record, "BAD-NAME;id": "x" } }, field: "env" },
    { what: "env overriding a typed input (DIB_RELEASE)", inputs: { env: { FIXTURE_RECORD: record, DIB_RELEASE: "noble" } }, field: "env.DIB_RELEASE" },
    { what: "local elements path with `..` to nowhere", inputs: { localElements: ["x"], localElementsPath: ["../../../../no-such-elements"] }, field: "localElementsPath" },
    { what: "script that is no Octavia checkout (/bin/sh)", inputs: { script: "/bin/sh" }, field: "script" },
    { what: "empty root password", inputs: { rootPassword: "" }, field: "rootPassword" },
    { what: "root password with a newline", inputs: { rootPassword: "pw\nroot::0:0" }, field: "rootPassword" },
    { what: "octavia-only flag with the dib front end", inputs: { frontEnd: "dib", elements: ["debian-minimal"], command: checkout.dib, enforcingMac: true }, field: "enforcingMac" },
    { what: "zero timeout", inputs: { timeoutSeconds: 0 }, field: "timeoutSeconds" },
    { what: "unknown input", inputs: { shell: "/bin/bash -c id" }, field: "shell" },
  ];

  it("every case is refused by check naming the field; no builder ran, nothing written", async () => {
    const list = cases();
    for (const [i, c] of list.entries()) {
      const r = await refused(ctx.host, providers.build, TYPES.build, `hostile-build-${i}`, merge(base(), c.inputs), c.field);
      const problems: string[] = [];
      if (existsSync(`${record}.args`) || existsSync(`${record}.dib.args`)) problems.push("the builder ran");
      if ((await fs.readdir(out)).length) problems.push(`files written: ${(await fs.readdir(out)).join(", ")}`);
      if (existsSync(marker)) problems.push("a shell command ran (marker file exists)");
      if (ctx.host.output.some((l) => / started \(log: /.test(l.line))) problems.push("a build started");
      outcomes.push({ resource: "AmphoraImageBuild", what: c.what, field: c.field, ok: r.ok && problems.length === 0, detail: [r.detail, ...problems].join("; ") });
    }
    const bad = outcomes.filter((o) => o.resource === "AmphoraImageBuild" && !o.ok);
    assert.deepEqual(bad.map((o) => `${o.what}: ${o.detail}`), []);
  });
});

describe("hostile input: GlanceTaggedImage and SnapshotStorePolicy through the provider host @cloud", function () {
  this.timeout(120_000);
  const ctx = useProviderHost(() => hostOptions());
  let work: string;
  let file: string;

  before(async () => {
    requireDist();
    work = await fs.mkdtemp(join(tmpdir(), "faults-hostile-"));
    file = join(work, "amphora.raw");
    await fs.writeFile(file, Buffer.alloc(64 * 1024, 7));
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
    report();
  });

  /** Every image of every project: owner, status, stores and tags (admin view). Nothing may change. */
  async function glanceState(): Promise<Map<string, { owner: string; state: string }>> {
    const admin = await glanceFor("local-admin");
    const images = await listAllImages(admin, { visibility: "all" });
    return new Map(images.map((i) => [i.id, { owner: i.owner ?? "", state: `${i.status} ${imageStores(i).sort().join(",")} ${[...i.tags].sort().join(",")}` }]));
  }

  /** What changed since `before`, among the images the host's session (project demo) could touch. */
  async function unchanged(before: Map<string, { owner: string; state: string }>): Promise<string[]> {
    const demo = (await glanceFor("local-demo")).projectId;
    const problems: string[] = [];
    for (const [id, now] of await glanceState()) {
      const was = before.get(id);
      if (!was) {
        if (now.owner === demo) problems.push(`new image ${id}`);
      } else if (was.state !== now.state) problems.push(`image ${id} changed: ${was.state} → ${now.state}`);
    }
    return problems;
  }

  const gtiCases = (): Case[] => [
    { what: "tag of the wrong type (number)", inputs: { tag: 42 }, field: "tag" },
    { what: "tag with a newline", inputs: { tag: "amp\nhora" }, field: "tag" },
    { what: "tag with NUL", inputs: { tag: "amp\u0000hora" }, field: "tag" },
    { what: "tag over 255 characters", inputs: { tag: "a".repeat(256) }, field: "tag" },
    { what: "empty tag", inputs: { tag: "" }, field: "tag" },
    { what: "tag with leading white space", inputs: { tag: " amphora" }, field: "tag" },
    { what: "unknown store", inputs: { stores: ["nope"] }, field: "stores" },
    { what: "stores as a string (wrong type)", inputs: { stores: "fast" }, field: "stores" },
    { what: "store listed twice", inputs: { stores: ["fast", "fast"] }, field: "stores" },
    { what: "unknown import method", inputs: { importMethod: "magic" }, field: "importMethod" },
    { what: "copy-image as import method", inputs: { importMethod: "copy-image" }, field: "importMethod" },
    { what: "web-download with a file", inputs: { importMethod: "web-download" }, field: "importMethod" },
    { what: "file:// URL for web-download", inputs: { file: undefined, url: "file:///etc/passwd" }, field: "url" },
    { what: "ftp:// URL for web-download", inputs: { file: undefined, url: "ftp://127.0.0.1/amphora.qcow2" }, field: "url" },
    { what: "gopher:// URL", inputs: { file: undefined, url: "gopher://127.0.0.1:70/_x" }, field: "url" },
    { what: "javascript: URL", inputs: { file: undefined, url: "javascript:alert(1)" }, field: "url" },
    { what: "not a URL", inputs: { file: undefined, url: "amphora.qcow2" }, field: "url" },
    { what: "http:// without a host", inputs: { file: undefined, url: "http://" }, field: "url" },
    { what: "url with glance-direct", inputs: { file: undefined, url: "http://127.0.0.1:8/a.qcow2", importMethod: "glance-direct" }, field: "importMethod" },
    { what: "expectedSha256 for a url source", inputs: { file: undefined, url: "http://127.0.0.1:8/a.qcow2", expectedSha256: "0".repeat(64) }, field: "expectedSha256" },
    { what: "reserved property os_glance_*", inputs: { properties: { os_glance_import_task: "x" } }, field: "properties.os_glance_import_task" },
    { what: "core attribute as property (owner)", inputs: { properties: { owner: "another-project" } }, field: "properties.owner" },
    { what: "core attribute as property (status)", inputs: { properties: { status: "active" } }, field: "properties.status" },
    { what: "spoofed crash-safety marker", inputs: { properties: { pulumi_amphora_resource: "other/stack/img" } }, field: "properties.pulumi_amphora_resource" },
    { what: "property value of the wrong type", inputs: { properties: { hw_rng_model: 1 } }, field: "properties.hw_rng_model" },
    { what: "negative minDisk", inputs: { minDisk: -1 }, field: "minDisk" },
    { what: "fractional minRam", inputs: { minRam: 1.5 }, field: "minRam" },
    { what: "minDisk beyond Glance's 32-bit bound (2^40)", inputs: { minDisk: 2 ** 40 }, field: "minDisk" },
    { what: "minRam beyond Glance's 32-bit bound (2^31)", inputs: { minRam: 2 ** 31 }, field: "minRam" },
    { what: "negative retention.keep", inputs: { retention: { keep: -1 } }, field: "retention.keep" },
    { what: "negative upload timeout", inputs: { timeouts: { uploadSeconds: -5 } }, field: "timeouts.uploadSeconds" },
    { what: "unknown disk format", inputs: { diskFormat: "exe" }, field: "diskFormat" },
    { what: "unknown visibility", inputs: { visibility: "everyone" }, field: "visibility" },
    { what: "file path with NUL", inputs: { file: "/tmp/amphora\u0000.raw" }, field: "file" },
    { what: "conflicting sources: file and url", inputs: { url: "http://127.0.0.1:8/a.qcow2" }, field: "url" },
    { what: "conflicting sources: file and imageId", inputs: { imageId: "3f1e6f0c-1c7e-4c5e-9d2a-0b6f3a1d2e4f" }, field: "imageId" },
    { what: "no source at all", inputs: { file: undefined }, field: "file" },
    { what: "imageId with path traversal", inputs: { file: undefined, imageId: "../../v2/images" }, field: "imageId" },
    { what: "unknown input", inputs: { tags: ["amphora"] }, field: "tags" },
  ];

  const sspCases = (): Case[] => [
    { what: "unknown store", inputs: { store: "nope" }, field: "store" },
    { what: "empty store", inputs: { store: "" }, field: "store" },
    { what: "store of the wrong type", inputs: { store: 7 }, field: "store" },
    { what: "store with a control character", inputs: { store: "cheap\u0007" }, field: "store" },
    { what: "no image type", inputs: { imageTypes: [] }, field: "imageTypes" },
    { what: "image type listed twice", inputs: { imageTypes: ["snapshot", "snapshot"] }, field: "imageTypes" },
    { what: "unknown mode", inputs: { mode: "teleport" }, field: "mode" },
    { what: "negative concurrency", inputs: { concurrency: -1 }, field: "concurrency" },
    { what: "page size over Glance's bound", inputs: { pageSize: 5000 }, field: "pageSize" },
    { what: "Glance attribute as property filter", inputs: { propertyFilters: { status: "active" } }, field: "propertyFilters.status" },
    { what: "os_glance_* property filter", inputs: { propertyFilters: { os_glance_import_task: "x" } }, field: "propertyFilters.os_glance_import_task" },
    { what: "owner \"all\" without the admin role", inputs: { owner: "all" }, field: "owner" },
    { what: "another project as owner without the admin role", inputs: { owner: "0123456789abcdef0123456789abcdef" }, field: "owner" },
    { what: "zero poll interval", inputs: { timeouts: { pollSeconds: 0 } }, field: "timeouts.pollSeconds" },
    { what: "extra image with a control character", inputs: { extraImages: ["amphora\u0007"] }, field: "extraImages" },
    { what: "unknown input", inputs: { stores: ["cheap"] }, field: "stores" },
  ];

  it("GlanceTaggedImage: every case refused by check naming the field; no image created or changed", async () => {
    const before = await glanceState();
    for (const [i, c] of gtiCases().entries()) {
      const base = { resourceKey: `faults/${runId}/hostile-${i}`, tag: `faults-${runId}-hostile-${i}`, file, diskFormat: "raw" };
      const r = await refused(ctx.host, providers.image, TYPES.image, `hostile-image-${i}`, merge(base, c.inputs), c.field);
      outcomes.push({ resource: "GlanceTaggedImage", what: c.what, field: c.field, ok: r.ok, detail: r.detail });
    }
    const problems = await unchanged(before);
    if (problems.length) outcomes.push({ resource: "GlanceTaggedImage", what: "Glance unchanged", field: "-", ok: false, detail: problems.join("; ") });
    const bad = outcomes.filter((o) => o.resource === "GlanceTaggedImage" && !o.ok);
    assert.deepEqual(bad.map((o) => `${o.what}: ${o.detail}`), []);
  });

  it("SnapshotStorePolicy: every case refused by check naming the field; no image copied, moved or created", async () => {
    const before = await glanceState();
    for (const [i, c] of sspCases().entries()) {
      const r = await refused(ctx.host, providers.policy, TYPES.policy, `hostile-policy-${i}`, merge({ store: "cheap" }, c.inputs), c.field);
      outcomes.push({ resource: "SnapshotStorePolicy", what: c.what, field: c.field, ok: r.ok, detail: r.detail });
    }
    const problems = await unchanged(before);
    if (problems.length) outcomes.push({ resource: "SnapshotStorePolicy", what: "Glance unchanged", field: "-", ok: false, detail: problems.join("; ") });
    const bad = outcomes.filter((o) => o.resource === "SnapshotStorePolicy" && !o.ok);
    assert.deepEqual(bad.map((o) => `${o.what}: ${o.detail}`), []);
  });
});
