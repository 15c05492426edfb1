/**
 * Runs a Pulumi program without the Pulumi CLI, through @pulumi/pulumi's real dynamic-provider host:
 *
 *   npx ts-node scripts/run-program.ts [up|preview|destroy|refresh] [--dir <project dir>] [--stack <name>]
 *                                      [--state <file>] [--target <urn>]... [--target-dependents] [--replace <urn>]... [--refresh]
 *                                      [--diff] [--json] [--show-secrets]
 *
 *   --dir    the Pulumi project (Pulumi.yaml, program, Pulumi.<stack>.yaml)       default: .
 *   --stack  stack name: config from Pulumi.<stack>.yaml                         default: dev
 *   --state  state file                           default: <dir>/.pulumi-state/<project>.<stack>.json
 *   --target   only this resource gets a step (repeatable), as `pulumi up --target`
 *   --target-dependents  (destroy) also delete what depends on the targets, as `pulumi destroy --target-dependents`
 *   --replace  replace this resource without asking its provider's Diff (repeatable), as `pulumi up --replace`
 *   --refresh  (up, preview) refresh every resource in state first, as `pulumi up --refresh`
 *   --diff     the CLI's diff display: each step with its property changes (engine/display/diff-reporter.ts);
 *              diagnostics on stderr
 *   --show-secrets  secret values shown where the display prints [secret] (not in --json, as in the CLI)
 *   --json     preview: only the CLI's preview digest, as JSON (engine/display/json-digest.ts); up, destroy,
 *              refresh: the engine's events, one JSON object per line as they happen (engine/display/json-events.ts)
 *
 *   export [--file <out.json>]: the state as a deployment `pulumi stack import` accepts (secrets sealed with
 *   PULUMI_CONFIG_PASSPHRASE as the CLI's passphrase secrets manager seals them); scripts/up.sh uses it to move a
 *   stack to the CLI's backend.
 *
 * Where the Pulumi CLI is installed, run `pulumi up` instead: this runner exists for machines (CI) where it is
 * not. The program runs in this process under `pulumi.runtime.setMocks`; dynamic resources are driven through
 * the dynamic-provider host like the engine drives them; other resource types are only recorded. See
 * engine/deployment/ for for the step semantics and the limits. Exit code 1 on any error.
 *
 * Secret config (`secure:` values) needs the CLI to decrypt: give such values as plain config in an uncommitted
 * stack file or through the environment (OS_* for the OpenStack credentials). Secret values in the state file are
 * encrypted (PULUMI_CONFIG_PASSPHRASE when set, else a key file next to the state).
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { toCheckpoint } from "../engine/checkpoint";
import type { Command } from "../engine/deployment/deployment";
import { ProjectError, readProject, readStackConfig, type Project } from "../engine/project";
import { StateStore, defaultStatePath } from "../engine/state";

type CliCommand = Command | "export";
const COMMANDS: readonly CliCommand[] = ["up", "preview", "destroy", "refresh", "export"];

export interface CliArgs {
  command: CliCommand;
  dir: string;
  stack: string;
  state?: string;
  targets: string[];
  /** `--target-dependents` (destroy only here). */
  targetDependents: boolean;
  replace: string[];
  refresh: boolean;
  /** `--diff`: the CLI's diff display (every step with its property changes) instead of resource rows. */
  diff: boolean;
  /** `--json`: the preview digest (preview) or the engine's event stream (up, destroy, refresh) instead of the display. */
  json: boolean;
  /** `--show-secrets`: secret values shown in the display. */
  showSecrets: boolean;
  /** export: where the deployment is written (default: stdout). */
  file?: string;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let command: CliCommand | undefined;
  let dir = ".";
  let stack = "dev";
  let state: string | undefined;
  const targets: string[] = [];
  const replace: string[] = [];
  let refresh = false;
  let targetDependents = false;
  let diff = false;
  let json = false;
  let showSecrets = false;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const [flag, inline] = a.split("=", 2) as [string, string | undefined];
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (a === "--dir" || a.startsWith("--dir=")) dir = value();
    else if (a === "--stack" || a.startsWith("--stack=")) stack = value();
    else if (a === "--state" || a.startsWith("--state=")) state = value();
    else if (a === "--target" || a.startsWith("--target=")) targets.push(urnArg(value()));
    else if (a === "--replace" || a.startsWith("--replace=")) replace.push(urnArg(value()));
    else if (a === "--target-dependents") targetDependents = true;
    else if (a === "--refresh") refresh = true;
    else if (a === "--diff") diff = true;
    else if (a === "--json") json = true;
    else if (a === "--show-secrets") showSecrets = true;
    else if (a === "--file" || a.startsWith("--file=")) file = value();
    else if (a === "-h" || a === "--help") throw new UsageError("");
    else if (!a.startsWith("-") && command === undefined) {
      if (!(COMMANDS as readonly string[]).includes(a)) throw new UsageError(`unknown command "${a}"`);
      command = a as CliCommand;
    } else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (json && command === "export") throw new UsageError("--json is for up, preview, destroy and refresh");
  if (json && diff) throw new UsageError("--json and --diff exclude each other");
  if (targetDependents && command !== "destroy") throw new UsageError("--target-dependents is for destroy in this runner");
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`invalid stack name "${stack}"`);
  return { command: command ?? "up", dir, stack, state, targets, targetDependents, replace, refresh, diff, json, showSecrets, file };
}

function urnArg(value: string): string {
  if (!value.startsWith("urn:pulumi:")) throw new UsageError(`"${value}" is not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>)`);
  return value;
}

class UsageError extends Error {}

const USAGE =
  "usage: npx ts-node scripts/run-program.ts [up|preview|destroy|refresh] [--dir <project dir>] " +
  "[--stack <name>] [--state <file>] [--target <urn>]... [--target-dependents] [--replace <urn>]... [--refresh] [--diff] [--json] [--show-secrets]\n" +
  "       npx ts-node scripts/run-program.ts export [--dir <project dir>] [--stack <name>] [--state <file>] [--file <out.json>]";

export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`run-program: ${e.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      return e.message ? 1 : 0;
    }
    throw e;
  }
  try {
    const project = readProject(args.dir);
    const config = readStackConfig(project, args.stack);
    const statePath = path.resolve(args.state ?? defaultStatePath(project.dir, project.name, args.stack));
    if (args.command === "export") return exportState(project, args, statePath);
    // Loaded only now: @pulumi/pulumi and the harness take a second to load, not needed for usage/config errors.
    const { Deployment } = await import("../engine/deployment/deployment");
    const { Reporter } = await import("../engine/report");
    const { DiffReporter } = await import("../engine/display/diff-reporter");
    const { JsonDigestReporter } = await import("../engine/display/json-digest");
    const { JsonEventReporter } = await import("../engine/display/json-events");
    const jsonReporter = () => (args.command === "preview" ? new JsonDigestReporter() : new JsonEventReporter());
    const reporter = args.json ? jsonReporter() : args.diff ? new DiffReporter(args.command === "preview") : new Reporter();
    reporter.showSecrets = args.showSecrets && !args.json; // the CLI's JSON never shows secrets
    return await new Deployment({
      command: args.command,
      project,
      stack: args.stack,
      config: config.values,
      statePath,
      targets: args.targets,
      targetDependents: args.targetDependents,
      replace: args.replace,
      refresh: args.refresh,
      reporter,
    }).run();
  } catch (e) {
    if (e instanceof ProjectError) {
      process.stdout.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** `export`: the state as a deployment `pulumi stack import` accepts (engine/checkpoint.ts). */
function exportState(project: Project, args: CliArgs, statePath: string): number {
  const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE;
  if (passphrase === undefined) {
    process.stdout.write(
      "error: export needs PULUMI_CONFIG_PASSPHRASE (the passphrase of the CLI stack it is imported into; may be empty)\n",
    );
    return 1;
  }
  if (!fs.existsSync(statePath)) {
    process.stdout.write(`error: no state at ${statePath}\n`);
    return 1;
  }
  const state = new StateStore(statePath, project.name, args.stack).load();
  const projectRequire = createRequire(path.join(project.dir, "__run-program__.js"));
  const version = (projectRequire("@pulumi/pulumi/package.json") as { version: string }).version;
  const { checkpoint, skipped } = toCheckpoint(state, { passphrase, engineVersion: `v${version}` });
  const text = JSON.stringify(checkpoint, null, 2) + "\n";
  if (args.file) fs.writeFileSync(args.file, text, { mode: 0o600 });
  else process.stdout.write(text);
  for (const urn of skipped) {
    process.stderr.write(`warning: ${urn} left out: recorded only by this runner (never created); the CLI will create it\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stdout.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
