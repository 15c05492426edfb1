import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { capture, toolEnv } from "../../provider/builder/capture";
import { askAgent } from "../../provider/amphora-image-build/validate/boot/agent-client";
import { bootCheck } from "../../provider/amphora-image-build/validate/boot/boot-check";
import { makeBootCertificates, type BootCertificates } from "../../provider/amphora-image-build/validate/boot/certificates";
import { makeConfigDrive } from "../../provider/amphora-image-build/validate/boot/config-drive";
import { AGENT_CONF, AGENT_SERVER_CA, AGENT_SERVER_CERT, agentConfig, userData } from "../../provider/amphora-image-build/validate/boot/octavia-files";
import { probeKvm, qemuTarget } from "../../provider/amphora-image-build/validate/boot/qemu";
import { resolveCommand } from "../../provider/amphora-image-build/build-key";
import { FIXTURE_DIB, tmpDir } from "./helpers";

/**
 * The boot gate's parts without a VM: per-boot certificates, the mutual-TLS poller against a local stand-in for the
 * amphora agent (a real TLS server that requires the client certificate, as the agent's gunicorn does), and the
 * config drive read back from the ISO.
 */
describe("AmphoraImageBuild boot check parts (certificates, agent poller, config drive)", function () {
  this.timeout(60_000);
  const AMP = "2d1f0c3a-6b1e-4c59-9a43-0b6f2d7a1e55";
  let dir: string;
  let certs: BootCertificates;
  let other: BootCertificates;

  before(async () => {
    dir = await tmpDir("amphora-boot-test-");
    await fs.mkdir(path.join(dir, "a"));
    await fs.mkdir(path.join(dir, "b"));
    certs = await makeBootCertificates(path.join(dir, "a"), AMP);
    other = await makeBootCertificates(path.join(dir, "b"), "another-amphora");
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** The agent's TLS setup: server.pem holds certificate and key; client certificates must chain to client_ca.pem. */
  async function fakeAgent(
    serverPem: string,
    clientCa: string,
    handler: (req: { url?: string }, res: { writeHead: (s: number, h: Record<string, string>) => void; end: (b: string) => void }) => void,
  ): Promise<{ port: number; close: () => Promise<void>; paths: string[] }> {
    const paths: string[] = [];
    const server = https.createServer({ cert: serverPem, key: serverPem, ca: clientCa, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      paths.push(req.url ?? "");
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      port: (server.address() as AddressInfo).port,
      paths,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  const agentLike = (req: { url?: string }, res: { writeHead: (s: number, h: Record<string, string>) => void; end: (b: string) => void }): void => {
    const json = (body: unknown): void => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/") return json({ api_version: "1.0" });
    if (req.url === "/1.0/info") return json({ hostname: `amphora-${AMP}`, haproxy_version: "2.6.12-1+deb12u1", api_version: "1.0" });
    res.writeHead(404, { "content-type": "text/html" });
    res.end("not found");
  };

  const tls = (c: BootCertificates, amphoraId = AMP) => ({ serverCa: c.serverCa, clientCert: c.clientCert, clientKey: c.clientKey, amphoraId });

  it("asks version discovery then /<api_version>/info with the client certificate, as Octavia's driver does", async () => {
    const agent = await fakeAgent(certs.serverPem, certs.clientCa, agentLike);
    try {
      const answer = await askAgent("127.0.0.1", agent.port, tls(certs));
      assert.deepStrictEqual(answer, {
        ok: true,
        apiVersion: "1.0",
        info: { hostname: `amphora-${AMP}`, haproxy_version: "2.6.12-1+deb12u1", api_version: "1.0" },
      });
      assert.deepStrictEqual(agent.paths, ["/", "/1.0/info"]);
    } finally {
      await agent.close();
    }
  });

  it("server.pem is the agent certificate (issued to the amphora id) followed by its key", () => {
    const blocks = certs.serverPem.match(/-----BEGIN [A-Z ]+-----/g);
    assert.deepStrictEqual(blocks, ["-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----"]);
  });

  it("an agent whose client CA did not sign the controller's certificate refuses it: reached tls, not ok", async () => {
    const agent = await fakeAgent(certs.serverPem, other.clientCa, agentLike);
    try {
      const answer = await askAgent("127.0.0.1", agent.port, tls(certs));
      assert.strictEqual(answer.ok, false);
      assert.strictEqual(!answer.ok && answer.reached, "tls", JSON.stringify(answer));
      assert.deepStrictEqual(agent.paths, []);
    } finally {
      await agent.close();
    }
  });

  it("a certificate issued to another amphora, or by another CA, is not accepted", async () => {
    const agent = await fakeAgent(certs.serverPem, certs.clientCa, agentLike);
    try {
      const wrongId = await askAgent("127.0.0.1", agent.port, tls(certs, "another-amphora"));
      assert.ok(!wrongId.ok && /not issued to amphora another-amphora/.test(wrongId.detail), JSON.stringify(wrongId));
      const wrongCa = await askAgent("127.0.0.1", agent.port, { ...tls(certs), serverCa: other.serverCa });
      assert.ok(!wrongCa.ok && /certificate/i.test(wrongCa.detail), JSON.stringify(wrongCa));
      assert.deepStrictEqual(agent.paths, []);
    } finally {
      await agent.close();
    }
  });

  it("nothing listening is 'nothing'; a non-JSON answer is 'http' (Octavia treats it as not ready)", async () => {
    const agent = await fakeAgent(certs.serverPem, certs.clientCa, (_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html>starting</html>");
    });
    const port = agent.port;
    try {
      const notReady = await askAgent("127.0.0.1", port, tls(certs));
      assert.ok(!notReady.ok && notReady.reached === "http" && /GET \/ answered 404/.test(notReady.detail), JSON.stringify(notReady));
    } finally {
      await agent.close();
    }
    const none = await askAgent("127.0.0.1", port, tls(certs), 2000);
    assert.ok(!none.ok && none.reached === "nothing", JSON.stringify(none));
  });

  it("xorriso crashing (its SIGSEGV report) is run once more; any other xorriso failure is final", async function () {
    const real = await resolveCommand("xorriso");
    if (!real) this.skip();
    const bin = path.join(dir, "fake-xorriso");
    await fs.mkdir(bin, { recursive: true });
    const calls = path.join(bin, "calls");
    // The first call crashes as xorriso 1.5.4 did in CI, later ones are the real xorriso; MODE=fail always fails.
    await fs.writeFile(
      path.join(bin, "xorriso"),
      `#!/bin/sh\necho x >> ${calls}\nif [ "$(wc -l < ${calls})" -eq 1 ] || [ -f ${bin}/fail ]; then\n` +
        `  if [ -f ${bin}/fail ]; then echo "xorriso : FAILURE : Cannot open directory" >&2; exit 5; fi\n` +
        `  printf 'UNIX-SIGNAL:  SIGSEGV  errno= 0\\nxorriso : ABORT : Trying to shut down drive and library\\n' >&2; exit 1\nfi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const spec = { instanceUuid: "5e3c1a34-7c51-4a34-9e0b-1f2a3b4c5d6e", hostname: "amphora-x", mac: "fa:16:3e:00:00:01", userData: userData(), files: {} };
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved ?? ""}`;
    try {
      await fs.mkdir(path.join(dir, "crash"), { recursive: true });
      const iso = await makeConfigDrive(path.join(dir, "crash"), spec);
      assert.ok((await fs.stat(iso)).size > 0);
      assert.strictEqual((await fs.readFile(calls, "utf8")).split("\n").filter(Boolean).length, 2, "the crash was run once more");
      await fs.writeFile(path.join(bin, "fail"), "");
      await fs.rm(calls);
      await fs.mkdir(path.join(dir, "fail"), { recursive: true });
      await assert.rejects(makeConfigDrive(path.join(dir, "fail"), spec), /xorriso: cannot write the config drive \(rc 5\): xorriso : FAILURE/);
      assert.strictEqual((await fs.readFile(calls, "utf8")).split("\n").filter(Boolean).length, 1, "a failure is not retried");
    } finally {
      process.env.PATH = saved;
    }
  });

  it("the config drive is an ISO labelled config-2 with Nova's layout and the files Octavia writes", async function () {
    if (!(await resolveCommand("xorriso"))) this.skip();
    const mac = "fa:16:3e:12:34:56";
    const conf = agentConfig(AMP, "0123abcd");
    const iso = await makeConfigDrive(path.join(dir, "a"), {
      instanceUuid: "5e3c1a34-7c51-4a34-9e0b-1f2a3b4c5d6e",
      hostname: `amphora-${AMP}`,
      mac,
      userData: userData(),
      files: { [AGENT_CONF]: conf, [AGENT_SERVER_CERT]: certs.serverPem, [AGENT_SERVER_CA]: certs.clientCa },
    });
    const pvd = await capture("xorriso", ["-indev", iso, "-pvd_info"], { env: toolEnv() });
    assert.match(pvd.stdout + pvd.stderr, /Volume Id\s*:\s*config-2/);
    const out = path.join(dir, "extracted");
    const x = await capture("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/openstack", out], { env: toolEnv() });
    assert.strictEqual(x.exitCode, 0, x.stderr);
    const meta = JSON.parse(await fs.readFile(path.join(out, "latest", "meta_data.json"), "utf8")) as { files: { path: string; content_path: string }[]; uuid: string };
    const byPath = Object.fromEntries(meta.files.map((f) => [f.path, f.content_path]));
    assert.deepStrictEqual(Object.keys(byPath).sort(), [AGENT_CONF, AGENT_SERVER_CA, AGENT_SERVER_CERT].sort());
    assert.strictEqual(await fs.readFile(path.join(out, byPath[AGENT_CONF] ?? ""), "utf8"), conf);
    assert.strictEqual(await fs.readFile(path.join(out, byPath[AGENT_SERVER_CERT] ?? ""), "utf8"), certs.serverPem);
    const network = JSON.parse(await fs.readFile(path.join(out, "latest", "network_data.json"), "utf8")) as {
      links: { ethernet_mac_address: string }[];
      networks: { type: string; link: string }[];
    };
    assert.strictEqual(network.links[0]?.ethernet_mac_address, mac);
    assert.strictEqual(network.networks[0]?.type, "ipv4_dhcp");
    assert.match(await fs.readFile(path.join(out, "latest", "user_data"), "utf8"), /^#cloud-config\n/);
    assert.match(conf, new RegExp(`^amphora_id = ${AMP}$`, "m"));
    assert.match(conf, /^bind_port = 9443$/m);
  });

  it("the KVM probe says why KVM cannot be used here, within its bound", async function () {
    const target = qemuTarget("amd64")!;
    if (!(await resolveCommand(target.binary))) this.skip();
    const started = Date.now();
    const why = await probeKvm(target, dir, 15_000);
    assert.ok(Date.now() - started < 20_000);
    // On a machine where KVM works the probe passes (""); here /dev/kvm is missing or hangs.
    const kvmUsable = await fs.access("/dev/kvm").then(() => true, () => false);
    if (!kvmUsable) assert.strictEqual(why, "/dev/kvm missing");
    else assert.strictEqual(typeof why, "string");
  });
});

describe("AmphoraImageBuild boot check on an image that cannot boot", function () {
  this.timeout(120_000);
  let dir: string;
  before(async function () {
    if (!(await resolveCommand("qemu-system-x86_64")) || !(await resolveCommand("xorriso"))) {
      console.log("      skipped: needs qemu-system-x86_64 and xorriso");
      this.skip();
    }
    dir = await tmpDir("amphora-boot-nokernel-");
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it("a disk without a boot loader stops at the firmware, fails at its timeout and leaves the image as it was", async () => {
    // The fixture builder's images are structurally real (MBR, ext4, /boot/vmlinuz-*) but have no boot loader.
    const r = await capture(FIXTURE_DIB, ["-o", path.join(dir, "img"), "-t", "qcow2", "--image-size", "1", "debian-minimal"], { env: toolEnv({ HOME: dir }) });
    assert.strictEqual(r.exitCode, 0, r.stderr);
    const artifact = path.join(dir, "img.qcow2");
    const before = await fs.readFile(artifact);
    // Other boots on this machine (another test run) have directories of their own: only this boot's must be gone.
    const bootDirs = async (): Promise<string[]> => (await fs.readdir(os.tmpdir())).filter((n) => /^amphora-boot-[A-Za-z0-9]{6}$/.test(n));
    const dirsBefore = await bootDirs();
    const lines: string[] = [];
    const outcome = await bootCheck({
      artifact,
      format: "qcow2",
      arch: "amd64",
      settings: { timeoutSeconds: 12, memoryMb: 256, cpus: 1, accelerator: "auto" },
      print: (l) => lines.push(l),
      progressMs: 5000,
    });
    assert.strictEqual(outcome.status, "failed", JSON.stringify(outcome));
    assert.ok(outcome.status === "failed");
    assert.strictEqual(outcome.facts.stage, "firmware");
    assert.match(outcome.detail, /^the amphora agent did not answer within 12 s; boot stopped at stage firmware \((kvm|tcg)\)/);
    assert.match(lines[0] ?? "", /^boot check: qemu-system-x86_64, (kvm|tcg) \(.+\), 256 MiB, 1 CPU\(s\), agent on 127\.0\.0\.1:\d+$/);
    assert.ok(lines.some((l) => /^boot check: \d+ s, stage firmware$/.test(l)), lines.join("\n"));
    assert.ok((await fs.readFile(artifact)).equals(before), "-snapshot: the artifact is not written");
    assert.deepStrictEqual((await bootDirs()).filter((n) => !dirsBefore.includes(n)), [], "the boot's temporary directory (keys) is removed");
  });
});
