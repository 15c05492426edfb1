/**
 * scripts/run-program.ts: a Pulumi program run without the Pulumi CLI, its dynamic resources driven through the real
 * dynamic-provider host. The runner runs as a child process (real exit codes and output) on copies of the fixture
 * projects under test/fixtures/programs/:
 *
 * - echo/: echo resources (test/fixtures/echo-package, loaded in the host through the provider shim and the bare
 *   specifier "amphora-echo-fixture/provider/echo", made resolvable by a node_modules link in the project copy, as
 *   test/harness.test.ts does), a recorded non-dynamic resource, stack outputs from config and from the provider.
 * - async-export/: an `export = async () => {...}` program with only non-dynamic resources (run in place).
 *
 * The echo tests form one sequence on one stack (each step starts from the state the previous one left).
 * The fixture provider keeps its "remote" objects in the host process's memory: every run starts a new host, so
 * only calls that do not need earlier objects (create, update, delete) find them; read (refresh) reports them gone.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { verifyCheckpoint } from "./support/checkpoint-check";
import { diagnosticsOf, erroredCount, findRow, row, stackDiagnostics, summaryLine } from "./support/run-output";

const repoRoot = path.resolve(__dirname, "..");
const runner = path.join(repoRoot, "scripts", "run-program.ts");
const programs = path.join(__dirname, "fixtures", "programs");
const SHIM_IMPORT = '"../../../../sdk/internal/provider-shim"';
const TOKEN = "tok-fixture-0123";
const PASSWORD = "pw-fixture-secret";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node -r ts-node/register scripts/run-program.ts ...args` (transpile-only: the tests check types with tsc). */
function runProgram(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...env };
    if (!("PULUMI_CONFIG_PASSPHRASE" in env)) delete childEnv.PULUMI_CONFIG_PASSPHRASE;
    delete childEnv.PULUMI_CONFIG_PASSPHRASE_FILE;
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    const child = spawn(process.execPath, ["-r", "ts-node/register", runner, ...args], {
      cwd: repoRoot,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function explain(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function lines(r: RunResult): string[] {
  return r.stdout.split("\n");
}

/** Index of the line equal to `line`, asserting it is there. */
function lineIndex(r: RunResult, line: string): number {
  const i = lines(r).indexOf(line);
  assert.ok(i >= 0, `expected the line ${JSON.stringify(line)} in:\n${explain(r)}`);
  return i;
}

/** The fields of the engine's events this runner writes (apitype.EngineEvent, sdk/go/common/apitype/events.go). */
const stepStateSchema = z
  .object({ type: z.string(), urn: z.string(), id: z.string(), parent: z.string(), provider: z.string(), inputs: z.record(z.string(), z.unknown()), outputs: z.record(z.string(), z.unknown()) })
  .strict()
  .extend({ custom: z.boolean().optional() });
const metadataSchema = z.object({
  op: z.enum(["same", "create", "update", "delete", "replace", "create-replacement", "delete-replaced", "read", "refresh"]),
  urn: z.string(),
  type: z.string(),
  old: stepStateSchema.nullable(),
  new: stepStateSchema.nullable(),
  keys: z.array(z.string()).optional(),
  detailedDiff: z.null(),
  provider: z.string(),
});
const engineEventSchema = z
  .object({
    sequence: z.number().int(),
    timestamp: z.number().int(),
    preludeEvent: z.object({ config: z.record(z.string(), z.string()) }),
    resourcePreEvent: z.object({ metadata: metadataSchema }),
    resOutputsEvent: z.object({ metadata: metadataSchema }),
    resOpFailedEvent: z.object({ metadata: metadataSchema, status: z.number().int(), steps: z.number().int() }),
    diagnosticEvent: z.object({
      urn: z.string().optional(),
      prefix: z.string().optional(),
      message: z.string(),
      color: z.literal("never"),
      severity: z.enum(["info", "warning", "error"]),
    }),
    summaryEvent: z.object({
      maybeCorrupt: z.boolean(),
      durationSeconds: z.number().int(),
      resourceChanges: z.record(z.string(), z.number().int()),
      PolicyPacks: z.record(z.string(), z.string()),
      isPreview: z.boolean(),
      result: z.enum(["succeeded", "failed"]),
    }),
  })
  .partial()
  .required({ sequence: true, timestamp: true })
  .strict()
  .refine((e) => Object.keys(e).filter((k) => k.endsWith("Event")).length === 1, "exactly one event per line");

const ECHO = "pulumi-nodejs:dynamic/amphora:Echo";
const NOTE = "fixture:index:Note";

/** Asserts the provider printed `line` (provider output is grouped under the stack, as the CLI shows it). */
function assertProviderLine(r: RunResult, line: string): void {
  assert.ok(stackDiagnostics(r.stdout).includes(line), `expected "${line}" in the stack's diagnostics\n${explain(r)}`);
}

function providerCallLines(r: RunResult): string[] {
  return stackDiagnostics(r.stdout).filter((l) => /^[+~-] echo /.test(l));
}

interface StateDoc {
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  resources: {
    urn: string;
    name: string;
    type: string;
    id: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    secretInputs: string[];
    secretOutputs: string[];
  }[];
}

/** A copy of a fixture project in a temporary directory, with the node_modules links the program and host need. */
function copyProject(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `run-program-${name}-`));
  for (const f of fs.readdirSync(path.join(programs, name))) {
    let text = fs.readFileSync(path.join(programs, name, f), "utf8");
    if (f.endsWith(".ts")) {
      assert.ok(text.includes(SHIM_IMPORT), `${f} imports the shim through ${SHIM_IMPORT}`);
      text = text.replace(SHIM_IMPORT, JSON.stringify(path.join(repoRoot, "sdk", "internal", "provider-shim")));
    }
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(repoRoot, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"), "junction");
  fs.symlinkSync(
    path.join(repoRoot, "test", "fixtures", "echo-package"),
    path.join(dir, "node_modules", "amphora-echo-fixture"),
    "junction",
  );
  return dir;
}

describe("scripts/run-program.ts (Pulumi program through the real dynamic-provider host)", function () {
  this.timeout(60_000);

  // Runs that do not depend on the echo sequence are started first and run in parallel with it.
  const early: (() => void)[] = [];
  const startEarly = (fn: () => void) => early.push(fn);
  before(() => early.forEach((fn) => fn()));

  describe("echo program, one stack through its lifecycle", function () {
    let dir: string;
    let statePath: string;
    let baseConfig: Record<string, unknown>;
    let afterUpdate: string;

    before(() => {
      dir = copyProject("echo");
      statePath = path.join(dir, ".pulumi-state", "echo-program.dev.json");
      baseConfig = (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> })
        .config;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const setConfig = (extra: Record<string, unknown>) =>
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify({ config: { ...baseConfig, ...extra } }));
    const up = (...args: string[]) => runProgram([...args, "--dir", dir]);
    const readState = () => JSON.parse(fs.readFileSync(statePath, "utf8")) as StateDoc;

    it("up creates every resource, prints the provider's plan lines under each, and saves state and outputs", async () => {
      const r = await up("up");
      assert.strictEqual(r.code, 0, explain(r));
      assert.strictEqual(lines(r)[0], "Updating (dev):");
      for (const name of ["first", "second", "extra"]) row(r.stdout, "+", ECHO, name, "created");
      // As the CLI's display when stdout is not a terminal: the stack's row first; a step's row when it starts,
      // then the provider's lines of the Create, then its row when it completes; the stack's row once done, with
      // the count of its messages.
      assert.strictEqual(lines(r)[2], "    pulumi:pulumi:Stack echo-program-dev running", explain(r));
      const creating = row(r.stdout, "+", ECHO, "first", "creating");
      assert.match(lines(r)[creating] ?? "", / creating \(0s\)$/);
      const applied = lineIndex(r, '    pulumi:pulumi:Stack echo-program-dev running + echo echo-1 message="hello"');
      assert.ok(creating < applied && applied < row(r.stdout, "+", ECHO, "first", "created"), explain(r));
      assert.ok(row(r.stdout, "+", NOTE, "note", "creating") < row(r.stdout, "+", NOTE, "note", "created"), explain(r));
      const messages = stackDiagnostics(r.stdout).length;
      assert.ok(messages > 0);
      const done = lineIndex(r, `    pulumi:pulumi:Stack echo-program-dev ${messages} messages`);
      assert.ok(done > row(r.stdout, "+", ECHO, "extra", "created") && done < lineIndex(r, "Diagnostics:"), explain(r));
      assertProviderLine(r, '+ echo echo-1 message="hello"');
      assertProviderLine(r, '+ echo echo-2 message="after echo-1"');
      assertProviderLine(r, '+ echo echo-3 message="extra"');
      row(r.stdout, "+", NOTE, "note", "created"); // not dynamic: recorded only
      assert.strictEqual(summaryLine(r.stdout), "Resources: 4 created, 0 updated, 0 unchanged, 0 deleted");
      assert.match(r.stdout, /^Duration: (\d+m)?\d+s$/m);

      // Config reached the program (project key, other namespace) and the provider's configure().
      lineIndex(r, "Outputs:");
      assert.match(r.stdout, /^ {4}programGreeting *: "hi from config"$/m);
      assert.match(r.stdout, /^ {4}authUrl *: "http:\/\/127\.0\.0\.1:5000\/v3"$/m);
      assert.match(r.stdout, /^ {4}providerGreeting *: "hi from config"$/m);
      assert.match(r.stdout, new RegExp(`^ {4}tokenLength *: ${TOKEN.length}$`, "m"));
      assert.match(r.stdout, /^ {4}noteText *: "hello"$/m);
      assert.match(r.stdout, /^ {4}secondPassword *: \[secret\]$/m);
      assert.ok(!r.stdout.includes(PASSWORD));

      const state = readState();
      const names = state.resources.map((x) => x.name);
      assert.deepStrictEqual([...names].sort(), ["extra", "first", "note", "second"]);
      assert.strictEqual(names[0], "first"); // dependencies first
      const first = state.resources.find((x) => x.name === "first")!;
      assert.strictEqual(first.urn, "urn:pulumi:dev::echo-program::pulumi-nodejs:dynamic/amphora:Echo::first");
      assert.strictEqual(first.id, "echo-1");
      assert.strictEqual(typeof first.inputs.__provider, "string"); // like the engine: in inputs and outputs
      assert.strictEqual(first.outputs.__provider, first.inputs.__provider);
      assert.strictEqual(state.outputs.firstId, "echo-1");
      assert.deepStrictEqual(state.secretOutputs, ["secondPassword"]);
      const second = state.resources.find((x) => x.name === "second")!;
      assert.deepStrictEqual([second.secretInputs, second.secretOutputs], [["password"], ["password"]]);
      // No credentials in the state: not the stack config's token, not the secret input.
      const text = fs.readFileSync(statePath, "utf8");
      for (const forbidden of [TOKEN, PASSWORD]) assert.ok(!text.includes(forbidden), `state contains ${forbidden}`);
    });

    it("a second up changes nothing", async () => {
      const before = readState();
      const r = await up("up");
      assert.strictEqual(r.code, 0, explain(r));
      // No rows for unchanged resources (the CLI's non-interactive display); second's secret input came back from
      // the encrypted state intact, or it would show as an update.
      for (const name of ["first", "second", "extra"]) assert.strictEqual(findRow(r.stdout, "~", ECHO, name, "updated"), -1, explain(r));
      assert.strictEqual(summaryLine(r.stdout), "Resources: 0 created, 0 updated, 4 unchanged, 0 deleted");
      assert.deepStrictEqual(providerCallLines(r), []);
      assert.match(r.stdout, /^ {4}secondMessage *: "after echo-1"$/m); // outputs come from state
      assert.match(r.stdout, /^ {4}secondPassword *: \[secret\]$/m);

      // --show-secrets (the CLI's flag): the secret output as it is, and nothing else changes.
      const shown = await up("up", "--show-secrets");
      assert.strictEqual(shown.code, 0, explain(shown));
      assert.match(shown.stdout, new RegExp(`^ {4}secondPassword *: "${PASSWORD}"$`, "m"), explain(shown));
      assert.strictEqual(summaryLine(shown.stdout), "Resources: 0 created, 0 updated, 4 unchanged, 0 deleted");
      assert.deepStrictEqual(
        readState().resources.map((x) => [x.name, x.id]).sort(),
        before.resources.map((x) => [x.name, x.id]).sort(),
      );
    });

    it("preview shows the update a config change makes, without Create/Update calls or a state change", async () => {
      setConfig({ "echo-program:message": "changed" });
      const stateBefore = fs.readFileSync(statePath, "utf8");
      const r = await up("preview");
      assert.strictEqual(r.code, 0, explain(r));
      assert.strictEqual(lines(r)[0], "Previewing update (dev):");
      // The engine's [diff: …]: old inputs vs checked inputs.
      row(r.stdout, "~", ECHO, "first", "update [diff: ~message]");
      row(r.stdout, "~", NOTE, "note", "update [diff: ~text]");
      // second's message depends on first's remoteId, unknown while first is only planned: the engine shows an update
      row(r.stdout, "~", ECHO, "second", "update [diff: ~message]");
      assert.strictEqual(findRow(r.stdout, "~", ECHO, "extra", "update"), -1);
      assert.strictEqual(summaryLine(r.stdout), "Resources: 0 to create, 3 to update, 1 unchanged, 0 to delete");
      assert.match(r.stdout, /^ {4}tokenLength *: \[unknown\]$/m);
      assert.deepStrictEqual(providerCallLines(r), []); // no Create/Update/Delete ran
      assert.strictEqual(fs.readFileSync(statePath, "utf8"), stateBefore);
    });

    it("preview --diff prints every change with its property detail, as the CLI's diff display; --json the preview digest", async function () {
      this.timeout(120_000); // two runs at once
      const stateBefore = fs.readFileSync(statePath, "utf8");
      const [r, j] = await Promise.all([up("preview", "--diff"), up("preview", "--json")]);
      assert.strictEqual(r.code, 0, explain(r));
      const urn = (type: string, name: string) => `urn:pulumi:dev::echo-program::${type}::${name}`;
      const expected = [
        "Previewing update (dev):",
        "",
        "  pulumi:pulumi:Stack: (same)",
        `    [urn=${urn("pulumi:pulumi:Stack", "echo-program-dev")}]`,
        `    ~ ${ECHO}: (update)`,
        "        [id=echo-1]",
        `        [urn=${urn(ECHO, "first")}]`,
        '        bucket : "a"',
        '      ~ message: "hello" => "changed"',
        "        size   : 1",
        `    ~ ${NOTE}: (update)`,
        "        [id=note-id]",
        `        [urn=${urn(NOTE, "note")}]`,
        '      ~ text: "hello" => "changed"',
        `    ~ ${ECHO}: (update)`,
        "        [id=echo-2]",
        `        [urn=${urn(ECHO, "second")}]`,
        // unknown until first is updated; the secret input is not shown
        '      ~ message : "after echo-1" => [unknown]',
        "        password: [secret]",
        "        size    : 1",
        // the stack's outputs: only what changes (outputs known only after the update are not shown)
        "    --outputs:--",
        '  ~ noteText        : "hello" => "changed"',
        "Resources:",
        "    ~ 3 to update",
        "    1 unchanged",
        "",
      ];
      assert.deepStrictEqual(lines(r), [...expected, ""], explain(r));
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
      // Diagnostics (here the provider's output) go to stderr in the diff display, as the CLI writes them.
      assert.match(r.stderr, /^echo: configured #1/m);

      // --json: nothing but the digest on stdout
      assert.strictEqual(j.code, 0, explain(j));
      const digest = JSON.parse(j.stdout) as {
        steps: { op: string; urn: string; oldState?: { inputs: Record<string, unknown> }; newState?: { id?: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> } }[];
        diagnostics: { urn?: string; message: string; severity: string }[];
        duration: number;
        changeSummary: Record<string, number>;
      };
      assert.deepStrictEqual(
        digest.steps.map((st) => [st.op, st.urn]),
        [
          ["same", urn("pulumi:pulumi:Stack", "echo-program-dev")],
          ["update", urn(ECHO, "first")],
          ["update", urn(NOTE, "note")],
          ["update", urn(ECHO, "second")],
        ],
      );
      const step = (name: string) => digest.steps.find((st) => st.urn.endsWith(`::${name}`))!;
      assert.strictEqual(step("first").oldState?.inputs.message, "hello");
      assert.strictEqual(step("first").newState?.inputs.message, "changed");
      assert.strictEqual(step("first").newState?.id, "echo-1");
      assert.strictEqual(step("second").newState?.inputs.message, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"); // unknown
      assert.strictEqual(step("second").newState?.inputs.password, "[secret]");
      assert.strictEqual(step("echo-program-dev").newState?.outputs.secondPassword, "[secret]");
      assert.strictEqual(step("echo-program-dev").newState?.outputs.noteText, "changed");
      assert.ok(!j.stdout.includes(PASSWORD));
      assert.deepStrictEqual(digest.changeSummary, { update: 3, same: 1 });
      assert.ok(digest.diagnostics.some((d) => /^echo: configured #1 \(module \w+\)\n$/.test(d.message) && d.severity === "info" && !d.urn), j.stdout);
      assert.ok(Number.isInteger(digest.duration) && digest.duration > 0);
      assert.strictEqual(fs.readFileSync(statePath, "utf8"), stateBefore);
    });

    it("up with a changed config value updates; a resource removed from the program is deleted", async () => {
      setConfig({ "echo-program:message": "changed", withExtra: false });
      const r = await up("up");
      assert.strictEqual(r.code, 0, explain(r));
      row(r.stdout, "~", ECHO, "first", "updated");
      // The row of an update as it starts carries the engine's summary of the change.
      assert.match(lines(r)[row(r.stdout, "~", ECHO, "first", "updating")] ?? "", / updating \(0s\) \[diff: ~message\]$/, explain(r));
      assert.ok(row(r.stdout, "-", ECHO, "extra", "deleting") < row(r.stdout, "-", ECHO, "extra", "deleted"), explain(r));
      assertProviderLine(r, '~ echo echo-1 message="hello" -> "changed"');
      row(r.stdout, "~", NOTE, "note", "updated");
      assert.strictEqual(findRow(r.stdout, "~", ECHO, "second", "updated"), -1); // its message ("after echo-1") did not change
      row(r.stdout, "-", ECHO, "extra", "deleted");
      assertProviderLine(r, "- echo echo-3");
      assert.strictEqual(summaryLine(r.stdout), "Resources: 0 created, 2 updated, 1 unchanged, 1 deleted");
      const state = readState();
      assert.deepStrictEqual(state.resources.map((x) => x.name).sort(), ["first", "note", "second"]);
      assert.strictEqual(state.resources.find((x) => x.name === "first")?.outputs.message, "changed");
      assert.strictEqual(state.outputs.noteText, "changed");
      afterUpdate = fs.readFileSync(statePath, "utf8");
    });

    it("export writes the state as a deployment pulumi stack import accepts, secrets sealed with the passphrase", async () => {
      const out = path.join(dir, "exported.json");
      const refused = await runProgram(["export", "--dir", dir, "--file", out]);
      assert.strictEqual(refused.code, 1, explain(refused)); // no passphrase: refused, nothing written
      assert.match(refused.stdout, /export needs PULUMI_CONFIG_PASSPHRASE/);
      const r = await runProgram(["export", "--dir", dir, "--file", out], { PULUMI_CONFIG_PASSPHRASE: "export-pass" });
      assert.strictEqual(r.code, 0, explain(r));
      assert.match(r.stderr, /fixture:index:Note::note left out: recorded only by this runner/);
      const text = fs.readFileSync(out, "utf8");
      assert.ok(!text.includes(PASSWORD), "the secret input is sealed");
      const resources = verifyCheckpoint(JSON.parse(text), "export-pass");
      const state = readState();
      const second = resources.find((x) => x.urn.endsWith("::second"));
      assert.strictEqual(second?.inputs?.password, PASSWORD);
      assert.strictEqual(second?.id, state.resources.find((x) => x.name === "second")?.id);
      const stack = resources[0];
      assert.strictEqual(stack?.outputs?.secondPassword, PASSWORD);
      assert.deepStrictEqual(
        resources.filter((x) => x.type === ECHO).map((x) => x.urn.split("::").pop()),
        state.resources.filter((x) => x.type === ECHO).map((x) => x.name),
      );
    });

    it("a provider error fails the run (exit 1) with the provider's message; finished steps stay in state", async () => {
      setConfig({ "echo-program:message": "changed", failMessage: "quota exceeded for images" });
      const r = await up("up");
      assert.strictEqual(r.code, 1, explain(r));
      // As the CLI shows a failed step: its row, its error once under it in Diagnostics, the engine's
      // "update failed" on the stack, and the count of errored rows (the resource and the stack).
      row(r.stdout, "+", ECHO, "extra", "**creating failed** error: quota exceeded for images");
      assert.deepStrictEqual(diagnosticsOf(r.stdout, ECHO, "extra"), ["error: quota exceeded for images"]);
      assert.strictEqual(r.stdout.split("quota exceeded for images").length - 1, 2, explain(r)); // row + diagnostic
      assert.ok(stackDiagnostics(r.stdout).includes("error: update failed"), explain(r));
      lineIndex(r, "    pulumi:pulumi:Stack echo-program-dev **failed** 1 error");
      assert.strictEqual(erroredCount(r.stdout), 2, explain(r));
      assert.ok(!/the program failed/.test(r.stdout), "a step failure is reported once, as the step's error");
      assert.deepStrictEqual(readState().resources.map((x) => x.name).sort(), ["first", "note", "second"]);
    });

    it("check failures fail the run (exit 1) naming the fields", async () => {
      setConfig({ "echo-program:message": "changed", withExtra: false, size: "two" });
      const stateBefore = fs.readFileSync(statePath, "utf8");
      const r = await up("up");
      assert.strictEqual(r.code, 1, explain(r));
      // One error per failure, in the engine's words, before any step: no step symbol, no "update failed".
      const problem = `${ECHO} resource 'first': property size value {two} has a problem: size must be a number`;
      lineIndex(r, `    ${ECHO} first  error: ${problem}`);
      lineIndex(r, `    ${ECHO} first **failed** 1 error`);
      assert.deepStrictEqual(diagnosticsOf(r.stdout, ECHO, "first"), [`error: ${problem}`]);
      assert.ok(!stackDiagnostics(r.stdout).includes("error: update failed"), explain(r));
      assert.strictEqual(erroredCount(r.stdout), 1, explain(r));
      assert.deepStrictEqual(providerCallLines(r), []);
      assert.strictEqual(fs.readFileSync(statePath, "utf8"), stateBefore);
    });

    it("destroy --target deletes the target alone; a target others depend on is refused, naming them, unless --target-dependents", async () => {
      setConfig({ "echo-program:message": "changed", withExtra: false });
      const before = fs.readFileSync(statePath, "utf8");
      const urn = (name: string) => `urn:pulumi:dev::echo-program::${ECHO}::${name}`;

      const refused = await up("destroy", "--target", urn("first"));
      assert.strictEqual(refused.code, 1, explain(refused));
      const errors = stackDiagnostics(refused.stdout).filter((l) => l.startsWith("error: Resource '"));
      assert.deepStrictEqual(
        errors.map((l) => /Resource '([^']+)'/.exec(l)?.[1]).sort(),
        [urn("second"), `urn:pulumi:dev::echo-program::${NOTE}::note`].sort(),
        explain(refused),
      );
      assert.match(errors[0] ?? "", /will be destroyed but was not specified in --target list/);
      assert.strictEqual(fs.readFileSync(statePath, "utf8"), before, "nothing deleted");

      const leaf = await up("destroy", "--target", urn("second"));
      assert.strictEqual(leaf.code, 0, explain(leaf));
      row(leaf.stdout, "-", ECHO, "second", "deleted");
      assert.strictEqual(findRow(leaf.stdout, "-", ECHO, "first", "deleted"), -1);
      assert.deepStrictEqual(readState().resources.map((x) => x.name).sort(), ["first", "note"]);

      fs.writeFileSync(statePath, before);
      const withDependents = await up("destroy", "--target", urn("first"), "--target-dependents");
      assert.strictEqual(withDependents.code, 0, explain(withDependents));
      assert.ok(row(withDependents.stdout, "-", ECHO, "second", "deleted") < row(withDependents.stdout, "-", ECHO, "first", "deleted"));
      assert.deepStrictEqual(readState().resources, []);
      fs.writeFileSync(statePath, before);
    });

    it("destroy deletes every resource through the provider, dependents first, and empties the state", async () => {
      setConfig({ "echo-program:message": "changed", withExtra: false });
      const r = await up("destroy");
      assert.strictEqual(r.code, 0, explain(r));
      assert.strictEqual(lines(r)[0], "Destroying (dev):");
      assertProviderLine(r, "- echo echo-2");
      assertProviderLine(r, "- echo echo-1");
      row(r.stdout, "-", NOTE, "note", "deleted");
      assert.ok(row(r.stdout, "-", ECHO, "second", "deleted") < row(r.stdout, "-", ECHO, "first", "deleted"));
      assert.strictEqual(summaryLine(r.stdout), "Resources: 0 created, 0 updated, 0 unchanged, 3 deleted");
      const state = readState();
      assert.deepStrictEqual([state.resources, state.outputs], [[], {}]);
    });

    it("refresh reads every resource; resources the provider reports gone leave the state", async () => {
      fs.writeFileSync(statePath, afterUpdate); // first, note, second: a new host's echo store has none of them
      const r = await up("refresh");
      assert.strictEqual(r.code, 0, explain(r));
      assert.strictEqual(lines(r)[0], "Refreshing (dev):");
      row(r.stdout, "-", ECHO, "first", "deleted");
      row(r.stdout, "-", ECHO, "second", "deleted");
      assert.strictEqual(findRow(r.stdout, "-", NOTE, "note", "deleted"), -1);
      assert.deepStrictEqual(readState().resources.map((x) => x.name), ["note"]);
    });

    it("independent steps run in parallel, as the engine runs them", async () => {
      // left and right depend on nothing: each create waits until the other has started (the fixture fails it
      // after 20 s alone), so a runner that runs steps one at a time fails here.
      setConfig({ "echo-program:message": "changed", withExtra: false, rendezvous: "pair" });
      const r = await up("up");
      assert.strictEqual(r.code, 0, explain(r));
      // Both rows as they start come before either completes: the display shows the two steps running at once.
      const started = Math.max(row(r.stdout, "+", ECHO, "left", "creating"), row(r.stdout, "+", ECHO, "right", "creating"));
      assert.ok(started < Math.min(row(r.stdout, "+", ECHO, "left", "created"), row(r.stdout, "+", ECHO, "right", "created")), explain(r));
      assert.ok(providerCallLines(r).some((l) => l.endsWith('message="left"')), explain(r));
      assert.ok(providerCallLines(r).some((l) => l.endsWith('message="right"')), explain(r));
    });

    it("refresh calls Diff after Read, as pulumi refresh does; up --refresh refreshes before the update", async () => {
      // A new host's echo store is empty: first and second are gone, left and right (durable) are found.
      const refreshed = await up("refresh");
      assert.strictEqual(refreshed.code, 0, explain(refreshed));
      const ids = readState().resources.filter((x) => x.name === "left" || x.name === "right").map((x) => x.id);
      assert.strictEqual(ids.length, 2, explain(refreshed));
      for (const id of ids) assert.ok(stackDiagnostics(refreshed.stdout).includes(`? echo ${id} diff`), explain(refreshed));
      row(refreshed.stdout, "-", ECHO, "first", "deleted");
      // Every refresh step shows, as the engine's: `refreshing (0s)`, then its result; unchanged has no status.
      for (const name of ["left", "right", "first"]) row(refreshed.stdout, "~", ECHO, name, "refreshing");
      for (const name of ["left", "right"]) lineIndex(refreshed, `    ${ECHO} ${name}`);
      assert.strictEqual(summaryLine(refreshed.stdout), "Resources: 0 created, 0 updated, 3 unchanged, 2 deleted", explain(refreshed));

      // Gone again in the next host: without --refresh up would update first and second in place from stale
      // state; with it they are recreated.
      const r = await up("up", "--refresh");
      assert.strictEqual(r.code, 0, explain(r));
      row(r.stdout, "+", ECHO, "first", "created");
      row(r.stdout, "+", ECHO, "second", "created");
    });

    it("up --json streams the engine's events as they happen, one JSON object per line, as `pulumi up --json`", async () => {
      setConfig({ "echo-program:message": "as json", withExtra: false, rendezvous: "pair" });
      const r = await up("up", "--json");
      assert.strictEqual(r.code, 0, explain(r));
      const events = r.stdout.trimEnd().split("\n").map((l) => engineEventSchema.parse(JSON.parse(l)));
      assert.deepStrictEqual(events.map((e) => e.sequence), events.map((_, i) => i));
      const kinds = events.map((e) => Object.keys(e).find((k) => k.endsWith("Event")));
      assert.strictEqual(kinds[0], "preludeEvent");
      assert.strictEqual(kinds.at(-1), "summaryEvent");
      const firstUrn = "urn:pulumi:dev::echo-program::pulumi-nodejs:dynamic/amphora:Echo::first";
      const pre = events.findIndex((e) => e.resourcePreEvent?.metadata.urn === firstUrn);
      const applied = events.findIndex((e) => /^~ echo \S+ message="changed" -> "as json"\n$/.test(e.diagnosticEvent?.message ?? ""));
      const done = events.findIndex((e) => e.resOutputsEvent?.metadata.urn === firstUrn);
      assert.ok(pre > 0 && pre < applied && applied < done, explain(r)); // started, the provider's Update lines, completed
      const started = events[pre]!.resourcePreEvent!.metadata;
      assert.strictEqual(started.op, "update");
      assert.strictEqual(started.old?.inputs.message, "changed");
      assert.strictEqual(started.new?.inputs.message, "as json");
      assert.strictEqual(events[done]!.resOutputsEvent!.metadata.new?.outputs.message, "as json");
      const stackOutputs = events.find((e) => e.resOutputsEvent?.metadata.type === "pulumi:pulumi:Stack")?.resOutputsEvent?.metadata.new?.outputs;
      assert.strictEqual(stackOutputs?.secondPassword, "[secret]");
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stdout.includes(TOKEN));
      const summary = events.at(-1)!.summaryEvent!;
      assert.deepStrictEqual([summary.result, summary.isPreview, summary.resourceChanges.update], ["succeeded", false, 2]);
    });

    it("a replacement's rows are the engine's steps: create-before-delete deletes the original last, delete-before-replace first", async () => {
      const config = { "echo-program:message": "as json", withExtra: false, rendezvous: "pair" };
      const rowsOf = (r: RunResult) => lines(r).filter((l) => l.includes(`${ECHO} first `)).map((l) => l.replace(/ \(\d+(\.\d+)?s\)/, " (Ns)").split(` ${ECHO} first `).join(" | "));
      setConfig({ ...config, bucket: "b" });
      const cbd = await up("up");
      assert.strictEqual(cbd.code, 0, explain(cbd));
      assert.deepStrictEqual(rowsOf(cbd), [
        " ++ | creating replacement (Ns) [diff: ~bucket]",
        " ++ | created replacement (Ns) [diff: ~bucket]",
        " +- | replacing (Ns) [diff: ~bucket]",
        " +- | replaced (Ns) [diff: ~bucket]",
        " -- | deleting original (Ns)",
        " -- | deleted original (Ns)",
      ]);
      // The original's delete is no logical step of its own (DeleteStep.Logical: !replacing): one replacement.
      assert.strictEqual(summaryLine(cbd.stdout), "Resources: 0 created, 0 updated, 1 replaced, 4 unchanged, 0 deleted");

      setConfig({ ...config, bucket: "c", exclusive: true });
      const dbr = await up("up");
      assert.strictEqual(dbr.code, 0, explain(dbr));
      assert.deepStrictEqual(rowsOf(dbr), [
        " -- | deleting original (Ns)",
        " -- | deleted original (Ns)",
        " +- | replacing (Ns) [diff: +exclusive~bucket]",
        " +- | replaced (Ns) [diff: +exclusive~bucket]",
        " ++ | creating replacement (Ns) [diff: +exclusive~bucket]",
        " ++ | created replacement (Ns) [diff: +exclusive~bucket]",
      ]);
      assert.strictEqual(summaryLine(dbr.stdout), "Resources: 0 created, 0 updated, 1 replaced, 4 unchanged, 0 deleted");

      // A replacement whose create fails: the failure is on the create's row (`++`), as the CLI shows it.
      setConfig({ ...config, bucket: "d", firstFailCreate: "no room for the replacement" });
      const failed = await up("up");
      assert.strictEqual(failed.code, 1, explain(failed));
      assert.deepStrictEqual(rowsOf(failed), [
        " ++ | creating replacement (Ns) [diff: +failCreate-exclusive~bucket]",
        " ++ | **creating failed** error: no room for the replacement",
      ]);
      setConfig({ ...config, bucket: "c", exclusive: true });
      assert.strictEqual((await up("up")).code, 0);
    });
  });

  describe("async-export program (only non-dynamic resources), run in place", function () {
    // Independent of the echo sequence: started right away, in parallel with it, and awaited here.
    const dir = path.join(programs, "async-export");
    let tmp = "";
    const state = (stack: string) => path.join(tmp, `${stack}.json`);
    let started: Record<"dev" | "secure", Promise<RunResult>>;
    startEarly(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "run-program-async-"));
      started = {
        dev: runProgram(["up", "--dir", dir, "--state", state("dev")]),
        secure: runProgram(["up", "--dir", dir, "--stack", "secure", "--state", state("secure")]),
      };
      for (const p of Object.values(started)) p.catch(() => undefined); // awaited by the tests
    });
    after(async () => {
      if (started) await Promise.allSettled(Object.values(started));
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("calls the exported async function, records the resources and uses its result as stack outputs", async () => {
      const r = await started.dev;
      assert.strictEqual(r.code, 0, explain(r));
      row(r.stdout, "+", "openstack:networking/network:Network", "mgmt", "created");
      assert.strictEqual(summaryLine(r.stdout), "Resources: 1 created, 0 updated, 0 unchanged, 0 deleted");
      assert.match(r.stdout, /^ {4}netId *: "mgmt-id"$/m);
      assert.match(r.stdout, /^ {4}netName *: "amphora-mgmt"$/m);
      assert.match(r.stdout, /^ {4}adminStateUp *: true$/m);
      const doc = JSON.parse(fs.readFileSync(state("dev"), "utf8")) as StateDoc;
      assert.deepStrictEqual(
        doc.resources.map((x) => [x.urn, x.id, x.outputs]),
        [["urn:pulumi:dev::async-program::openstack:networking/network:Network::mgmt", "mgmt-id", { name: "amphora-mgmt", adminStateUp: true }]],
      );
      // A provider function (invoke) cannot run here: the program gets an error naming it.
      assert.match(
        String(doc.outputs.invokeError),
        /^run-program: the program invokes the provider function "openstack:images\/getImage:getImage", which this runner cannot execute/,
      );
    });

    it("secure config values are refused with a clear message", async () => {
      const r = await started.secure;
      assert.strictEqual(r.code, 1, explain(r));
      assert.match(r.stdout, /config "openstack:password" is a secure value, which only the Pulumi CLI can decrypt/);
      assert.ok(!fs.existsSync(state("secure")));
    });
  });
});
