import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArtifactMissingError, BuildError, BuildInputError, ValidationError } from "./errors";
import { hashFile } from "../common/digests";
import { processAlive } from "../common/process";
import { buildKeyOf, computeKeyParts, type KeyParts } from "./build-key";
import { builderCommand, baseEnv } from "./command";
import type { AmphoraImageBuildInputs } from "./inputs";
import { packageVersions, scrubManifests } from "./manifests";
import { artifactPaths } from "./options";
import { fileId, markDotD } from "./ownership";
import { type AmphoraImageBuildOutputs, toOutputs } from "./outputs";
import { dibExitMeaning, octaviaExitMeaning, runBuild } from "./run-build";
import { validateArtifact, type ValidationResult } from "./validate/checks";

/**
 * One build, start to finish: run the builder into a staging directory next to the artifact, validate what it
 * wrote, and only then move it into place. A failed or invalid build leaves the previous artifact untouched and
 * nothing of its own behind except the log.
 */

export interface BuildContext {
  print: (line: string) => void;
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Key parts already computed by the caller (diff/update), to avoid hashing twice. */
  keyParts?: KeyParts;
  /** Digest to keep when the root password did not change. */
  previousPasswordDigest?: string;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Throws when a check failed; a failed boot's whole serial console goes to the end of the build log first. */
async function throwIfInvalid(artifact: string, result: ValidationResult, logPath: string): Promise<void> {
  const failed = result.reports.filter((r) => r.status === "failed");
  if (!failed.length) return;
  let boot;
  if (result.bootFailure) {
    const header = `# ${new Date().toISOString()} boot check failed at stage ${result.bootFailure.stage}: serial console\n`;
    const logged = await fs.appendFile(logPath, header + result.bootFailure.console + "\n", { mode: 0o600 }).then(
      () => true,
      () => false,
    );
    boot = { stage: result.bootFailure.stage, consoleTail: result.bootFailure.consoleTail, logPath: logged ? logPath : "" };
  }
  throw new ValidationError(artifact, failed.map((r) => ({ check: r.check, detail: r.detail })), boot);
}

/** Moves the staged artifact and its NAME.d over the final ones (the artifact itself by atomic rename). */
async function commit(staged: ReturnType<typeof artifactPaths>, final: ReturnType<typeof artifactPaths>): Promise<void> {
  await fs.rm(final.dotD, { recursive: true, force: true });
  if (await exists(staged.dotD)) await fs.rename(staged.dotD, final.dotD);
  await fs.rename(staged.artifact, final.artifact);
}

/** A full disk met by the provider itself (staging, owner file, hashing, moving into place), said plainly. */
function noSpace(err: unknown, outDir: string): BuildError | undefined {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== "ENOSPC") return undefined;
  return new BuildError(
    `no space left on device in ${outDir} (${(err as Error).message}); free space there and run again (a previous artifact is untouched)`,
    { cause: err },
  );
}

/** Written into each staging directory: which process on which machine is building there. */
const OWNER_FILE = ".amphora-build-owner";

/**
 * Staging directories of earlier builds of this artifact whose provider process is gone (killed mid-build: its
 * `finally` never ran). Only those recorded by a process of this machine that no longer exists are removed, so
 * a build running right now (another process, another machine on a shared disk) keeps its own.
 */
async function removeStaleStaging(outDir: string, artifactName: string, print: (line: string) => void): Promise<void> {
  const prefix = `.${artifactName}.build-`;
  const names = await fs.readdir(outDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(outDir, name);
    const owner = (await fs.readFile(path.join(dir, OWNER_FILE), "utf8").catch(() => "")).trim().split(" ");
    const [host, pidText] = owner.length === 2 ? owner : ["", ""];
    const pid = Number(pidText);
    if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    await fs.rm(dir, { recursive: true, force: true });
    print(`removed ${dir}, left by a build whose provider process (pid ${pid}) was killed`);
  }
}

export async function buildImage(inputs: AmphoraImageBuildInputs, ctx: BuildContext): Promise<AmphoraImageBuildOutputs> {
  const final = artifactPaths(inputs.output, inputs.imageType);
  const outDir = path.dirname(final.artifact);
  if (!(await exists(outDir))) throw new BuildInputError(`output: directory ${outDir} does not exist`);
  const keyParts = ctx.keyParts ?? (await computeKeyParts(inputs));
  await removeStaleStaging(outDir, path.basename(final.artifact), ctx.print);
  const staging = await fs.mkdtemp(path.join(outDir, `.${path.basename(final.artifact)}.build-`)).catch((err: unknown) => {
    throw noSpace(err, outDir) ?? err;
  });
  try {
    await fs.writeFile(path.join(staging, OWNER_FILE), `${os.hostname()} ${process.pid}\n`);
    const stagedOutput = path.join(staging, path.basename(inputs.output));
    const staged = artifactPaths(stagedOutput, inputs.imageType);
    const cmd = builderCommand(inputs, stagedOutput, staging, baseEnv());
    const started = Date.now();
    const { tail } = await runBuild(cmd, {
      label: cmd.builder,
      logPath: final.buildLog,
      artifact: final.artifact,
      timeoutMs: inputs.timeoutSeconds * 1000,
      progressIntervalMs: inputs.progressIntervalSeconds * 1000,
      print: ctx.print,
      meaning: inputs.frontEnd === "octavia" ? octaviaExitMeaning : dibExitMeaning,
      signal: ctx.signal,
      killGraceMs: ctx.killGraceMs,
    });
    if (!(await exists(staged.artifact))) {
      throw new ArtifactMissingError(final.artifact, { logPath: final.buildLog, tail });
    }
    await scrubManifests(staged.manifestDir, cmd.secrets);
    ctx.print(`validating`);
    const validation = await validateArtifact(staged.artifact, inputs.imageType, inputs.sizeGb, inputs.validation, {
      frontEnd: inputs.frontEnd,
      arch: inputs.arch,
      print: ctx.print,
      signal: ctx.signal,
    });
    await throwIfInvalid(final.artifact, validation, final.buildLog);
    const digests = await hashFile(staged.artifact, ctx.signal);
    const versions = await packageVersions(staged.manifestDir, validation.installed, inputs.validation.requiredPackages);
    const manifestDirExists = await exists(staged.manifestDir);
    await markDotD(staged.dotD, final.artifact);
    await commit(staged, final);
    const placed = await fileId(final.artifact);
    const outputs = toOutputs(
      inputs,
      {
        digests,
        validation,
        versions,
        keyParts,
        buildKey: buildKeyOf(keyParts),
        builtAt: new Date().toISOString(),
        artifactFileId: placed,
        buildSeconds: Math.round((Date.now() - started) / 100) / 10,
        manifestDirExists,
      },
      ctx.previousPasswordDigest,
    );
    ctx.print(`built, ${digests.size} bytes, sha256 ${digests.sha256.slice(0, 12)}…`);
    if (outputs.dockerImportCommand) ctx.print(`import into Docker with: ${outputs.dockerImportCommand}`);
    return outputs;
  } catch (err) {
    throw noSpace(err, outDir) ?? err;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Runs the validation checks again on the existing artifact (only validation settings changed). */
export async function revalidate(
  inputs: AmphoraImageBuildInputs,
  olds: AmphoraImageBuildOutputs,
  print: (line: string) => void = () => undefined,
): Promise<AmphoraImageBuildOutputs> {
  const validation = await validateArtifact(olds.path, inputs.imageType, inputs.sizeGb, inputs.validation, { frontEnd: inputs.frontEnd, arch: inputs.arch, print });
  await throwIfInvalid(olds.path, validation, olds.logPath);
  const manifestDir = artifactPaths(inputs.output, inputs.imageType).manifestDir;
  const versions = await packageVersions(manifestDir, validation.installed, inputs.validation.requiredPackages);
  return toOutputs(
    inputs,
    {
      digests: { size: olds.fileSize, sha256: olds.sha256, sha512: olds.sha512, md5: olds.md5 },
      validation,
      versions,
      keyParts: olds.keyParts,
      buildKey: olds.buildKey,
      builtAt: olds.builtAt,
      // The file validated now is the one this state vouches for (state of older versions recorded none).
      artifactFileId: await fileId(olds.path),
      buildSeconds: olds.buildSeconds,
      manifestDirExists: olds.manifestDir !== "",
    },
    olds.rootPasswordDigest,
  );
}
