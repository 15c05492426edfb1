import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ArtifactMissingError, BuildInputError, ValidationError } from "../builder/errors";
import { hashFile } from "../builder/hash-file";
import { buildKeyOf, computeKeyParts, type KeyParts } from "./build-key";
import { builderCommand, baseEnv } from "./command";
import type { AmphoraImageBuildInputs } from "./inputs";
import { packageVersions, scrubManifests } from "./manifests";
import { artifactPaths } from "./options";
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

function throwIfInvalid(artifact: string, result: ValidationResult): void {
  const failed = result.reports.filter((r) => r.status === "failed");
  if (failed.length) throw new ValidationError(artifact, failed.map((r) => ({ check: r.check, detail: r.detail })));
}

/** Moves the staged artifact and its NAME.d over the final ones (the artifact itself by atomic rename). */
async function commit(staged: ReturnType<typeof artifactPaths>, final: ReturnType<typeof artifactPaths>): Promise<void> {
  await fs.rm(final.dotD, { recursive: true, force: true });
  if (await exists(staged.dotD)) await fs.rename(staged.dotD, final.dotD);
  await fs.rename(staged.artifact, final.artifact);
}

export async function buildImage(inputs: AmphoraImageBuildInputs, ctx: BuildContext): Promise<AmphoraImageBuildOutputs> {
  const final = artifactPaths(inputs.output, inputs.imageType);
  const outDir = path.dirname(final.artifact);
  if (!(await exists(outDir))) throw new BuildInputError(`output: directory ${outDir} does not exist`);
  const keyParts = ctx.keyParts ?? (await computeKeyParts(inputs));
  const staging = await fs.mkdtemp(path.join(outDir, `.${path.basename(final.artifact)}.build-`));
  try {
    const stagedOutput = path.join(staging, path.basename(inputs.output));
    const staged = artifactPaths(stagedOutput, inputs.imageType);
    const cmd = builderCommand(inputs, stagedOutput, staging, baseEnv());
    const started = Date.now();
    const { tail } = await runBuild(cmd, {
      label: `${cmd.builder} ${path.basename(final.artifact)}`,
      logPath: final.buildLog,
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
    ctx.print(`${path.basename(final.artifact)}: validating`);
    const validation = await validateArtifact(staged.artifact, inputs.imageType, inputs.sizeGb, inputs.validation);
    throwIfInvalid(final.artifact, validation);
    const digests = await hashFile(staged.artifact, ctx.signal);
    const versions = await packageVersions(staged.manifestDir, validation.installed, inputs.validation.requiredPackages);
    const manifestDirExists = await exists(staged.manifestDir);
    await commit(staged, final);
    const outputs = toOutputs(
      inputs,
      {
        digests,
        validation,
        versions,
        keyParts,
        buildKey: buildKeyOf(keyParts),
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - started) / 100) / 10,
        manifestDirExists,
      },
      ctx.previousPasswordDigest,
    );
    ctx.print(`${path.basename(final.artifact)}: built, ${digests.size} bytes, sha256 ${digests.sha256.slice(0, 12)}…`);
    if (outputs.dockerImportCommand) ctx.print(`import into Docker with: ${outputs.dockerImportCommand}`);
    return outputs;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Runs the validation checks again on the existing artifact (only validation settings changed). */
export async function revalidate(
  inputs: AmphoraImageBuildInputs,
  olds: AmphoraImageBuildOutputs,
): Promise<AmphoraImageBuildOutputs> {
  const validation = await validateArtifact(olds.path, inputs.imageType, inputs.sizeGb, inputs.validation);
  throwIfInvalid(olds.path, validation);
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
      buildSeconds: olds.buildSeconds,
      manifestDirExists: olds.manifestDir !== "",
    },
    olds.rootPasswordDigest,
  );
}
