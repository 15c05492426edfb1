import { constants, promises as fs } from "node:fs";
import * as path from "node:path";
import type { CheckFailure } from "../common/check";
import { octaviaElementsDir, resolveCommand } from "./build-key";
import type { AmphoraImageBuildInputs } from "./inputs";
import { artifactPaths } from "./options";

/**
 * Checks that need the filesystem, run by `check` once every input is known: what diskimage-create.sh would
 * refuse (missing elements directory, missing output directory) and the tools validation will need, so that
 * none of it surfaces minutes into a build.
 */

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await fs.access(p, constants.X_OK);
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

const TOOL_PACKAGES: Record<string, string> = { "qemu-img": "qemu-utils", debugfs: "e2fsprogs", tar: "tar" };

function toolsNeeded(inputs: AmphoraImageBuildInputs): [string, string][] {
  const v = inputs.validation;
  if (inputs.imageType === "tar") return v.integrity || v.kernel || v.packages ? [["tar", "integrity"]] : [];
  const needs: [string, string][] = [];
  if (v.integrity || v.virtualSize || v.kernel || v.packages) needs.push(["qemu-img", v.integrity ? "integrity" : "virtualSize"]);
  if (v.kernel || v.packages) needs.push(["debugfs", v.kernel ? "kernel" : "packages"]);
  return needs;
}

export async function preflight(inputs: AmphoraImageBuildInputs): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason });
  };
  const outDir = path.dirname(artifactPaths(inputs.output, inputs.imageType).artifact);
  if (!(await isDir(outDir))) fail("output", `directory ${outDir} does not exist (diskimage-create.sh exits 3)`);
  if (inputs.frontEnd === "octavia" && inputs.script) {
    if (!(await isExecutable(inputs.script))) fail("script", `${inputs.script} is not an executable file`);
    else if (!(await octaviaElementsDir(inputs))) {
      const repo = inputs.octaviaRepoPath ?? path.dirname(path.dirname(inputs.script));
      fail(inputs.octaviaRepoPath ? "octaviaRepoPath" : "script", `no Octavia elements directory at ${repo}/elements (diskimage-create.sh exits 1)`);
    }
  }
  if (inputs.frontEnd === "dib" && !(await resolveCommand(inputs.command ?? "disk-image-create", inputs.env.PATH ?? process.env.PATH))) {
    fail("command", `${inputs.command ?? "disk-image-create"} not found (Debian package python3-diskimage-builder)`);
  }
  for (const field of ["localElementsPath", "elementsPath"] as const) {
    for (const [i, dir] of (inputs[field] ?? []).entries()) {
      if (!(await isDir(dir))) fail(`${field}.${i}`, `${dir} is not a directory`);
    }
  }
  if (inputs.localImage && !(await fs.stat(inputs.localImage).catch(() => undefined))) {
    fail("localImage", `${inputs.localImage} does not exist`);
  }
  for (const [tool, check] of toolsNeeded(inputs)) {
    if (!(await resolveCommand(tool))) {
      fail(`validation.${check}`, `needs ${tool} (Debian package ${TOOL_PACKAGES[tool]}), not found on PATH; install it or switch the check off`);
    }
  }
  return failures;
}
