/** Installed packages (name → version) from a dpkg status file: only stanzas whose status is "install ok installed". */
export function parseDpkgStatus(text: string): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string | undefined => stanza.match(new RegExp(`^${name}:[ \\t]*(.*)$`, "m"))?.[1]?.trim();
    const name = field("Package");
    if (name && field("Status") === "install ok installed") installed[name] = field("Version") ?? "";
  }
  return installed;
}
