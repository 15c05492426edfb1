/**
 * The builder runs from an argument array only: no shell is ever involved, and its environment is passed
 * explicitly. Inputs full of shell metacharacters (`$(…)`, backticks, `;`, `|`, `&&`, quotes, `>`) reach the
 * fixture builder verbatim, each as one argv element or one variable, and nothing they "say" happens: no canary
 * file appears, the victim file survives. Checked through the real provider host, and in-process with sinon
 * spies on every child_process entry point while a whole build (builder, qemu-img, debugfs, watchdog) runs.
 */
import { strict as assert } from "node:assert";
import childProcess from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sinon from "sinon";
import { buildImage } from "../../provider/amphora-image-build/apply";
import { runProcess } from "../../provider/builder/run-process";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { collector, NOT_BOOTABLE, octaviaCheckout, parseInputs, readRecord, tmpDir } from "../amphora-image-build/helpers";
import { secret, useProviderHost, type PropertyMap } from "../harness";
import { assertBuilt, hostEnv, REPO_ROOT, TYPES } from "./support";

const provider = packageProvider("amphora-image-build/provider");

/** Places a canary could land if something interpreted the values: the canary dir, the output dir, cwd's. */
async function canaries(dirs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    found.push(...names.filter((n) => n.startsWith("pwned")).map((n) => path.join(dir, n)));
  }
  return found;
}

/** Hostile values for every kind of text input that reaches the builder: argv flags, typed variables, env. */
function hostileInputs(canary: string, victim: string): Record<string, unknown> {
  return {
    // -r: argv element
    rootPassword: `p$(touch ${canary}/pwned-r)\`touch ${canary}/pwned-rb\`; rm -f ${victim} && echo "x" | tee ${canary}/pwned-rt > /dev/null '`,
    // -g / -d: argv elements (no white space allowed by the schema, so ${IFS})
    agentBranch: `master;touch\${IFS}${canary}/pwned-g`,
    release: `$(touch\${IFS}${canary}/pwned-d)`,
    // typed variables
    agentRepoRef: `$(touch ${canary}/pwned-a); rm -f ${victim}`,
    upperConstraints: `\`touch ${canary}/pwned-u\` || rm -f ${victim}`,
    // free environment
    env: { AMP_SECURITY_VALUE: `$(touch ${canary}/pwned-e); rm -f ${victim} > ${canary}/pwned-e2` },
  };
}

describe("security: the builder runs from an argument array, no shell, explicit environment", function () {
  this.timeout(60_000);
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let out: string;
  let canary: string;
  let victim: string;

  before(async () => {
    assertBuilt();
    checkout = await octaviaCheckout();
    out = await tmpDir("amphora-sec-out-");
    canary = await tmpDir("amphora-sec-canary-");
    victim = path.join(canary, "victim");
  });
  beforeEach(async () => {
    await fs.writeFile(victim, "must survive");
  });
  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(canary, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  const searched = () => [canary, out, REPO_ROOT, os.tmpdir(), checkout.root, path.dirname(checkout.script)];

  describe("through the provider host", () => {
    const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, env: hostEnv() }));

    it("metacharacters in rootPassword, agentBranch, release, agentRepoRef, upperConstraints, env and the output path arrive verbatim and run nothing", async () => {
      const record = path.join(out, "rec");
      const hostile = hostileInputs(canary, victim);
      // the output file name itself: spaces, $( ), ;, backticks, quotes
      const output = path.join(out, "amp $(touch pwned-o);`touch pwned-ob` 'q\".qcow2");
      const inputs: PropertyMap = {
        frontEnd: "octavia",
        script: checkout.script,
        output,
        sizeGb: 1,
        progressIntervalSeconds: 0.2,
        validation: NOT_BOOTABLE,
        ...hostile,
        rootPassword: secret(hostile.rootPassword),
        env: { ...(hostile.env as Record<string, string>), FIXTURE_RECORD: record },
      };
      const lc = await ctx.host.lifecycle(provider, TYPES.build, "hostile");
      const created = await lc.up(inputs);
      assert.equal(created.op, "create");
      assert.equal(created.outputs.path, output);
      assert.ok(existsSync(output), "the artifact has the hostile name, as given");

      const { args, env } = await readRecord(record);
      const after = (flag: string) => args[args.indexOf(flag) + 1];
      assert.equal(after("-r"), hostile.rootPassword);
      assert.equal(after("-g"), hostile.agentBranch);
      assert.equal(after("-d"), hostile.release);
      assert.equal(path.basename(after("-o") ?? ""), path.basename(output), "the output path is one argv element");
      assert.ok(args.every((a, i) => (i % 2 === 0) === /^-[a-z]$/.test(a)), `argv is flag/value pairs, one element each: ${JSON.stringify(args)}`);
      assert.equal(env.DIB_REPOREF_amphora_agent, hostile.agentRepoRef);
      assert.equal(env.DIB_REPOLOCATION_upper_constraints, hostile.upperConstraints);
      assert.equal(env.AMP_SECURITY_VALUE, (hostile.env as Record<string, string>).AMP_SECURITY_VALUE);

      assert.deepEqual(await canaries(searched()), [], "no value was interpreted by a shell");
      assert.equal(await fs.readFile(victim, "utf8"), "must survive");

      // The log shows the command shell-quoted (copy-pasteable) with the password redacted.
      const log = await fs.readFile(String(created.outputs.logPath), "utf8");
      assert.ok(!log.includes(hostile.rootPassword as string), "root password redacted in the build log");
      assert.match(log, /^# command: .* -r '?\*\*\*'? /m);

      await lc.destroy();
      assert.ok(!existsSync(output));
    });
  });

  describe("in-process, every child_process entry point spied on", () => {
    const sandbox = sinon.createSandbox();
    const CANARY_ENV = { AMPHORA_SECURITY_CANARY: "should-not-be-inherited", OS_PASSWORD: "should-not-be-inherited-either" };
    let saved: Record<string, string | undefined>;
    beforeEach(() => {
      saved = Object.fromEntries(Object.keys(CANARY_ENV).map((k) => [k, process.env[k]]));
      Object.assign(process.env, CANARY_ENV);
    });
    afterEach(() => {
      sandbox.restore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    function spies() {
      return {
        spawn: sandbox.spy(childProcess, "spawn"),
        spawnSync: sandbox.spy(childProcess, "spawnSync"),
        exec: sandbox.spy(childProcess, "exec"),
        execSync: sandbox.spy(childProcess, "execSync"),
        execFile: sandbox.spy(childProcess, "execFile"),
        execFileSync: sandbox.spy(childProcess, "execFileSync"),
        fork: sandbox.spy(childProcess, "fork"),
      };
    }

    it("a whole build: every process is spawn(file, argv[]) with shell false and its own environment", async () => {
      const hostile = hostileInputs(canary, victim);
      const inputs = parseInputs({
        frontEnd: "octavia",
        script: checkout.script,
        output: path.join(out, "inproc $(touch pwned-i).qcow2"),
        sizeGb: 1,
        validation: NOT_BOOTABLE,
        ...(hostile as object),
      } as Parameters<typeof parseInputs>[0]);
      const s = spies();
      const sink = collector();
      const outs = await buildImage(inputs, { print: sink.print });
      assert.equal(outs.rootPasswordSet, true);

      for (const name of ["spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const) {
        assert.equal(s[name].callCount, 0, `child_process.${name} is never used`);
      }
      const calls = s.spawn.getCalls().map((c) => ({ file: c.args[0] as string, argv: c.args[1] as unknown, options: c.args[2] as childProcess.SpawnOptions }));
      const builder = calls.find((c) => c.file === checkout.script);
      assert.ok(builder, `the builder was spawned: ${calls.map((c) => c.file).join(", ")}`);
      const tools = calls.filter((c) => c.file === "qemu-img" || c.file === "debugfs");
      assert.ok(tools.length >= 2, "validation tools ran too");
      for (const c of calls) {
        assert.ok(Array.isArray(c.argv), `${c.file}: argv is an array`);
        assert.ok(!["sh", "bash", "/bin/sh", "/bin/bash"].includes(c.file), `${c.file}: never a shell as the program`);
        assert.ok(c.options.shell === false || (c.file === process.execPath && c.options.shell === undefined), `${c.file}: shell ${String(c.options.shell)}`);
        assert.ok(c.options.env && c.options.env !== process.env, `${c.file}: environment passed explicitly`);
        for (const k of Object.keys(CANARY_ENV)) assert.ok(!(k in c.options.env), `${c.file}: ${k} not inherited`);
      }
      // runProcess itself (builder and tools) says shell: false explicitly; only the watchdog (node -e) relies on the default
      assert.ok(calls.filter((c) => c.options.shell === false).length >= calls.length - calls.filter((c) => c.file === process.execPath).length);
      const argv = builder.argv as string[];
      assert.equal(argv[argv.indexOf("-r") + 1], hostile.rootPassword);
      assert.equal(argv[argv.indexOf("-d") + 1], hostile.release);
      assert.equal(builder.options.env?.DIB_REPOREF_amphora_agent, hostile.agentRepoRef);
      assert.deepEqual(await canaries(searched()), []);
      assert.equal(await fs.readFile(victim, "utf8"), "must survive");
      assert.ok(!sink.lines.join("\n").includes(hostile.rootPassword as string), "printed lines do not show the password");
      if (process.env.AMPHORA_SECURITY_FIGURES === "1") {
        process.stderr.write(`builder: ${calls.length} spawn calls (${[...new Set(calls.map((c) => path.basename(c.file)))].join(", ")}), 0 other child_process calls\n`);
      }
    });

    it("runProcess: spawn(command, args, { shell: false, env }) passes a hostile argument through untouched", async () => {
      const s = spies();
      const value = `$(touch ${canary}/pwned-p); rm -f ${victim} | \`id\` > ${canary}/pwned-p2 "'`;
      let stdout = "";
      const result = await runProcess({
        command: "printf",
        args: ["%s", value],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        timeoutMs: 10_000,
        onStdout: (c) => (stdout += c.toString("utf8")),
      });
      assert.equal(result.exitCode, 0);
      assert.equal(stdout, value);
      const call = s.spawn.getCalls().find((c) => c.args[0] === "printf");
      assert.ok(call);
      assert.deepEqual(call.args[1], ["%s", value]);
      const options = call.args[2] as childProcess.SpawnOptions;
      assert.equal(options.shell, false);
      assert.deepEqual(options.env, { PATH: process.env.PATH ?? "/usr/bin:/bin" });
      assert.deepEqual(await canaries([canary]), []);
      assert.ok(existsSync(victim));
    });
  });
});
