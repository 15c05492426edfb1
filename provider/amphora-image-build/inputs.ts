import * as path from "node:path";
import { z } from "zod";
import { DIB_ARCHES, FRONT_ENDS, IMAGE_TYPES, OCTAVIA_ARCHES, OCTAVIA_BACKENDS, OCTAVIA_BASE_OS } from "./constants";
import { crossFieldRules } from "./input-rules";
import { once } from "../common/once";

/**
 * Inputs of AmphoraImageBuild, the single source of its input types (the SDK's are generated from it). Built on
 * first use and kept (common/once.ts says why).
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

export const BOOT_ACCELERATORS = ["auto", "kvm", "tcg"] as const;
const BOOT_DEFAULTS = { enabled: "auto" as const, timeoutSeconds: 600, memoryMb: 1024, cpus: 1, accelerator: "auto" as const };

function bootSchema() {
  return z
    .strictObject({
      enabled: z
        .union([z.boolean(), z.literal("auto")])
        .default(BOOT_DEFAULTS.enabled)
        .describe(
          "Boot the artifact before it is moved into place (qcow2, raw and vhd images) and require the amphora agent to " +
            "answer Octavia's `GET /<api_version>/info` over mutual TLS. Needs `qemu-system-*` of the image's " +
            "architecture, `xorriso` and `openssl`. `auto`: on for qcow2 and raw images of the `octavia` front end " +
            "where the host has those tools; off (`disabled`, with why) for other builds, and `skipped` (naming what is " +
            "missing) where the host lacks a tool. `false` switches it off, `true` requires it.",
        ),
      timeoutSeconds: z
        .number()
        .int()
        .min(10)
        .max(3600)
        .default(BOOT_DEFAULTS.timeoutSeconds)
        .describe("How long the agent has to answer, from QEMU's start (Octavia itself waits 120 × 5 s by default)."),
      memoryMb: z.number().int().min(256).max(65536).default(BOOT_DEFAULTS.memoryMb).describe("Guest memory in MiB (Octavia's default amphora flavor: 1024)."),
      cpus: z.number().int().min(1).max(64).default(BOOT_DEFAULTS.cpus).describe("Guest virtual CPUs (Octavia's default amphora flavor: 1)."),
      accelerator: z
        .enum(BOOT_ACCELERATORS)
        .default(BOOT_DEFAULTS.accelerator)
        .describe(
          "`auto`: KVM when the image's architecture is the host's and a bounded probe guest runs under KVM, else " +
            "software emulation (TCG); `kvm` or `tcg` to force one.",
        ),
    })
    .default(() => ({ ...BOOT_DEFAULTS }))
    .describe(
      "The boot check: QEMU boots the artifact read-only (`-snapshot`) with a config drive shaped like the one Nova " +
        "gives an amphora (`config-2`: network on DHCP, the agent's configuration, certificate and client CA, generated " +
        "per boot and never kept), and polls the agent through a forwarded port.",
    );
}

function validationSchema() {
  return z
    .strictObject({
      integrity: z
        .boolean()
        .default(true)
        .describe(
          "qcow2: `qemu-img check` finds no errors; vhd and raw: qemu-img can read the image (raw has no metadata to " +
            "check: truncation shows in `virtualSize`); tar: the archive is complete.",
        ),
      virtualSize: z.boolean().default(true).describe("The virtual size equals `sizeGb` GiB (disk images; not applicable to tar)."),
      kernel: z.boolean().default(true).describe("A kernel (`vmlinuz-*`) under `/boot` in the image."),
      packages: z
        .boolean()
        .default(true)
        .describe(
          "`haproxy` and `requiredPackages` are installed according to the image's `/var/lib/dpkg/status` " +
            "(Debian/Ubuntu images; switch it off for RPM-based ones).",
        ),
      requiredPackages: nameList(PACKAGE_NAME, "package")
        .default([])
        .describe("Packages the `packages` check requires besides `haproxy`; their versions appear in `packageVersions`."),
      boot: bootSchema(),
    })
    .default({ integrity: true, virtualSize: true, kernel: true, packages: true, requiredPackages: [], boot: { ...BOOT_DEFAULTS } })
    .describe(
      "Checks run on the artifact before it is moved into place (a failed check fails the build and keeps the previous " +
        "artifact). A switched-off check is reported as `disabled`. Changing only these settings validates the existing " +
        "artifact again without building.",
    );
}

export const amphoraImageBuildInputsSchema = once(function amphoraImageBuildInputsSchema() {
  const flag = z.boolean().optional();
  const runtime = " Runtime setting: not part of the build key.";
  return z
    .strictObject({
      frontEnd: z
        .enum(FRONT_ENDS)
        .describe(
          "Which builder runs: `octavia` = Octavia's `diskimage-create.sh` (`script`), `dib` = diskimage-builder's " +
            "`disk-image-create` (`command`). Inputs of the other front end are refused.",
        ),
      /** -o: the artifact path; a trailing ".<imageType>" is optional, as with the builders themselves. */
      output: filePath().describe(
        "`-o`: the artifact path; a trailing `.<imageType>` is optional (the builders append it). Relative paths " +
          "resolve against the Pulumi project directory; the directory must exist. A change that moves the artifact " +
          "replaces the resource.",
      ),
      imageType: z
        .enum(IMAGE_TYPES)
        .default("qcow2")
        .describe("`-t`: image type. Decides the Glance formats (`tar` → raw/docker). A change replaces the resource."),
      sizeGb: z
        .number()
        .int("must be a whole number of GB")
        .min(1, "must be at least 1")
        .max(4096)
        .default(2)
        .describe("`-s` / `--image-size`: image size in GB. `baseOs` rhel and fedora need at least 3. Ignored by dib for tar."),
      /** Any architecture either builder knows; input-rules.ts narrows it per front end. */
      arch: z
        .string()
        .refine((a) => ALL_ARCHES.includes(a), `must be one of ${ALL_ARCHES.join(", ")}`)
        .optional()
        .describe(
          `\`-a\`: target architecture. octavia: ${OCTAVIA_ARCHES.join(", ")}; dib: ${DIB_ARCHES.join(", ")}. ` +
            "Default: the builder's own (the build machine's architecture).",
        ),
      release: text()
        .regex(/^\S+$/, "must not contain spaces")
        .optional()
        .describe(
          "`-d` / `DIB_RELEASE`: distribution release. octavia default per `baseOs`: noble (ubuntu-minimal), " +
            "10-stream (centos-minimal), 10 (rhel, rocky), 28 (fedora).",
        ),
      elements: nameList(ELEMENT_NAME, "element")
        .optional()
        .describe(
          "octavia: `DIB_ELEMENTS`, replaces the script's element list entirely; dib: the elements to build " +
            "(required, at least a distribution element such as `debian-minimal`).",
        ),
      env: envSchema()
        .default({})
        .describe(
          "Further environment variables for the builder (e.g. `DIB_*`); part of the build key. Variables that have " +
            "an input of their own (`DIB_RELEASE`, `DIB_ELEMENTS`, `ELEMENTS_PATH`, `DIB_PASSWORD`, ...) are refused.",
        ),
      cacheDir: filePath().optional().describe(`\`-c\` / \`--image-cache\`: diskimage-builder's image cache.${runtime}`),
      workDir: filePath().optional().describe(`octavia \`-w\` (working directory); dib: \`TMPDIR\`.${runtime}`),
      logFile: filePath()
        .optional()
        .describe(
          "`-l` / `--logfile`: a log file the builder writes itself; the provider always writes its own log to " +
            `\`logPath\`.${runtime}`,
        ),
      noTmpfs: flag.describe(`\`-f\` / \`--no-tmpfs\`: build without a tmpfs.${runtime}`),
      trace: flag.describe(`\`-x\`: trace the builder's shell scripts.${runtime}`),
      distributionMirror: text().url("must be a URL").optional().describe("`DIB_DISTRIBUTION_MIRROR`: the package mirror."),
      localImage: filePath()
        .optional()
        .describe(
          "`DIB_LOCAL_IMAGE`: a local base cloud image (required for `baseOs` rhel). The build key counts it by size " +
            "and modification time.",
        ),
      grubTimeout: z.number().int().min(0).optional().describe("`DIB_GRUB_TIMEOUT` in seconds (octavia default 0)."),

      // octavia (diskimage-create.sh)
      script: filePath()
        .optional()
        .describe(
          "Path of Octavia's `diskimage-create.sh` (required for octavia). Its bytes are part of the build key, its " +
            "path is not. Octavia's elements are read from `<repo>/elements`, the repository being two directories up " +
            "or `octaviaRepoPath`.",
        ),
      backend: z.enum(OCTAVIA_BACKENDS).optional().describe("`-b`: the load-balancing backend (default haproxy)."),
      baseOs: z
        .enum(OCTAVIA_BASE_OS)
        .optional()
        .describe("`-i`: base OS (default ubuntu-minimal; `ubuntu` and `centos` are the -minimal variants)."),
      kernelPackage: text()
        .regex(PACKAGE_NAME, "must be a package name")
        .optional()
        .describe("`-k`: kernel package, ubuntu-minimal only (default linux-image-virtual)."),
      agentBranch: text()
        .regex(/^\S+$/, "must not contain spaces")
        .optional()
        .describe("`-g`: git branch of the amphora agent and of upper-constraints."),
      enforcingMac: flag.describe("`-e`: enforcing SELinux/AppArmor profile."),
      cpuPinning: flag.describe("`-m`: add the CPU pinning element."),
      noSshd: flag.describe("`-n`: no sshd in the image (then `useSsh` defaults to false)."),
      agentFromPackages: flag.describe("`-p`: install the amphora agent from distribution packages."),
      fips: flag.describe("`-y`: add the FIPS element."),
      rootPassword: text()
        .max(256)
        .optional()
        .describe(
          "`-r`: root password, for debugging images only. The SDK sends it as a secret: the engine keeps it in the " +
            "state's inputs, encrypted like every secret; the provider's outputs hold only `rootPasswordSet` and " +
            "`rootPasswordDigest`. Redacted from logs, messages and the saved manifests. Visible in the build machine's " +
            "process list while the build runs. To keep it out of the state altogether, use `rootPasswordFrom`.",
        ),
      rootPasswordFrom: z
        .union([
          z.strictObject({
            env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").describe("Environment variable of the provider (the `pulumi` process) holding the password."),
          }),
          z.strictObject({ file: filePath().describe("File holding the password (one trailing newline is dropped).") }),
        ])
        .optional()
        .describe(
          "`-r` like `rootPassword`, read at build time from `{ env: \"NAME\" }` or `{ file: \"/path\" }`: only the " +
            "reference is kept in state, never the password (its digest, `rootPasswordDigest`, notices a change). Not " +
            "together with `rootPassword`.",
        ),
      localElements: nameList(ELEMENT_NAME, "element")
        .optional()
        .describe("`DIB_LOCAL_ELEMENTS`: extra elements to add (needs `localElementsPath`)."),
      localElementsPath: z
        .array(filePath())
        .min(1)
        .optional()
        .describe("`DIB_LOCAL_ELEMENTS_PATH`: directories of local elements. Their files are part of the build key, their paths are not."),
      dibRepoPath: filePath()
        .optional()
        .describe(`\`DIB_REPO_PATH\`: diskimage-builder checkout, used when \`disk-image-create\` is not on PATH.${runtime}`),
      octaviaRepoPath: filePath().optional().describe(`\`OCTAVIA_REPO_PATH\`: Octavia checkout whose \`elements/\` are used.${runtime}`),
      cloudInitDatasources: nameList(/^[A-Za-z0-9]+$/, "cloud-init datasource")
        .min(1)
        .optional()
        .describe("`CLOUD_INIT_DATASOURCES` (default ConfigDrive)."),
      agentRepoRef: text().optional().describe("`DIB_REPOREF_amphora_agent`: git reference of the amphora agent."),
      upperConstraints: text().optional().describe("`DIB_REPOLOCATION_upper_constraints`: where upper-constraints come from."),
      useNftables: flag.describe("`DIB_OCTAVIA_AMP_USE_NFTABLES` (default true)."),
      useSsh: flag.describe("`DIB_OCTAVIA_AMP_USE_SSH` (default true unless `noSshd`)."),

      // dib (disk-image-create)
      command: text()
        .optional()
        .describe("The `disk-image-create` to run (default: the one on PATH). Its bytes are part of the build key."),
      packages: nameList(PACKAGE_NAME, "package").optional().describe("`-p`: extra packages to install."),
      elementsPath: z
        .array(filePath())
        .min(1)
        .optional()
        .describe("`ELEMENTS_PATH`: directories of elements. Their files are part of the build key, their paths are not."),

      // how the provider runs and checks the build (never part of the build key)
      validation: validationSchema(),
      timeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 86400)
        .default(7200)
        .describe(`Bound of one build; the builder's whole process group is killed after it.${runtime}`),
      progressIntervalSeconds: z
        .number()
        .min(0.1)
        .max(3600)
        .default(5)
        .describe(`How often a progress line is printed while the builder runs.${runtime}`),
      retainOnDelete: z
        .boolean()
        .default(false)
        .describe(`Keep the artifact, \`NAME.d\` and the build log when the resource is deleted.${runtime}`),
    })
    .superRefine(crossFieldRules);
});

export type AmphoraImageBuildArgsInput = z.input<ReturnType<typeof amphoraImageBuildInputsSchema>>;
export type AmphoraImageBuildInputs = z.output<ReturnType<typeof amphoraImageBuildInputsSchema>>;
export type ValidationOptions = AmphoraImageBuildInputs["validation"];
