import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { BuilderExitError } from "../../provider/amphora-image-build/errors";
import { buildImage } from "../../provider/amphora-image-build/apply";
import { baseEnv, dibCommand, octaviaCommand, type BuilderCommand } from "../../provider/amphora-image-build/command";
import { octaviaExitMeaning, runBuild } from "../../provider/amphora-image-build/run-build";
import { collector, exists, FIXTURE_DIB, FIXTURE_SCRIPT, parseInputs, readRecord, tmpDir } from "./helpers";

describe("AmphoraImageBuild commands: every input becomes its flag or variable", () => {
  let dir: string;
  before(async () => {
    dir = await tmpDir();
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const everyFlag = () =>
    parseInputs({
      frontEnd: "octavia",
      script: FIXTURE_SCRIPT,
      output: path.join(dir, "all-flags.qcow2"),
      arch: "arm64",
      backend: "haproxy",
      cacheDir: path.join(dir, "cache"),
      release: "jammy",
      enforcingMac: true,
      noTmpfs: true,
      agentBranch: "stable/2024.1",
      baseOs: "ubuntu",
      kernelPackage: "linux-image-kvm",
      logFile: path.join(dir, "dib.log"),
      cpuPinning: true,
      noSshd: true,
      agentFromPackages: true,
      rootPassword: "pw",
      sizeGb: 1,
      imageType: "qcow2",
      workDir: path.join(dir, "work"),
      trace: true,
      fips: true,
      distributionMirror: "http://mirror.example/ubuntu",
      cloudInitDatasources: ["ConfigDrive", "OpenStack"],
      agentRepoRef: "refs/changes/1",
      upperConstraints: "/src/requirements/upper-constraints.txt",
      useNftables: false,
      useSsh: true,
      grubTimeout: 5,
      env: { DIB_CHECKSUM: "1", FIXTURE_RECORD: path.join(dir, "rec-all") },
    });

  it("octavia: maps all twenty flags in getopts order, and the typed environment", () => {
    const cmd = octaviaCommand(everyFlag(), "/staging/all-flags.qcow2", "/staging", { PATH: "/usr/bin" });
    assert.strictEqual(cmd.command, FIXTURE_SCRIPT);
    assert.deepStrictEqual(cmd.args, [
      "-a", "arm64", "-b", "haproxy", "-c", path.join(dir, "cache"), "-d", "jammy", "-e", "-f", "-g", "stable/2024.1",
      "-i", "ubuntu", "-k", "linux-image-kvm", "-l", path.join(dir, "dib.log"), "-m", "-n", "-o", "/staging/all-flags.qcow2",
      "-p", "-r", "pw", "-s", "1", "-t", "qcow2", "-w", path.join(dir, "work"), "-x", "-y",
    ]);
    assert.deepStrictEqual(cmd.secrets, ["pw"]);
    const { PATH, FIXTURE_RECORD: _r, ...env } = cmd.env;
    assert.strictEqual(PATH, "/usr/bin");
    assert.deepStrictEqual(env, {
      DIB_DISTRIBUTION_MIRROR: "http://mirror.example/ubuntu",
      CLOUD_INIT_DATASOURCES: "ConfigDrive,OpenStack",
      DIB_REPOREF_amphora_agent: "refs/changes/1",
      DIB_REPOLOCATION_upper_constraints: "/src/requirements/upper-constraints.txt",
      DIB_OCTAVIA_AMP_USE_NFTABLES: "False",
      DIB_OCTAVIA_AMP_USE_SSH: "True",
      DIB_GRUB_TIMEOUT: "5",
      DIB_CHECKSUM: "1",
    });
  });

  it("octavia: element and repository inputs become DIB_ELEMENTS, DIB_LOCAL_ELEMENTS(_PATH), *_REPO_PATH", () => {
    const inputs = parseInputs({
      frontEnd: "octavia",
      script: FIXTURE_SCRIPT,
      output: path.join(dir, "x.qcow2"),
      elements: ["base", "vm", "ubuntu-minimal"],
      localElements: ["a", "b"],
      localElementsPath: ["/e1", "/e2"],
      dibRepoPath: "/src/dib",
      octaviaRepoPath: "/src/octavia",
      localImage: "/images/base.qcow2",
    });
    const cmd = octaviaCommand(inputs, "/s/x.qcow2", "/s", {});
    assert.deepStrictEqual(cmd.args, ["-o", "/s/x.qcow2", "-s", "2", "-t", "qcow2"]);
    assert.deepStrictEqual(cmd.env, {
      OCTAVIA_REPO_PATH: "/src/octavia",
      DIB_REPO_PATH: "/src/dib",
      DIB_ELEMENTS: "base vm ubuntu-minimal",
      DIB_LOCAL_ELEMENTS: "a b",
      DIB_LOCAL_ELEMENTS_PATH: "/e1:/e2",
      DIB_LOCAL_IMAGE: "/images/base.qcow2",
    });
  });

  it("dib: elements, packages, size (not for tar), cache, tmpfs, log file, trace, ELEMENTS_PATH/TMPDIR/DIB_RELEASE", () => {
    const inputs = parseInputs({
      frontEnd: "dib",
      output: "/out/img",
      elements: ["debian-minimal", "vm"],
      packages: ["haproxy", "keepalived"],
      imageType: "qcow2",
      sizeGb: 3,
      arch: "amd64",
      cacheDir: "/cache",
      noTmpfs: true,
      trace: true,
      logFile: "/out/dib.log",
      elementsPath: ["/el"],
      workDir: "/work",
      release: "bookworm",
      env: { DIB_DEBIAN_COMPONENTS: "main" },
    });
    const cmd = dibCommand(inputs, "/s/img", "/s", {});
    assert.strictEqual(cmd.command, "disk-image-create");
    assert.deepStrictEqual(cmd.args, [
      "-x", "-a", "amd64", "-o", "/s/img", "-t", "qcow2", "--image-size", "3", "--image-cache", "/cache", "--no-tmpfs",
      "--logfile=/out/dib.log", "-p", "haproxy,keepalived", "debian-minimal", "vm",
    ]);
    assert.deepStrictEqual(cmd.env, { ELEMENTS_PATH: "/el", TMPDIR: "/work", DIB_RELEASE: "bookworm", DIB_DEBIAN_COMPONENTS: "main" });
    const tar = dibCommand(parseInputs({ frontEnd: "dib", output: "/o", elements: ["x"], imageType: "tar" }), "/s/o", "/s", {});
    assert.ok(!tar.args.includes("--image-size"));
  });

  it("passes only an allow-list of the provider's environment (no cloud credentials)", () => {
    const env = baseEnv({ PATH: "/bin", HOME: "/root", OS_PASSWORD: "secret", PULUMI_CONFIG: "{}", https_proxy: "http://p" });
    assert.deepStrictEqual(env, { PATH: "/bin", HOME: "/root", https_proxy: "http://p" });
  });

  it("octavia: the script's getopts accepts the argv, and disk-image-create gets what the real script passes", async function () {
    this.timeout(30_000);
    const inputs = everyFlag();
    const { print } = collector();
    const outs = await buildImage(inputs, { print });
    assert.ok(await exists(outs.path));
    const script = await readRecord(path.join(dir, "rec-all"));
    assert.deepStrictEqual(script.args.slice(0, 4), ["-a", "arm64", "-b", "haproxy"]);
    const dib = await readRecord(path.join(dir, "rec-all.dib"));
    const dibArgs = dib.args.filter(Boolean);
    assert.deepStrictEqual(dibArgs.slice(0, 4), [`--logfile=${path.join(dir, "dib.log")}`, "-x", "-a", "arm64"]);
    assert.deepStrictEqual(dibArgs.slice(6), ["-t", "qcow2", "--image-size", "1", "--image-cache", path.join(dir, "cache"), "--no-tmpfs", dibArgs[13]]);
    const sequence = (dibArgs[13] ?? "").split(" ");
    for (const element of ["ubuntu-minimal", "haproxy-octavia", "root-passwd", "cpu-pinning", "remove-sshd", "amphora-fips", "amphora-apparmor"]) {
      assert.ok(sequence.includes(element), `${element} in ${sequence.join(" ")}`);
    }
    assert.strictEqual(dib.env.DIB_RELEASE, "jammy");
    assert.strictEqual(dib.env.DIB_UBUNTU_KERNEL, "linux-image-kvm");
    assert.strictEqual(dib.env.DIB_INSTALLTYPE_amphora_agent, "package");
    assert.strictEqual(dib.env.DIB_REPOREF_amphora_agent, "refs/changes/1");
    assert.strictEqual(dib.env.DIB_CLOUD_INIT_DATASOURCES, "ConfigDrive,OpenStack");
    assert.strictEqual(dib.env.DIB_OCTAVIA_AMP_USE_NFTABLES, "False");
    assert.strictEqual(dib.env.DIB_OCTAVIA_AMP_USE_SSH, "True");
    assert.strictEqual(dib.env.DIB_GRUB_TIMEOUT, "5");
    assert.strictEqual(dib.env.DIB_CHECKSUM, "1");
    assert.ok(dib.env.ELEMENTS_PATH?.endsWith("/octavia/elements"));
    assert.ok(await exists(path.join(dir, "work")), "-w created the working directory");
    assert.match(await fs.readFile(path.join(dir, "dib.log"), "utf8"), /Build completed successfully/);
  });

  it("octavia: DIB_ELEMENTS replaces the sequence and DIB_LOCAL_ELEMENTS extends it", async function () {
    this.timeout(30_000);
    const local = path.join(dir, "local-elements");
    await fs.mkdir(path.join(local, "my-element"), { recursive: true });
    const inputs = parseInputs({
      frontEnd: "octavia",
      script: FIXTURE_SCRIPT,
      output: path.join(dir, "override.tar"),
      imageType: "tar",
      elements: ["base", "debian-minimal", "haproxy-octavia"],
      localElements: ["my-element"],
      localElementsPath: [local],
      env: { FIXTURE_RECORD: path.join(dir, "rec-override") },
    });
    await buildImage(inputs, collector());
    const dib = await readRecord(path.join(dir, "rec-override.dib"));
    assert.strictEqual(dib.args.filter(Boolean).pop(), "base debian-minimal haproxy-octavia my-element");
    assert.ok(dib.env.ELEMENTS_PATH?.endsWith(`/octavia/elements:${local}`));
  });

  it("dib: runs disk-image-create with packages and validates them", async function () {
    this.timeout(30_000);
    const inputs = parseInputs({
      frontEnd: "dib",
      command: FIXTURE_DIB,
      output: path.join(dir, "dib-img"),
      imageType: "qcow2",
      sizeGb: 1,
      elements: ["debian-minimal"],
      packages: ["haproxy", "curl"],
      validation: { requiredPackages: ["curl"] },
      env: { FIXTURE_RECORD: path.join(dir, "rec-dib") },
    });
    const outs = await buildImage(inputs, collector());
    assert.strictEqual(outs.path, path.join(dir, "dib-img.qcow2"));
    assert.deepStrictEqual(outs.checks.map((c) => c.status), ["passed", "passed", "passed", "passed", "disabled"]);
    assert.strictEqual(outs.packageVersions.curl, "1.0-fixture");
    const dib = await readRecord(path.join(dir, "rec-dib.dib"));
    assert.deepStrictEqual(dib.args.slice(-3), ["-p", "haproxy,curl", "debian-minimal"]);
  });

  describe("diskimage-create.sh exit codes explained", () => {
    const run = async (args: string[]): Promise<BuilderExitError> => {
      const cmd: BuilderCommand = { builder: "diskimage-create.sh", command: FIXTURE_SCRIPT, args, env: baseEnv(), cwd: dir, secrets: [] };
      const logPath = path.join(dir, `exit-${args.join("")}.log`);
      const err = await runBuild(cmd, { label: "exit", logPath, timeoutMs: 20_000, progressIntervalMs: 60_000, print: () => undefined, meaning: octaviaExitMeaning }).then(
        () => assert.fail("expected a failure"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof BuilderExitError);
      assert.strictEqual(err.log.logPath, logPath);
      assert.ok(err.message.includes(logPath));
      return err;
    };
    it("3: invalid argument (unsupported architecture), with the log's last lines", async () => {
      const err = await run(["-a", "sparc"]);
      assert.strictEqual(err.exitCode, 3);
      assert.match(err.message, /exited with code 3 \(invalid argument\)/);
      assert.match(err.message, /Error: Unsupported architecture sparc specified/);
    });
    it("3: invalid argument (non-integer size)", async () => {
      const err = await run(["-s", "two"]);
      assert.strictEqual(err.exitCode, 3);
      assert.match(err.message, /Invalid image size two/);
    });
    it("1: usage error or missing prerequisite", async () => {
      const err = await run(["-h"]);
      assert.strictEqual(err.exitCode, 1);
      assert.match(err.message, /usage error or missing prerequisite/);
      assert.match(err.message, /Usage: diskimage-create.sh/);
    });
  });
});
