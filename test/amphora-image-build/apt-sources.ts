import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The Debian mirror this machine's apt uses (one-line and deb822 formats), so that tests never hard-code a
 * mirror host. `security` is the mirror serving "<codename>-security".
 */
export interface AptMirrors {
  codename: string;
  main: string;
  security: string;
}

interface Entry {
  uri: string;
  suites: string[];
}

function parse(text: string, deb822: boolean): Entry[] {
  if (!deb822) {
    return text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("deb "))
      .map((l) => l.replace(/\[[^\]]*\]\s*/, "").split(/\s+/))
      .map((w) => ({ uri: w[1] ?? "", suites: [w[2] ?? ""] }));
  }
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const field = (name: string): string => stanza.match(new RegExp(`^${name}:\\s*(.*)$`, "mi"))?.[1]?.trim() ?? "";
    if (!/\bdeb\b/.test(field("Types"))) return [];
    return field("URIs").split(/\s+/).filter(Boolean).map((uri) => ({ uri, suites: field("Suites").split(/\s+/) }));
  });
}

export function aptMirrors(): AptMirrors | undefined {
  const codename = readFileSync("/etc/os-release", "utf8").match(/^VERSION_CODENAME=(.*)$/m)?.[1]?.replace(/"/g, "") ?? "";
  const files: [string, boolean][] = [["/etc/apt/sources.list", false]];
  try {
    for (const name of readdirSync("/etc/apt/sources.list.d")) {
      if (name.endsWith(".list") || name.endsWith(".sources")) files.push([path.join("/etc/apt/sources.list.d", name), name.endsWith(".sources")]);
    }
  } catch {
    // no sources.list.d
  }
  const entries = files.flatMap(([file, deb822]) => {
    try {
      return parse(readFileSync(file, "utf8"), deb822);
    } catch {
      return [];
    }
  });
  const main = entries.find((e) => e.suites.includes(codename))?.uri;
  const security = entries.find((e) => e.suites.includes(`${codename}-security`))?.uri;
  if (!codename || !main || !security) return undefined;
  return { codename, main: main.replace(/\/$/, ""), security: security.replace(/\/$/, "") };
}

/**
 * diskimage-builder's environment for a Debian build from these mirrors: main only, and the apt sources written out
 * (diskimage-builder 3.13 writes a wrong security line by itself), with debootstrap's cache.
 */
export function dibDebianEnv({ codename, main, security }: AptMirrors): Record<string, string> {
  return {
    DIB_DEBIAN_COMPONENTS: "main",
    DIB_APT_SOURCES_CONF: [
      `default:deb ${main} ${codename} main`,
      `updates:deb ${main} ${codename}-updates main`,
      `security:deb ${security} ${codename}-security main`,
    ].join("\n"),
    DIB_DEBOOTSTRAP_CACHE: "1",
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: "1",
  };
}
