/**
 * Plain-text progress output in the spirit of the Pulumi CLI's non-interactive display:
 *
 *   Updating (dev):
 *   + amphora:AmphoraImageBuild amphora-image create
 *       <lines the provider printed during that step>
 *   = amphora:GlanceTaggedImage amphora same
 *   Outputs:
 *       imageId: "5f0c..."
 *   Resources: 1 created, 0 updated, 1 unchanged, 0 deleted
 *   Duration: 3.2s
 */
import type { PropertyValue } from "./host/marshal";

export type Op = "create" | "update" | "same" | "replace" | "delete" | "read" | "refresh" | "gone";

export const SYMBOLS: Record<Op, string> = {
  create: "+",
  update: "~",
  same: "=",
  replace: "+-",
  delete: "-",
  read: ">",
  refresh: "~",
  gone: "-",
};

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const DETAIL_INDENT = "    ";

/** `pulumi-nodejs:dynamic/amphora:Echo` -> `amphora:Echo` (how the README names the resources). */
export function displayType(type: string): string {
  if (type.startsWith("pulumi-nodejs:dynamic/")) return type.slice("pulumi-nodejs:dynamic/".length);
  if (type.startsWith("pulumi-nodejs:")) return type.slice("pulumi-nodejs:".length);
  return type;
}

export class Reporter {
  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  line(text = ""): void {
    this.write(text + "\n");
  }

  resource(op: Op, type: string, name: string, label: string = op, suffix = ""): void {
    this.line(`${SYMBOLS[op]} ${displayType(type)} ${name} ${label}${suffix}`);
  }

  /** Lines attributed to the resource above (indented). */
  details(lines: readonly string[]): void {
    for (const l of lines) this.line(DETAIL_INDENT + l);
  }

  error(message: string, indent = ""): void {
    const [first, ...rest] = message.split("\n");
    this.line(`${indent}error: ${first ?? ""}`);
    for (const l of rest) this.line(`${indent}  ${l}`);
  }

  warning(message: string): void {
    this.line(`warning: ${message}`);
  }

  outputs(outputs: Record<string, PropertyValue>, secretKeys: readonly string[]): void {
    const keys = Object.keys(outputs).sort();
    if (keys.length === 0) return;
    this.line("Outputs:");
    const width = Math.max(...keys.map((k) => k.length));
    for (const k of keys) {
      const shown = secretKeys.includes(k) ? "[secret]" : formatValue(outputs[k] as PropertyValue);
      this.line(`${DETAIL_INDENT}${k.padEnd(width)}: ${shown}`);
    }
  }
}

/** JSON-ish rendering; unknowns (preview) as `[unknown]`, nested secrets as `[secret]`. */
export function formatValue(v: PropertyValue): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === UNKNOWN) return "[unknown]";
    if (typeof x === "object" && x !== null && (x as Record<string, unknown>)["4dabf18193072939515e22adb298388d"]) {
      return "[secret]";
    }
    return x;
  }).replace(/"\[(unknown|secret)\]"/g, "[$1]");
}

export interface Counts {
  create: number;
  update: number;
  replace: number;
  same: number;
  delete: number;
  read: number;
}

export function emptyCounts(): Counts {
  return { create: 0, update: 0, replace: 0, same: 0, delete: 0, read: 0 };
}

export function summary(c: Counts, preview: boolean): string {
  const parts = preview
    ? [`${c.create} to create`, `${c.update} to update`, ...(c.replace ? [`${c.replace} to replace`] : []), `${c.same} unchanged`, `${c.delete} to delete`]
    : [`${c.create} created`, `${c.update} updated`, ...(c.replace ? [`${c.replace} replaced`] : []), `${c.same} unchanged`, `${c.delete} deleted`];
  if (c.read) parts.push(`${c.read} read`);
  return `Resources: ${parts.join(", ")}`;
}
