import type { z } from "zod";
import { DIB_ARCHES, OCTAVIA_ARCHES } from "./constants";

/**
 * Rules that span several inputs, applied as the scripts apply them so that a bad combination fails in `check`
 * instead of minutes into a build. Every issue names the input it is about.
 */


/** Inputs only diskimage-create.sh reads. */
export const OCTAVIA_ONLY = [
  "script", "backend", "baseOs", "kernelPackage", "agentBranch", "enforcingMac", "cpuPinning", "noSshd",
  "agentFromPackages", "fips", "rootPassword", "rootPasswordFrom", "localElements", "localElementsPath", "dibRepoPath",
  "octaviaRepoPath", "cloudInitDatasources", "agentRepoRef", "upperConstraints", "useNftables", "useSsh",
] as const;

/** Inputs only the dib front end reads. */
export const DIB_ONLY = ["command", "packages", "elementsPath"] as const;

/** Environment variables that have a typed input (or are computed): setting them through `env` is refused. */
export const ENV_OWNED_BY: Record<"common" | "octavia" | "dib", Record<string, string>> = {
  common: {
    DIB_RELEASE: "release",
    DIB_DISTRIBUTION_MIRROR: "distributionMirror",
    DIB_LOCAL_IMAGE: "localImage",
    DIB_GRUB_TIMEOUT: "grubTimeout",
    DIB_PASSWORD: "rootPassword",
  },
  octavia: {
    DIB_ELEMENTS: "elements",
    DIB_LOCAL_ELEMENTS: "localElements",
    DIB_LOCAL_ELEMENTS_PATH: "localElementsPath",
    DIB_REPO_PATH: "dibRepoPath",
    OCTAVIA_REPO_PATH: "octaviaRepoPath",
    CLOUD_INIT_DATASOURCES: "cloudInitDatasources",
    DIB_CLOUD_INIT_DATASOURCES: "cloudInitDatasources",
    DIB_REPOREF_amphora_agent: "agentRepoRef",
    DIB_REPOLOCATION_upper_constraints: "upperConstraints",
    DIB_OCTAVIA_AMP_USE_NFTABLES: "useNftables",
    DIB_OCTAVIA_AMP_USE_SSH: "useSsh",
    DIB_UBUNTU_KERNEL: "kernelPackage",
    DIB_INSTALLTYPE_amphora_agent: "agentFromPackages",
    ELEMENTS_PATH: "localElementsPath (the script sets ELEMENTS_PATH itself)",
  },
  dib: {
    ELEMENTS_PATH: "elementsPath",
    TMPDIR: "workDir",
  },
};

/** The fields the rules read; structural, so that this module does not depend on the schema it refines. */
interface RuleView {
  frontEnd: "octavia" | "dib";
  sizeGb: number;
  arch?: string;
  baseOs?: string;
  kernelPackage?: string;
  localImage?: string;
  localElements?: string[];
  localElementsPath?: string[];
  script?: string;
  elements?: string[];
  env: Record<string, string>;
}

export function crossFieldRules(inputs: RuleView, ctx: z.core.$RefinementCtx): void {
  const issue = (field: string | (string | number)[], message: string): void => {
    ctx.addIssue({ code: "custom", path: Array.isArray(field) ? field : [field], message });
  };
  const values = inputs as unknown as Record<string, unknown>;
  const other = inputs.frontEnd === "octavia" ? DIB_ONLY : OCTAVIA_ONLY;
  for (const field of other) {
    if (values[field] !== undefined) {
      issue(field, `is not read by the ${inputs.frontEnd} front end (only by ${inputs.frontEnd === "octavia" ? "dib" : "octavia"})`);
    }
  }
  const owned = { ...ENV_OWNED_BY.common, ...ENV_OWNED_BY[inputs.frontEnd] };
  for (const name of Object.keys(inputs.env)) {
    const owner = owned[name];
    if (owner) issue(["env", name], `${name} cannot be set through env: use the input ${owner}`);
  }

  if (values.rootPassword !== undefined && values.rootPasswordFrom !== undefined) {
    issue("rootPasswordFrom", "cannot be given together with rootPassword: give the password one way");
  }

  if (inputs.frontEnd === "octavia") {
    if (inputs.script === undefined) issue("script", "is required for the octavia front end (path to diskimage-create.sh)");
    if (inputs.arch !== undefined && !(OCTAVIA_ARCHES as readonly string[]).includes(inputs.arch)) {
      issue("arch", `"${inputs.arch}" is not accepted by diskimage-create.sh -a (${OCTAVIA_ARCHES.join(", ")})`);
    }
    const baseOs = inputs.baseOs ?? "ubuntu-minimal";
    if ((baseOs === "rhel" || baseOs === "fedora") && inputs.sizeGb < 3) {
      issue("sizeGb", `must be at least 3 for baseOs ${baseOs} (diskimage-create.sh exits 1 below 3 GB)`);
    }
    if (baseOs === "rhel" && inputs.localImage === undefined) {
      issue("localImage", "is required for baseOs rhel (DIB_LOCAL_IMAGE: a RHEL base cloud image)");
    }
    if (inputs.kernelPackage !== undefined && baseOs !== "ubuntu-minimal" && baseOs !== "ubuntu") {
      issue("kernelPackage", `is only used with baseOs ubuntu-minimal; diskimage-create.sh would ignore it for ${baseOs}`);
    }
    if (inputs.localElements !== undefined && inputs.localElementsPath === undefined) {
      issue("localElementsPath", "is required when localElements is set (DIB_LOCAL_ELEMENTS needs DIB_LOCAL_ELEMENTS_PATH)");
    }
  } else {
    if (!inputs.elements || inputs.elements.length === 0) {
      issue("elements", "is required for the dib front end (at least a distribution element, e.g. debian-minimal)");
    }
    if (inputs.arch !== undefined && !(DIB_ARCHES as readonly string[]).includes(inputs.arch)) {
      issue("arch", `"${inputs.arch}" is not an architecture disk-image-create knows (${DIB_ARCHES.join(", ")})`);
    }
  }
}
