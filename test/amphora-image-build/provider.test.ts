import { withStdout } from "../support/stdout";
import * as assert from "node:assert";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { BuildTimeoutError, BuilderExitError, ValidationError } from "../../provider/amphora-image-build/errors";
import { provider } from "../../provider/amphora-image-build/provider";
import { secretMatches } from "../../provider/amphora-image-build/secret-digest";
import { exists, NOT_BOOTABLE, octaviaCheckout, tmpDir } from "./helpers";

type Props = Record<string, unknown>;


const p = provider as Required<pulumi.dynamic.ResourceProvider>;

async function checked(news: Props): Promise<Props> {
  const r = await p.check({}, news);
  assert.deepStrictEqual(r.failures ?? [], []);
  return r.inputs as Props;
}

function noUndefined(value: unknown, at = "outputs"): void {
  assert.notStrictEqual(value, undefined, `${at} is undefined`);
  if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) noUndefined(v, `${at}.${k}`);
}

describe("AmphoraImageBuild provider: builds only when something changed, validated, secrets kept out", function () {
  this.timeout(30_000);
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let out: string;
  let base: Props;
  before(async () => {
    checkout = await octaviaCheckout();
    out = await tmpDir();
    base = { frontEnd: "octavia", script: checkout.script, output: path.join(out, "amphora-x64-haproxy.qcow2"), progressIntervalSeconds: 0.2, validation: NOT_BOOTABLE };
  });
  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  let created: { id: string; outs: Props };
  let inputs: Props;

  it("create: builds, validates and reports the artifact (never undefined)", async () => {
    inputs = await checked(base);
    const started = Date.now();
    const { value, lines } = await withStdout(() => p.create(inputs));
    const elapsedMs = Date.now() - started;
    created = value as { id: string; outs: Props };
    const o = created.outs;
    assert.strictEqual(created.id, path.join(out, "amphora-x64-haproxy.qcow2"));
    noUndefined(o);
    const bytes = await fs.readFile(o.path as string);
    assert.strictEqual(o.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.strictEqual(o.sha512, createHash("sha512").update(bytes).digest("hex"));
    assert.strictEqual(o.md5, createHash("md5").update(bytes).digest("hex"));
    assert.strictEqual(o.fileSize, bytes.length);
    assert.strictEqual(o.format, "qcow2");
    assert.strictEqual(o.diskFormat, "qcow2");
    assert.strictEqual(o.containerFormat, "bare");
    assert.strictEqual(o.virtualSize, 2 * 1024 ** 3);
    assert.ok((o.actualSize as number) > 0);
    assert.strictEqual(o.manifestDir, path.join(out, "amphora-x64-haproxy.d", "dib-manifests"));
    assert.strictEqual(o.haproxyVersion, "2.6.12-1+deb12u1");
    assert.strictEqual(o.keepalivedVersion, "1:2.2.7-1");
    assert.strictEqual(o.kernelVersion, "6.1.0-fixture-amd64");
    assert.strictEqual(o.agentVersion, "11.0.0-1");
    assert.strictEqual(o.dockerImportCommand, "");
    assert.strictEqual(o.rootPasswordSet, false);
    assert.deepStrictEqual((o.checks as { status: string }[]).map((c) => c.status), ["passed", "passed", "passed", "passed", "disabled"]);
    assert.match(o.buildKey as string, /^[0-9a-f]{64}$/);
    assert.deepStrictEqual(await fs.readdir(out), ["amphora-x64-haproxy.build.log", "amphora-x64-haproxy.d", "amphora-x64-haproxy.qcow2"]);
    assert.strictEqual(lines[0], "AmphoraImageBuild amphora-x64-haproxy.qcow2: build");
    assert.ok(lines.some((l) => /builder finished/.test(l)));
    const logLines = (await fs.readFile(o.logPath as string, "utf8")).split("\n").length;
    // One progress line per interval (0.2 s) while the build runs, plus a few fixed lines: never one per log line.
    // The bound follows the build's duration, which a loaded machine stretches.
    const bound = Math.ceil(elapsedMs / 200) + 6;
    assert.ok(lines.length <= bound && lines.length < logLines / 3 && logLines > 100, `progress is summarised: ${lines.length} stdout lines in ${elapsedMs} ms for ${logLines} log lines`);
  });

  it("unchanged inputs (defaults written out, aliases): no change, so the engine runs no builder", async () => {
    for (const news of [base, { ...base, sizeGb: 2, imageType: "qcow2", baseOs: "ubuntu", backend: "haproxy", useNftables: true }]) {
      const { value, lines } = await withStdout(() => p.diff(created.id, created.outs, news));
      assert.deepStrictEqual(value, { changes: false, replaces: [], deleteBeforeReplace: false });
      assert.deepStrictEqual(lines, []);
    }
  });

  it("one element file changed: diff names it, update rebuilds in place", async () => {
    await fs.appendFile(path.join(checkout.elements, "haproxy-octavia", "README.rst"), "tuned\n");
    const news = await checked(base);
    const { value: diff, lines } = await withStdout(() => p.diff(created.id, created.outs, news));
    assert.strictEqual(diff.changes, true);
    assert.deepStrictEqual(diff.replaces, []);
    assert.deepStrictEqual(lines, ["AmphoraImageBuild amphora-x64-haproxy.qcow2: rebuild: element haproxy-octavia changed (1 file)"]);
    const { value: updated, lines: updateLines } = await withStdout(() => p.update(created.id, created.outs, news));
    const outs = updated.outs as Props;
    assert.notStrictEqual(outs.buildKey, created.outs.buildKey);
    assert.notStrictEqual(outs.builtAt, created.outs.builtAt);
    assert.ok(updateLines.some((l) => / started /.test(l)), "the builder ran");
    created = { id: created.id, outs };
    const again = await withStdout(() => p.diff(created.id, created.outs, news));
    assert.strictEqual(again.value.changes, false);
  });

  it("plan line names every reason: elements (file counts), options, script, env", async () => {
    await fs.writeFile(path.join(checkout.elements, "haproxy-octavia", "README.rst"), "rewritten\n");
    await fs.writeFile(path.join(checkout.elements, "haproxy-octavia", "new-file"), "x\n");
    await fs.mkdir(path.join(checkout.elements, "extra-element"));
    await fs.writeFile(path.join(checkout.elements, "extra-element", "README.rst"), "x\n");
    await fs.appendFile(checkout.script, "# edited\n");
    const news = await checked({ ...base, sizeGb: 3, env: { DIB_CHECKSUM: "1" } });
    const { lines } = await withStdout(() => p.diff(created.id, created.outs, news));
    assert.deepStrictEqual(lines, [
      "AmphoraImageBuild amphora-x64-haproxy.qcow2: rebuild: diskimage-create.sh changed, element extra-element added, " +
        "element haproxy-octavia changed (2 files), sizeGb 2 → 3, env DIB_CHECKSUM added",
    ]);
    const u = await withStdout(() => p.update(created.id, created.outs, news));
    created = { id: created.id, outs: u.value.outs as Props };
    assert.strictEqual(created.outs.virtualSize, 3 * 1024 ** 3);
    inputs = news;
  });

  it("validation settings: validate again without building; runtime settings: record only", async () => {
    const revalidate = await checked({ ...inputs, validation: { ...NOT_BOOTABLE, requiredPackages: ["keepalived"] } });
    const d1 = await withStdout(() => p.diff(created.id, created.outs, revalidate));
    assert.match(d1.lines[0] ?? "", /validate again, no build: validation.requiredPackages \[\] → \["keepalived"\]/);
    const u1 = await withStdout(() => p.update(created.id, created.outs, revalidate));
    assert.ok(!u1.lines.some((l) => / started /.test(l)));
    assert.strictEqual((u1.value.outs as Props).builtAt, created.outs.builtAt);
    assert.strictEqual(((u1.value.outs as Props).packageVersions as Props).keepalived, "1:2.2.7-1");

    const record = await checked({ ...inputs, timeoutSeconds: 60, retainOnDelete: true });
    const d2 = await withStdout(() => p.diff(created.id, created.outs, record));
    assert.deepStrictEqual(d2.lines, ["AmphoraImageBuild amphora-x64-haproxy.qcow2: record timeoutSeconds, retainOnDelete (no build)"]);
    const u2 = await withStdout(() => p.update(created.id, created.outs, record));
    assert.strictEqual((u2.value.outs as Props).timeoutSeconds, 60);
    assert.strictEqual((u2.value.outs as Props).sha256, created.outs.sha256);
  });

  it("a new output path or image type means replacement (create elsewhere, then delete the old one)", async () => {
    const moved = await checked({ ...inputs, output: path.join(out, "other.qcow2") });
    assert.deepStrictEqual((await withStdout(() => p.diff(created.id, created.outs, moved))).value.replaces, ["output"]);
    const retyped = await checked({ ...inputs, imageType: "raw" });
    assert.deepStrictEqual((await withStdout(() => p.diff(created.id, created.outs, retyped))).value.replaces, ["imageType"]);
  });

  it("read: intact → ok; bytes changed → modified and the next diff rebuilds; gone → empty id", async () => {
    const intact = await p.read(created.id, created.outs);
    assert.strictEqual((intact.props as Props).artifactState, "ok");
    const artifact = created.outs.path as string;
    const saved = await fs.readFile(artifact);
    const tampered = Buffer.from(saved);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1]! + 1) % 256;
    await fs.writeFile(artifact, tampered);
    const { value: modified } = await withStdout(() => p.read(created.id, created.outs));
    assert.strictEqual((modified.props as Props).artifactState, "modified");
    const d = await withStdout(() => p.diff(created.id, modified.props as Props, inputs));
    assert.match(d.lines[0] ?? "", /rebuild: artifact modified since it was built/);
    await fs.writeFile(artifact, saved);
    await fs.rename(artifact, `${artifact}.away`);
    const gone = await withStdout(() => p.read(created.id, created.outs));
    assert.strictEqual(gone.value.id, "");
    const d2 = await withStdout(() => p.diff(created.id, created.outs, inputs));
    assert.match(d2.lines[0] ?? "", /artifact .* missing/);
    await fs.rename(`${artifact}.away`, artifact);
  });

  it("delete removes the artifact, its .d directory and log; retainOnDelete keeps them", async () => {
    const kept = await withStdout(() => p.delete(created.id, { ...created.outs, retainOnDelete: true }));
    assert.deepStrictEqual(kept.lines, [`AmphoraImageBuild amphora-x64-haproxy.qcow2: ${created.outs.path as string} retained (retainOnDelete)`]);
    assert.ok(await exists(created.outs.path as string));
    await p.delete(created.id, created.outs);
    assert.deepStrictEqual(await fs.readdir(out), []);
  });

  it("delete also removes a NAME.d and log that name no artifact (written by an older provider version)", async () => {
    const base = path.join(out, "amphora-x64-haproxy");
    await fs.writeFile(created.outs.path as string, "old artifact");
    await fs.mkdir(path.join(`${base}.d`, "dib-manifests"), { recursive: true });
    await fs.writeFile(`${base}.build.log`, "# 2024-01-01T00:00:00.000Z diskimage-create.sh\n# command: …\n");
    // Older versions recorded no artifact file identity: their delete goes by path.
    const { lines } = await withStdout(() => p.delete(created.id, { ...created.outs, artifactFileId: "" }));
    assert.deepStrictEqual(lines, [`AmphoraImageBuild amphora-x64-haproxy.qcow2: removed ${String(created.outs.path)}`]);
    assert.deepStrictEqual(await fs.readdir(out), []);
  });

  it("a failing build explains itself: exit code meaning, last 50 lines, log path; nothing left behind", async () => {
    const news = await checked({ ...base, env: { FIXTURE_FAIL_AFTER: "80", FIXTURE_FAIL_CODE: "3" } });
    const { value: err } = await withStdout(() => p.create(news).catch((e: unknown) => e));
    assert.ok(err instanceof BuilderExitError);
    assert.strictEqual(err.exitCode, 3);
    assert.match(err.message, /diskimage-create.sh exited with code 3 \(invalid argument\)/);
    assert.match(err.message, /--- last 50 lines of .*amphora-x64-haproxy.build.log ---/);
    assert.strictEqual(err.log.tail.length, 50);
    assert.match(err.log.tail.join("\n"), /failing after 80 lines/);
    assert.deepStrictEqual(await fs.readdir(out), ["amphora-x64-haproxy.build.log"]);
  });

  it("an invalid image fails the create and is not moved into place", async () => {
    const news = await checked({ ...base, env: { FIXTURE_OMIT_KERNEL: "1" } });
    const { value: err } = await withStdout(() => p.create(news).catch((e: unknown) => e));
    assert.ok(err instanceof ValidationError);
    assert.deepStrictEqual(err.failures.map((f) => f.check), ["kernel"]);
    assert.ok(!(await exists(path.join(out, "amphora-x64-haproxy.qcow2"))));
    assert.deepStrictEqual((await fs.readdir(out)).filter((n) => n.startsWith(".")), [], "no staging directory left");
  });

  it("a failed rebuild leaves the previous artifact untouched", async () => {
    const good = await checked(base);
    const first = await withStdout(() => p.create(good));
    const outs = first.value.outs as Props;
    const broken = await checked({ ...base, env: { FIXTURE_OMIT_HAPROXY: "1" } });
    await assert.rejects(withStdout(() => p.update(first.value.id, outs, broken)), ValidationError);
    const bytes = await fs.readFile(outs.path as string);
    assert.strictEqual(createHash("sha256").update(bytes).digest("hex"), outs.sha256);
    await p.delete(first.value.id, outs);
  });

  it("timeoutSeconds: the build is killed and reported", async () => {
    const news = await checked({ ...base, timeoutSeconds: 1, env: { FIXTURE_HANG: "1" } });
    const { value: err } = await withStdout(() => p.create(news).catch((e: unknown) => e));
    assert.ok(err instanceof BuildTimeoutError);
    assert.match(err.message, /did not finish within 1 s and was killed/);
  });

  it("rootPassword: built with -r, but absent from outputs, stdout, the log and the saved manifests", async () => {
    const password = "Pa$$ 'w0rd\"";
    const news = await checked({ ...base, rootPassword: password, trace: true, output: path.join(out, "secret.qcow2") });
    const { value, lines } = await withStdout(() => p.create(news));
    const outs = value.outs as Props;
    assert.strictEqual(outs.rootPasswordSet, true);
    assert.ok(secretMatches(password, outs.rootPasswordDigest as string));
    assert.ok(!("rootPassword" in outs));
    const leaks = (text: string): boolean => ["Pa$$", "w0rd"].some((part) => text.includes(part));
    assert.ok(!leaks(JSON.stringify(outs)), "outputs");
    assert.ok(!leaks(lines.join("\n")), "stdout");
    const log = await fs.readFile(outs.logPath as string, "utf8");
    assert.ok(!leaks(log), "log");
    assert.match(log, /-r '\*\*\*'/);
    assert.match(log, /echo 'root:\*\*\*' \| chpasswd/, "the traced password is redacted in the log");
    const env = await fs.readFile(path.join(outs.manifestDir as string, "dib_environment"), "utf8");
    assert.match(env, /DIB_PASSWORD="\*\*\*"/);
    const same = await withStdout(() => p.diff(value.id, outs, news));
    assert.strictEqual(same.value.changes, false);
    const changed = await checked({ ...news, rootPassword: "another" });
    const d = await withStdout(() => p.diff(value.id, outs, changed));
    assert.deepStrictEqual(d.lines, ["AmphoraImageBuild secret.qcow2: rebuild: rootPassword changed"]);
    await p.delete(value.id, outs);
  });

  it("tar output: Glance raw/docker formats and the docker import command", async () => {
    const news = await checked({ ...base, imageType: "tar", output: path.join(out, "amphora-x64-haproxy") });
    const { value, lines } = await withStdout(() => p.create(news));
    const outs = value.outs as Props;
    assert.strictEqual(outs.path, path.join(out, "amphora-x64-haproxy.tar"));
    assert.strictEqual(outs.diskFormat, "raw");
    assert.strictEqual(outs.containerFormat, "docker");
    const command = `docker import - image:amphora-x64-haproxy < ${path.join(out, "amphora-x64-haproxy.tar")}`;
    assert.strictEqual(outs.dockerImportCommand, command);
    assert.ok(lines.includes(`AmphoraImageBuild amphora-x64-haproxy.tar: import into Docker with: ${command}`));
    assert.strictEqual((outs.checks as { check: string; status: string }[])[1]?.status, "not-applicable");
    await p.delete(value.id, outs);
  });
});
