/**
 * Reading the runner's output, which follows the Pulumi CLI's non-interactive display (engine/report.ts): resource
 * rows, the `Diagnostics:` section grouped by resource, the `Resources:` block.
 */
import * as assert from "assert";

const SYMBOL: Record<string, string> = { "+": "+ ", "~": "~ ", "-": "- ", "+-": "+-", ">": "> " };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Index of the row ` <sym> <type> <name> <status>[ (Ns)][ note]`; -1 when absent. */
export function findRow(stdout: string, sym: string, type: string, name: string, status: string): number {
  const re = new RegExp(`^ ${escape(SYMBOL[sym] ?? sym)} ${escape(type)} ${escape(name)} ${escape(status)}( \\(\\d+s\\))?( .*)?$`);
  return stdout.split("\n").findIndex((l) => re.test(l));
}

/** Asserts the row is there; returns its index. */
export function row(stdout: string, sym: string, type: string, name: string, status: string): number {
  const i = findRow(stdout, sym, type, name, status);
  assert.ok(i >= 0, `expected the row "${sym} ${type} ${name} ${status}" in:\n${stdout}`);
  return i;
}

/** Whether the run printed a row for the resource (an unchanged resource gets none). */
export function hasRow(stdout: string, type: string, name: string): boolean {
  const re = new RegExp(`^ (\\+-|[+~\\->] ) ${escape(type)} ${escape(name)}( |$)`);
  return stdout.split("\n").some((l) => re.test(l));
}

/** Lines of the `Diagnostics:` section under `<type> (<name>):`. */
export function diagnosticsOf(stdout: string, type: string, name: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.indexOf("Diagnostics:");
  if (start < 0) return [];
  const header = lines.indexOf(`  ${type} (${name}):`, start);
  if (header < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(header + 1)) {
    if (!l.startsWith("    ")) break;
    out.push(l.slice(4));
  }
  return out;
}

/** Lines of the stack's diagnostics: the provider host's output, the runner's and the program's warnings/errors. */
export function stackDiagnostics(stdout: string): string[] {
  const m = /^ {2}pulumi:pulumi:Stack \(([^)]+)\):$/m.exec(stdout);
  return m ? diagnosticsOf(stdout, "pulumi:pulumi:Stack", m[1] as string) : [];
}

/**
 * The `Resources:` block as one line, in a fixed shape that tests compare:
 * `Resources: 1 created, 0 updated, 2 unchanged, 0 deleted` (preview: `1 to create, ...`; `N replaced` when any).
 */
export function summaryLine(stdout: string): string {
  const lines = stdout.split("\n");
  const oneLine = lines.find((l) => l.startsWith("Resources: ")); // released runners (0.1.0) print this shape
  if (oneLine) return oneLine;
  const start = lines.indexOf("Resources:");
  assert.ok(start >= 0, `no Resources: block in:\n${stdout}`);
  const counts = { create: 0, update: 0, delete: 0, replace: 0, same: 0 };
  let preview = /^Previewing (update|destroy|refresh) \(/m.test(stdout);
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith("    ")) break;
    const change = /^ {4}(?:\+-|[+~-] )(\d+) (to )?(create|created|update|updated|delete|deleted|replace|replaced)$/.exec(l);
    if (change) {
      if (change[2]) preview = true;
      const word = (change[3] as string).replace(/d$/, "").replace(/e$/, "") as string;
      const key = ({ creat: "create", updat: "update", delet: "delete", replac: "replace" } as Record<string, keyof typeof counts>)[word];
      if (key) counts[key] = Number(change[1]);
      continue;
    }
    const same = /(\d+) unchanged/.exec(l);
    if (same) counts.same = Number(same[1]);
  }
  const words = preview
    ? [`${counts.create} to create`, `${counts.update} to update`, ...(counts.replace ? [`${counts.replace} to replace`] : []), `${counts.same} unchanged`, `${counts.delete} to delete`]
    : [`${counts.create} created`, `${counts.update} updated`, ...(counts.replace ? [`${counts.replace} replaced`] : []), `${counts.same} unchanged`, `${counts.delete} deleted`];
  return `Resources: ${words.join(", ")}`;
}

/** The `N errored` line of the `Resources:` block (rows with an error: resources and the stack); 0 when absent. */
export function erroredCount(stdout: string): number {
  const m = /^ {4}(\d+) errored$/m.exec(stdout);
  return m ? Number(m[1]) : 0;
}
