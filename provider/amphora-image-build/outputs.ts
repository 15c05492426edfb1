import * as path from "node:path";
import { z } from "zod";
import type { FileDigests } from "../common/digests";
import type { KeyParts } from "./build-key";
import { CHECKS, type ValidationResult } from "./validate/checks";
import { amphoraImageBuildInputsSchema, type AmphoraImageBuildInputs, type ImageType } from "./inputs";
import type { GlanceTaggedImageInputs } from "../glance-tagged-image/inputs";
import type { PackageVersions } from "./manifests";
import { artifactPaths } from "./options";
import { digestSecret } from "./secret-digest";
import { once } from "../common/once";

/**
 * State of an AmphoraImageBuild: the normalised inputs (the engine hands old outputs to diff) except
 * `rootPassword`, which is replaced by `rootPasswordSet` and a salted digest, plus the artifact's facts.
 * Optional inputs that were not set are absent; computed fields are always present ("" / 0 / [] / {} when
 * there is nothing to report), never undefined.
 */

function keyPartsSchema() {
  const element = z
    .object({
      root: z.string().describe("The elements directory the element was found in."),
      hash: z.string().describe("Digest of the element's files (bytes, executable bit, symlink targets)."),
      files: z.record(z.string(), z.string()).describe("Relative path → first 16 hex digits of the file's digest."),
    })
    .describe("Digest of one element directory.");
  return z
    .object({
      options: z.string().describe("sha256 of the effective build options (defaults applied)."),
      env: z.string().describe("sha256 of `env`."),
      files: z
        .record(z.string(), z.string())
        .describe("Role (`script`, `command`, `localImage`) → sha256 of the file (`localImage`: of its size and modification time)."),
      builder: z.string().describe("`disk-image-create --version` of the diskimage-builder the build uses, or `not found`."),
      builderIdentity: z
        .string()
        .default("")
        .describe(
          "Not part of the key: the `disk-image-create` (and its interpreter) `builder` was read from, by path, inode, size and times; while it is the same, diffs reuse `builder` instead of running `--version`.",
        ),
      elements: z.record(z.string(), element).describe("Element name → digest, for every element directory the build reads."),
    })
    .describe("The parts of the build key, kept so that a diff can say what changed (`element haproxy-octavia changed (2 files)`).");
}

/**
 * Glance disk_format / container_format of each image type: the only values `diskFormat` and `containerFormat`
 * can take, so the SDK types them as the closed sets GlanceTaggedImage accepts.
 */
const GLANCE_FORMATS = {
  qcow2: ["qcow2", "bare"],
  raw: ["raw", "bare"],
  vhd: ["vhd", "bare"],
  tar: ["raw", "docker"],
} as const satisfies Record<ImageType, readonly [GlanceTaggedImageInputs["diskFormat"], GlanceTaggedImageInputs["containerFormat"]]>;

type GlanceFormatPair = (typeof GLANCE_FORMATS)[ImageType];

/** The distinct values at one position of the pairs, as z.enum wants them. */
function glanceFormats<I extends 0 | 1>(position: I): [GlanceFormatPair[I], ...GlanceFormatPair[I][]] {
  return [...new Set(Object.values(GLANCE_FORMATS).map((pair) => pair[position]))] as [GlanceFormatPair[I], ...GlanceFormatPair[I][]];
}

export const amphoraImageBuildOutputsSchema = once(function amphoraImageBuildOutputsSchema() {
  const { rootPassword: _secret, ...inputFields } = amphoraImageBuildInputsSchema().shape;
  return z.object({
    ...inputFields,
    path: z.string().describe("The artifact: `output` with its `.<imageType>` suffix. GlanceTaggedImage's `file`."),
    /** What qemu-img detected (qcow2, raw, vpc; a tar probes as raw). */
    format: z.string().describe("Format qemu-img detected (qcow2, raw, vpc; a tar probes as raw)."),
    /** Glance disk_format / container_format for this artifact. */
    diskFormat: z.enum(glanceFormats(0)).describe("Glance `disk_format` for the artifact (qcow2, raw, vhd; tar → raw). GlanceTaggedImage's `diskFormat`."),
    containerFormat: z.enum(glanceFormats(1)).describe("Glance `container_format` (bare; tar → docker). GlanceTaggedImage's `containerFormat`."),
    virtualSize: z.number().describe("Virtual size in bytes (qemu-img)."),
    actualSize: z.number().describe("Bytes allocated on disk (qemu-img)."),
    fileSize: z.number().describe("File size in bytes."),
    sha256: z.string().describe("sha256 of the artifact."),
    sha512: z.string().describe("sha512 of the artifact: GlanceTaggedImage's `expectedSha512` (Glance's `os_hash_value`)."),
    md5: z.string().describe("md5 of the artifact (Glance's `checksum`)."),
    buildKey: z.string().describe("sha256 over the key parts: the same key means the builder would produce the same image, so it does not run."),
    keyParts: keyPartsSchema(),
    builtAt: z.string().describe("ISO time the artifact was built."),
    artifactFileId: z
      .string()
      .default("")
      .describe(
        "Inode number of the artifact file this build (or the last validation) put in place: delete removes the artifact, its `NAME.d` and its log only while the path still holds this file, not one a replacement built at the same path since (\"\" in state of older versions until a validation: removed by path).",
      ),
    buildSeconds: z.number().describe("Seconds from the builder's start to the validated artifact in place."),
    manifestDir: z.string().describe("`NAME.d/dib-manifests` next to the artifact, or \"\" when the builder wrote none."),
    logPath: z.string().describe("The provider's full log of the last build (`<output base>.build.log`, secrets redacted)."),
    packageVersions: z
      .record(z.string(), z.string())
      .describe("Package → version for haproxy, keepalived, the kernel, the amphora agent and `requiredPackages` (those found)."),
    haproxyVersion: z.string().describe("Version of the haproxy package, or \"\"."),
    keepalivedVersion: z.string().describe("Version of the keepalived package, or \"\"."),
    kernelVersion: z.string().describe("Kernel release (suffix of the `linux-image-<release>` package), or \"\"."),
    agentVersion: z.string().describe("Version of the amphora agent package, or `git <ref>` from the source manifest, or \"\"."),
    checks: z
      .array(
        z
          .object({
            check: z.enum(CHECKS).describe("The check's name (see `validation`)."),
            status: z.string().describe("`passed`, `failed`, `disabled`, `not-applicable` or `skipped` (boot: not run, with why)."),
            detail: z.string().describe("What the check found."),
          })
          .describe("One validation check."),
      )
      .describe("One report per validation check of the last build or validation."),
    boot: z
      .object({
        seconds: z.number().describe("Seconds from QEMU's start to the agent's answer; 0 when the image was not booted or the agent did not answer."),
        accelerator: z.string().describe("`kvm` or `tcg`; \"\" when the image was not booted."),
        stage: z.string().describe("The last boot stage reached: `agent` when it answered; \"\" when not booted."),
        agent: z
          .record(z.string(), z.string())
          .describe("What the agent's `GET /<api_version>/info` reported: `api_version`, `haproxy_version`, `hostname` and, with keepalived, `keepalived_version` and `ipvsadm_version`."),
      })
      .default({ seconds: 0, accelerator: "", stage: "", agent: {} })
      .describe("Facts of the boot check of the last build or validation (`validation.boot`); zeros when it did not run."),
    dockerImportCommand: z.string().describe("For tar outputs: the `docker import` command of the base-image spec; \"\" otherwise."),
    rootPasswordSet: z.boolean().describe("Whether `rootPassword` or `rootPasswordFrom` was given."),
    rootPasswordDigest: z
      .string()
      .describe("Salted scrypt digest of `rootPassword` (\"\" without one), to notice a changed password; marked secret by the SDK."),
    /** "ok" after a build or a refresh that found the artifact intact; "modified" when its bytes changed since. */
    artifactState: z
      .enum(["ok", "modified"])
      .describe("`ok` after a build or a refresh that found the artifact intact; `modified` when a refresh found other bytes (the next update rebuilds)."),
  });
});

export type AmphoraImageBuildOutputs = z.infer<ReturnType<typeof amphoraImageBuildOutputsSchema>>;

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
  artifactFileId: string;
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
    artifactFileId: facts.artifactFileId,
    buildSeconds: facts.buildSeconds,
    manifestDir: facts.manifestDirExists ? paths.manifestDir : "",
    logPath: paths.buildLog,
    packageVersions: facts.versions.versions,
    haproxyVersion: facts.versions.haproxy,
    keepalivedVersion: facts.versions.keepalived,
    kernelVersion: facts.versions.kernel,
    agentVersion: facts.versions.agent,
    checks: facts.validation.reports,
    boot: facts.validation.boot,
    dockerImportCommand: inputs.imageType === "tar" ? dockerImportCommand(paths.artifact) : "",
    rootPasswordSet: inputs.rootPassword !== undefined,
    rootPasswordDigest: inputs.rootPassword === undefined ? "" : previousDigest || digestSecret(inputs.rootPassword),
    artifactState: "ok",
  };
}
