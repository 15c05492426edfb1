import { promises as fs } from "node:fs";
import * as path from "node:path";
import { redactor } from "./redact";

/**
 * What DIB's manifests say about a built image (NAME.d/dib-manifests/): package versions from the dpkg manifest
 * and the amphora agent's git reference from the source-repositories manifest.
 */

export interface PackageVersions {
  /** Every package of interest that was found: haproxy, keepalived, the kernel package, the agent, required ones. */
  versions: Record<string, string>;
  haproxy: string;
  keepalived: string;
  /** Kernel release (the versioned linux-image package's suffix, e.g. 6.1.0-56-amd64). */
  kernel: string;
  agent: string;
}

const AGENT_PACKAGES = ["amphora-agent", "octavia-agent", "python3-octavia-agent"];

/** dpkg manifest entries (`{"package": ..., "version": ...}`), tolerant of DIB's hand-made JSON. */
export function parseDpkgManifest(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  try {
    const parsed = JSON.parse(text) as { packages?: { package?: unknown; version?: unknown }[] };
    for (const p of parsed.packages ?? []) {
      if (typeof p.package === "string" && typeof p.version === "string") result[p.package] = p.version;
    }
    return result;
  } catch {
    for (const m of text.matchAll(/"package":\s*"([^"]+)".*?"version":\s*"([^"]*)"/g)) {
      if (m[1] !== undefined && m[2] !== undefined) result[m[1]] = m[2];
    }
    return result;
  }
}

async function readManifests(dir: string, prefix: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.filter((n) => n.startsWith(prefix)).sort().map((n) => fs.readFile(path.join(dir, n), "utf8")));
}

/**
 * Combines the dpkg manifest (preferred) with the dpkg status read during validation (fallback) and picks the
 * versions GlanceTaggedImage and operators care about.
 */
export async function packageVersions(
  manifestDir: string,
  installedFromImage: Record<string, string>,
  requiredPackages: readonly string[],
): Promise<PackageVersions> {
  const manifests = (await readManifests(manifestDir, "dib-manifest-dpkg-")).map(parseDpkgManifest);
  const all: Record<string, string> = Object.assign({}, installedFromImage, ...manifests);
  const versions: Record<string, string> = {};
  const pick = (name: string): string => {
    const v = all[name];
    if (v !== undefined) versions[name] = v;
    return v ?? "";
  };
  const kernelPkg = Object.keys(all).filter((n) => /^linux-image-\d/.test(n)).sort().pop();
  if (kernelPkg) pick(kernelPkg);
  let agent = "";
  for (const name of AGENT_PACKAGES) agent ||= pick(name);
  if (!agent) {
    for (const text of await readManifests(manifestDir, "dib-manifest-git-")) {
      // "<name> git <dir> <url> <ref>" per line
      const line = text.split("\n").find((l) => /^amphora-agent\s/.test(l));
      const ref = line?.trim().split(/\s+/)[4];
      if (ref) agent = `git ${ref}`;
    }
  }
  for (const name of requiredPackages) pick(name);
  return {
    haproxy: pick("haproxy"),
    keepalived: pick("keepalived"),
    kernel: kernelPkg ? kernelPkg.replace(/^linux-image-/, "") : "",
    agent,
    versions,
  };
}

/** DIB writes its environment (DIB_PASSWORD included) into the manifests: scrub secrets from the saved copy. */
export async function scrubManifests(manifestDir: string, secrets: readonly string[]): Promise<number> {
  if (secrets.length === 0) return 0;
  const redact = redactor(secrets);
  let scrubbed = 0;
  for (const name of await fs.readdir(manifestDir).catch(() => [] as string[])) {
    const file = path.join(manifestDir, name);
    if (!(await fs.stat(file)).isFile()) continue;
    const text = await fs.readFile(file, "utf8");
    const clean = redact(text);
    if (clean !== text) {
      await fs.writeFile(file, clean);
      scrubbed++;
    }
  }
  return scrubbed;
}
