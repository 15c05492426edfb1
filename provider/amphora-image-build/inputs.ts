import * as path from "node:path";
import { z } from "zod";
import { DIB_ARCHES, FRONT_ENDS, IMAGE_TYPES, OCTAVIA_ARCHES, OCTAVIA_BACKENDS, OCTAVIA_BASE_OS } from "./constants";
import { crossFieldRules } from "./input-rules";

/**
 * Inputs of AmphoraImageBuild, the single source of its input types. Built behind a function: a zod schema made
 * at module top level cannot be captured by a serialized provider (see pulumi-dynamic-providers notes).
 *
 * One flat object for both front ends (`frontEnd: "octavia" | "dib"`), so that `check` can validate field by field
 * while some inputs are still unknown; the rules in input-rules.ts reject fields the chosen front end does not
 * read. Front-end-specific fields carry no zod default: the effective defaults (those of diskimage-create.sh)
 * are applied in options.ts.
 */

export { DIB_ARCHES, FRONT_ENDS, IMAGE_TYPES, OCTAVIA_ARCHES, OCTAVIA_BACKENDS, OCTAVIA_BASE_OS } from "./constants";
export type { FrontEnd, ImageType } from "./constants";

const ALL_ARCHES: readonly string[] = [...new Set<string>([...OCTAVIA_ARCHES, ...DIB_ARCHES])];

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const ELEMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_:-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function text() {
  return z
    .string()
    .min(1, "must not be empty")
    .refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters (newlines, tabs, NUL)");
}

/** A filesystem path; relative paths are resolved against the Pulumi project directory (the host's cwd). */
function filePath() {
  return text().transform((p) => path.resolve(p));
}

function nameList(pattern: RegExp, what: string) {
  return z
    .array(text().regex(pattern, `must be a ${what} name (${pattern.source})`))
    .refine((list) => new Set(list).size === list.length, `must not list a ${what} twice`);
}

function envSchema() {
  return z.record(z.string(), z.string()).superRefine((env, ctx) => {
    for (const [name, value] of Object.entries(env)) {
      if (!ENV_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `"${name}" must be a shell variable name` });
      if (value.includes("\0")) ctx.addIssue({ code: "custom", path: [name], message: "must not contain NUL" });
    }
  });
}

function validationSchema() {
  return z
    .strictObject({
      /** qemu-img check for qcow2, a readable header/footer for vhd/raw, a complete archive for tar. */
      integrity: z.boolean().default(true),
      /** Virtual size equals sizeGb GiB (disk images only). */
      virtualSize: z.boolean().default(true),
      /** A kernel under /boot. */
      kernel: z.boolean().default(true),
      /** haproxy plus `requiredPackages` installed according to /var/lib/dpkg/status. */
      packages: z.boolean().default(true),
      requiredPackages: nameList(PACKAGE_NAME, "package").default([]),
    })
    .default({ integrity: true, virtualSize: true, kernel: true, packages: true, requiredPackages: [] });
}

export function amphoraImageBuildInputsSchema() {
  const flag = z.boolean().optional();
  return z
    .strictObject({
      frontEnd: z.enum(FRONT_ENDS),
      /** -o: the artifact path; a trailing ".<imageType>" is optional, as with the builders themselves. */
      output: filePath(),
      imageType: z.enum(IMAGE_TYPES).default("qcow2"),
      sizeGb: z.number().int("must be a whole number of GB").min(1, "must be at least 1").max(4096).default(2),
      /** Any architecture either builder knows; input-rules.ts narrows it per front end. */
      arch: z
        .string()
        .refine((a) => ALL_ARCHES.includes(a), `must be one of ${ALL_ARCHES.join(", ")}`)
        .optional(),
      release: text().regex(/^\S+$/, "must not contain spaces").optional(),
      elements: nameList(ELEMENT_NAME, "element").optional(),
      env: envSchema().default({}),
      cacheDir: filePath().optional(),
      workDir: filePath().optional(),
      logFile: filePath().optional(),
      noTmpfs: flag,
      trace: flag,
      distributionMirror: text().url("must be a URL").optional(),
      localImage: filePath().optional(),
      grubTimeout: z.number().int().min(0).optional(),

      // octavia (diskimage-create.sh)
      script: filePath().optional(),
      backend: z.enum(OCTAVIA_BACKENDS).optional(),
      baseOs: z.enum(OCTAVIA_BASE_OS).optional(),
      kernelPackage: text().regex(PACKAGE_NAME, "must be a package name").optional(),
      agentBranch: text().regex(/^\S+$/, "must not contain spaces").optional(),
      enforcingMac: flag,
      cpuPinning: flag,
      noSshd: flag,
      agentFromPackages: flag,
      fips: flag,
      rootPassword: text().max(256).optional(),
      localElements: nameList(ELEMENT_NAME, "element").optional(),
      localElementsPath: z.array(filePath()).min(1).optional(),
      dibRepoPath: filePath().optional(),
      octaviaRepoPath: filePath().optional(),
      cloudInitDatasources: nameList(/^[A-Za-z0-9]+$/, "cloud-init datasource").min(1).optional(),
      agentRepoRef: text().optional(),
      upperConstraints: text().optional(),
      useNftables: flag,
      useSsh: flag,

      // dib (disk-image-create)
      command: text().optional(),
      packages: nameList(PACKAGE_NAME, "package").optional(),
      elementsPath: z.array(filePath()).min(1).optional(),

      // how the provider runs and checks the build (never part of the build key)
      validation: validationSchema(),
      timeoutSeconds: z.number().int().min(1).max(7 * 86400).default(7200),
      progressIntervalSeconds: z.number().min(0.1).max(3600).default(5),
      retainOnDelete: z.boolean().default(false),
    })
    .superRefine(crossFieldRules);
}

export type AmphoraImageBuildArgsInput = z.input<ReturnType<typeof amphoraImageBuildInputsSchema>>;
export type AmphoraImageBuildInputs = z.output<ReturnType<typeof amphoraImageBuildInputsSchema>>;
export type ValidationOptions = AmphoraImageBuildInputs["validation"];
