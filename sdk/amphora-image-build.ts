import * as pulumi from "@pulumi/pulumi";
import type { AmphoraImageBuildArgsInput } from "../provider/amphora-image-build/inputs";
import type { AmphoraImageBuildOutputs } from "../provider/amphora-image-build/outputs";
import { packageProvider } from "./internal/provider-shim";

/**
 * Builds an Octavia amphora image with Octavia's diskimage-create.sh (`frontEnd: "octavia"`) or diskimage-builder's
 * disk-image-create (`frontEnd: "dib"`), only when its content key (options, environment, builder bytes, element
 * directories) changed, and validates it (qemu-img check, virtual size, kernel, HAProxy and required packages)
 * before any other resource can use it.
 *
 *   const image = new AmphoraImageBuild("amphora", {
 *     frontEnd: "octavia", script: "/src/octavia/diskimage-create/diskimage-create.sh",
 *     output: "build/amphora-x64-haproxy.qcow2", baseOs: "ubuntu-minimal", sizeGb: 3,
 *   });
 *   new GlanceTaggedImage("amphora", { tag: "amphora", file: image.path, diskFormat: image.diskFormat,
 *     expectedSha512: image.sha512 });
 *
 * `rootPassword` is always sent as a secret: the engine keeps it in the state's inputs, encrypted, and the outputs hold
 * only `rootPasswordSet` and a salted scrypt digest. `rootPasswordFrom: { env: "NAME" }` (or `{ file: path }`) is read
 * at build time and keeps only the reference in the state.
 */
export type AmphoraImageBuildArgs = { [K in keyof AmphoraImageBuildArgsInput]: pulumi.Input<AmphoraImageBuildArgsInput[K]> };

export interface AmphoraImageBuildCheck {
  check: "integrity" | "virtualSize" | "kernel" | "packages";
  status: "passed" | "failed" | "disabled" | "not-applicable";
  detail: string;
}

const provider = packageProvider("amphora-image-build/provider");

/** Output properties: registered as undefined so that the engine fills them in. */
const OUTPUTS = [
  "path", "format", "diskFormat", "containerFormat", "virtualSize", "actualSize", "fileSize", "sha256", "sha512",
  "md5", "buildKey", "builtAt", "buildSeconds", "manifestDir", "logPath", "packageVersions", "haproxyVersion",
  "keepalivedVersion", "kernelVersion", "agentVersion", "checks", "dockerImportCommand", "rootPasswordSet",
  "artifactState",
] as const;

export class AmphoraImageBuild extends pulumi.dynamic.Resource {
  /** The artifact (`output` with its `.<imageType>` suffix): GlanceTaggedImage's `file`. */
  declare readonly path: pulumi.Output<string>;
  /** Format detected by qemu-img (qcow2, raw, vpc; a tar probes as raw). */
  declare readonly format: pulumi.Output<string>;
  /** Glance disk_format / container_format (tar → raw/docker): GlanceTaggedImage's `diskFormat` / `containerFormat`. */
  declare readonly diskFormat: pulumi.Output<AmphoraImageBuildOutputs["diskFormat"]>;
  declare readonly containerFormat: pulumi.Output<AmphoraImageBuildOutputs["containerFormat"]>;
  declare readonly virtualSize: pulumi.Output<number>;
  declare readonly actualSize: pulumi.Output<number>;
  declare readonly fileSize: pulumi.Output<number>;
  declare readonly sha256: pulumi.Output<string>;
  /** GlanceTaggedImage's `expectedSha512` (Glance's os_hash_value). */
  declare readonly sha512: pulumi.Output<string>;
  /** Glance's `checksum`. */
  declare readonly md5: pulumi.Output<string>;
  declare readonly buildKey: pulumi.Output<string>;
  declare readonly builtAt: pulumi.Output<string>;
  declare readonly buildSeconds: pulumi.Output<number>;
  /** NAME.d/dib-manifests, or "" when the builder wrote none. */
  declare readonly manifestDir: pulumi.Output<string>;
  declare readonly logPath: pulumi.Output<string>;
  declare readonly packageVersions: pulumi.Output<Record<string, string>>;
  declare readonly haproxyVersion: pulumi.Output<string>;
  declare readonly keepalivedVersion: pulumi.Output<string>;
  declare readonly kernelVersion: pulumi.Output<string>;
  declare readonly agentVersion: pulumi.Output<string>;
  declare readonly checks: pulumi.Output<AmphoraImageBuildCheck[]>;
  /** For tar outputs: the `docker import` command from the base-image spec; "" otherwise. */
  declare readonly dockerImportCommand: pulumi.Output<string>;
  declare readonly rootPasswordSet: pulumi.Output<boolean>;
  /** "modified" after a refresh found different bytes: the next update rebuilds. */
  declare readonly artifactState: pulumi.Output<"ok" | "modified">;

  constructor(name: string, args: AmphoraImageBuildArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    if (args.rootPassword !== undefined) props.rootPassword = pulumi.secret(args.rootPassword);
    for (const key of OUTPUTS) props[key] = undefined;
    super(
      provider,
      name,
      props,
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "rootPasswordDigest"] },
      "amphora",
      "AmphoraImageBuild",
    );
  }
}
