import * as path from "node:path";
import { z } from "zod";
import type { FileDigests } from "../builder/hash-file";
import type { KeyParts } from "./build-key";
import { CHECKS, type ValidationResult } from "./validate/checks";
import { amphoraImageBuildInputsSchema, type AmphoraImageBuildInputs } from "./inputs";
import type { PackageVersions } from "./manifests";
import { artifactPaths } from "./options";
import { digestSecret } from "./secret-digest";

/**
 * State of an AmphoraImageBuild: the normalised inputs (the engine hands old outputs to diff) except
 * `rootPassword`, which is replaced by `rootPasswordSet` and a salted digest, plus the artifact's facts.
 * Optional inputs that were not set are absent; computed fields are always present ("" / 0 / [] / {} when
 * there is nothing to report), never undefined.
 */

function keyPartsSchema() {
  const element = z.object({ root: z.string(), hash: z.string(), files: z.record(z.string(), z.string()) });
  return z.object({
    options: z.string(),
    env: z.string(),
    files: z.record(z.string(), z.string()),
    builder: z.string(),
    elements: z.record(z.string(), element),
  });
}

export function amphoraImageBuildOutputsSchema() {
  const { rootPassword: _secret, ...inputFields } = amphoraImageBuildInputsSchema().shape;
  return z.object({
    ...inputFields,
    path: z.string(),
    /** What qemu-img detected (qcow2, raw, vpc; a tar probes as raw). */
    format: z.string(),
    /** Glance disk_format / container_format for this artifact. */
    diskFormat: z.string(),
    containerFormat: z.string(),
    virtualSize: z.number(),
    actualSize: z.number(),
    fileSize: z.number(),
    sha256: z.string(),
    sha512: z.string(),
    md5: z.string(),
    buildKey: z.string(),
    keyParts: keyPartsSchema(),
    builtAt: z.string(),
    buildSeconds: z.number(),
    manifestDir: z.string(),
    logPath: z.string(),
    packageVersions: z.record(z.string(), z.string()),
    haproxyVersion: z.string(),
    keepalivedVersion: z.string(),
    kernelVersion: z.string(),
    agentVersion: z.string(),
    checks: z.array(z.object({ check: z.enum(CHECKS), status: z.string(), detail: z.string() })),
    dockerImportCommand: z.string(),
    rootPasswordSet: z.boolean(),
    rootPasswordDigest: z.string(),
    /** "ok" after a build or a refresh that found the artifact intact; "modified" when its bytes changed since. */
    artifactState: z.enum(["ok", "modified"]),
  });
}

export type AmphoraImageBuildOutputs = z.infer<ReturnType<typeof amphoraImageBuildOutputsSchema>>;

const GLANCE_FORMATS = { qcow2: ["qcow2", "bare"], raw: ["raw", "bare"], vhd: ["vhd", "bare"], tar: ["raw", "docker"] } as const;

/** The command the base-image spec gives for importing a tar output into Docker. */
export function dockerImportCommand(artifact: string): string {
  const tag = path.basename(artifact, ".tar").replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128);
  const quoted = /^[\w@%+=:,./-]+$/.test(artifact) ? artifact : `'${artifact.replace(/'/g, `'\\''`)}'`;
  return `docker import - image:${tag} < ${quoted}`;
}

export interface BuildFacts {
  digests: FileDigests;
  validation: ValidationResult;
  versions: PackageVersions;
  keyParts: KeyParts;
  buildKey: string;
  builtAt: string;
  buildSeconds: number;
  manifestDirExists: boolean;
}

/** Inputs as they are kept in state: no secret, no undefined. */
export function recordedInputs(inputs: AmphoraImageBuildInputs): Record<string, unknown> {
  const { rootPassword: _secret, ...rest } = inputs;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

export function toOutputs(inputs: AmphoraImageBuildInputs, facts: BuildFacts, previousDigest = ""): AmphoraImageBuildOutputs {
  const paths = artifactPaths(inputs.output, inputs.imageType);
  const [diskFormat, containerFormat] = GLANCE_FORMATS[inputs.imageType];
  return {
    ...(recordedInputs(inputs) as Omit<AmphoraImageBuildInputs, "rootPassword">),
    path: paths.artifact,
    format: facts.validation.info.format,
    diskFormat,
    containerFormat,
    virtualSize: facts.validation.info.virtualSize,
    actualSize: facts.validation.info.actualSize,
    fileSize: facts.digests.size,
    sha256: facts.digests.sha256,
    sha512: facts.digests.sha512,
    md5: facts.digests.md5,
    buildKey: facts.buildKey,
    keyParts: facts.keyParts,
    builtAt: facts.builtAt,
    buildSeconds: facts.buildSeconds,
    manifestDir: facts.manifestDirExists ? paths.manifestDir : "",
    logPath: paths.buildLog,
    packageVersions: facts.versions.versions,
    haproxyVersion: facts.versions.haproxy,
    keepalivedVersion: facts.versions.keepalived,
    kernelVersion: facts.versions.kernel,
    agentVersion: facts.versions.agent,
    checks: facts.validation.reports,
    dockerImportCommand: inputs.imageType === "tar" ? dockerImportCommand(paths.artifact) : "",
    rootPasswordSet: inputs.rootPassword !== undefined,
    rootPasswordDigest: inputs.rootPassword === undefined ? "" : previousDigest || digestSecret(inputs.rootPassword),
    artifactState: "ok",
  };
}
