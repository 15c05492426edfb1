/**
 * Property printing of the CLI's diff display (pkg/backend/display/object_diff.go, propertyPrinter), without
 * colours: every line is indented 4 spaces per level, and a "prefixed" line has its last 2 indentation characters
 * replaced by the step's symbol (`+ `, `- `, `~ `, …). What it prints:
 *   - strings quoted, integers without a fraction, null as `<null>`, unknowns as `[unknown]`, secrets as
 *     `[secret]` (the CLI without --show-secrets); arrays as `[` + `[i]: value` lines + `]`, objects as `{` +
 *     `key: value` lines (keys sorted and aligned) + `}`;
 *   - a string holding a JSON object or array as `(json) ` and the decoded value;
 *   - a changed string as `"old" => "new"`; a multi-line one as a line diff (added lines `+ `, removed `- `, at
 *     most 2 unchanged lines of context around each change, `...` for the rest).
 * Not implemented (the runner's programs do not produce them): assets and archives, resource references,
 * YAML-encoded strings, --show-secrets, truncation.
 */
import { isSecret } from "../host/marshal";
import {
  byCodeUnit,
  diffKeys,
  diffValues,
  isInternalKey,
  isObjectValue,
  isUnknown,
  type DisplayMap,
  type DisplayValue,
  type ObjectDiff,
  type ValueDiff,
} from "./property-diff";

/** The engine's step ops that the diff display prints symbols for. */
export type DiffOp = "same" | "create" | "delete" | "update" | "replace" | "create-replacement" | "delete-replaced" | "read" | "refresh";

export const RAW_PREFIX: Record<DiffOp, string> = {
  same: "  ",
  create: "+ ",
  delete: "- ",
  update: "~ ",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
  read: "> ",
  refresh: "~ ",
};

/** getIndentationString: 4 spaces per level; with `prefix`, the last 2 replaced by the op's symbol. */
export function indentation(indent: number, op: DiffOp, prefix: boolean): string {
  const result = "    ".repeat(indent);
  if (!prefix || result === "") return result;
  return result.slice(0, -2) + RAW_PREFIX[op];
}

export class PropertyPrinter {
  constructor(
    private readonly out: string[],
    readonly indent: number,
    readonly op: DiffOp,
    readonly prefix: boolean,
    /** --diff's summary mode (the CLI's PR-comment diff): unchanged properties left out. */
    readonly summary = false,
    readonly planning = false,
  ) {}

  indented(n: number): PropertyPrinter {
    return new PropertyPrinter(this.out, this.indent + n, this.op, this.prefix, this.summary, this.planning);
  }

  withOp(op: DiffOp): PropertyPrinter {
    return new PropertyPrinter(this.out, this.indent, op, this.prefix, this.summary, this.planning);
  }

  withPrefix(prefix: boolean): PropertyPrinter {
    return new PropertyPrinter(this.out, this.indent, this.op, prefix, this.summary, this.planning);
  }

  private write(s: string): void {
    this.out.push(s);
  }

  private writeIndented(s: string): void {
    this.write(indentation(this.indent, this.op, this.prefix) + s);
  }

  private writeUnprefixedIndented(s: string): void {
    this.write(indentation(this.indent, this.op, false) + s);
  }

  printObject(props: DisplayMap): void {
    const keys = Object.keys(props).sort(byCodeUnit);
    const width = maxKey(keys);
    for (const k of keys) if (!isInternalKey(k)) this.printObjectProperty(k, props[k] as DisplayValue, width);
  }

  printObjectProperty(key: string, value: DisplayValue, width: number): void {
    this.printTitle(key, width);
    this.printValue(value);
  }

  printTitle(name: string, width: number): void {
    this.writeIndented(`${name.padEnd(width)}: `);
  }

  printValue(v: DisplayValue): void {
    this.printValueRecurse(v);
    this.write("\n");
  }

  private printValueRecurse(v: DisplayValue): void {
    if (isPrimitive(v)) return this.printPrimitive(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return this.write("[]");
      this.write("[\n");
      v.forEach((e, i) => {
        this.writeIndented(`    [${i}]: `);
        this.indented(1).printValue(e);
      });
      return this.writeUnprefixedIndented("]");
    }
    const obj = v as DisplayMap;
    if (Object.keys(obj).length === 0) return this.write("{}");
    this.write("{\n");
    this.indented(1).printObject(obj);
    this.writeUnprefixedIndented("}");
  }

  printPrimitive(v: DisplayValue): void {
    if (v === null) return this.write("<null>");
    if (typeof v === "boolean") return this.write(String(v));
    if (typeof v === "number") return this.write(formatNumber(v));
    if (isUnknown(v)) return this.write("[unknown]");
    if (typeof v === "string") {
      const decoded = decodeJson(v);
      if (decoded !== undefined) {
        this.write("(json) ");
        return this.printValue(decoded);
      }
      return this.write(quote(v));
    }
    this.write("[secret]");
  }

  printObjectDiff(diff: ObjectDiff): void {
    const keys = diffKeys(diff);
    const width = maxKey(keys);
    for (const k of keys) this.printObjectPropertyDiff(k, width, diff);
  }

  printObjectPropertyDiff(key: string, width: number, diff: ObjectDiff): void {
    const title = (p: PropertyPrinter) => p.printTitle(key, width);
    if (key in diff.adds) this.printAdd(diff.adds[key] as DisplayValue, title);
    else if (key in diff.deletes) this.printDelete(diff.deletes[key] as DisplayValue, title);
    else if (key in diff.updates) this.printValueDiff(title, diff.updates[key] as ValueDiff);
    else if (!this.summary && shouldPrintValue(diff.sames[key] as DisplayValue, this.planning)) {
      this.withOp("same").withPrefix(false).printObjectProperty(key, diff.sames[key] as DisplayValue, width);
    }
  }

  printAdd(v: DisplayValue, title: (p: PropertyPrinter) => void): void {
    const p = this.withOp("create").withPrefix(true);
    title(p);
    p.printValue(v);
  }

  printDelete(v: DisplayValue, title: (p: PropertyPrinter) => void): void {
    const p = this.withOp("delete").withPrefix(true);
    title(p);
    p.printValue(v);
  }

  printValueDiff(title: (p: PropertyPrinter) => void, diff: ValueDiff): void {
    const p = this.withOp("update").withPrefix(true);
    if (diff.array) {
      title(p);
      p.write("[\n");
      const a = diff.array;
      for (let i = 0; i < a.length; i++) {
        const elem = p.indented(2);
        const elemTitle = (q: PropertyPrinter) => q.indented(-1).writeIndented(`[${i}]: `);
        if (a.adds.has(i)) elem.printAdd(a.adds.get(i) as DisplayValue, elemTitle);
        else if (a.deletes.has(i)) elem.printDelete(a.deletes.get(i) as DisplayValue, elemTitle);
        else if (a.updates.has(i)) elem.printValueDiff(elemTitle, a.updates.get(i) as ValueDiff);
        else if (a.sames.has(i) && !p.summary) {
          const same = elem.withOp("same").withPrefix(false);
          elemTitle(same);
          same.printValue(a.sames.get(i) as DisplayValue);
        }
      }
      p.writeUnprefixedIndented("]\n");
      return;
    }
    if (diff.object) {
      title(p);
      p.write("{\n");
      p.indented(1).printObjectDiff(diff.object);
      p.writeUnprefixedIndented("}\n");
      return;
    }
    const printOld = shouldPrintValue(diff.old, false);
    const printNew = shouldPrintValue(diff.new, false);
    if (printOld && printNew && isPrimitive(diff.old) && isPrimitive(diff.new)) {
      title(p);
      if (typeof diff.old === "string" && typeof diff.new === "string" && !isUnknown(diff.old) && !isUnknown(diff.new)) {
        return p.printTextDiff(diff.old, diff.new);
      }
      p.withOp("delete").printPrimitive(diff.old);
      p.write(" => ");
      p.withOp("create").printPrimitive(diff.new);
      p.write("\n");
      return;
    }
    // Different kinds of value: a deletion line and an addition line.
    if (printOld) p.printDelete(diff.old, title);
    if (printNew) p.printAdd(diff.new, title);
  }

  private printTextDiff(old: string, nu: string): void {
    if (this.printEncodedValueDiff(old, nu)) return;
    if (!old.includes("\n") && !nu.includes("\n")) {
      this.write(`${quote(old)} => ${quote(nu)}\n`);
      return;
    }
    this.indented(1).printLineDiff(old, nu);
  }

  private printEncodedValueDiff(old: string, nu: string): boolean {
    const o = decodeJson(old);
    const n = decodeJson(nu);
    if (o === undefined || n === undefined) return false;
    const d = diffValues(o, n);
    if (!d) {
      this.printTextDiff(JSON.stringify(old), JSON.stringify(nu));
      return true;
    }
    this.write("(json) ");
    this.printValueDiff(() => undefined, d);
    return true;
  }

  private printLineDiff(old: string, nu: string): void {
    this.write("\n");
    const runs = lineRuns(old.split(/(?<=\n)/), nu.split(/(?<=\n)/));
    const line = (op: DiffOp, text: string) => {
      const prefixed = op === "create" || op === "delete";
      this.withOp(op).withPrefix(prefixed).writeIndented(text);
    };
    runs.forEach((run, index) => {
      const lines = run.text.split("\n");
      const printLines = (op: DiffOp, from: number, to: number, of = lines) => {
        for (let i = from; i < to; i++) {
          if ((of[i] as string).trim() !== "") {
            line(op, of[i] as string);
            this.write("\n");
          }
        }
      };
      if (run.op !== "same") return printLines(run.op, 0, lines.length);
      const kept = lines.filter((l) => l.trim() !== "");
      const context = 2;
      if (index === 0 && kept.length > context + 1) {
        line("same", "...\n");
        return printLines("same", kept.length - context, kept.length, kept);
      }
      if (index === runs.length - 1 && index !== 0 && kept.length > context + 1) {
        printLines("same", 0, context, kept);
        return line("same", "...\n");
      }
      if (index !== 0 && index !== runs.length - 1 && kept.length > 2 * context + 1) {
        printLines("same", 0, context, kept);
        line("same", "...\n");
        return printLines("same", kept.length - context, kept.length, kept);
      }
      printLines("same", 0, kept.length, kept);
    });
  }
}

export function maxKey(keys: readonly string[]): number {
  return keys.reduce((m, k) => Math.max(m, k.length), 0);
}

export function isPrimitive(v: DisplayValue): boolean {
  return v === null || typeof v !== "object" || isSecret(v);
}

/** shouldPrintPropertyValue: nulls, empty strings, arrays and objects are clutter. */
export function shouldPrintValue(v: DisplayValue, _outs: boolean): boolean {
  if (v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObjectValue(v)) return Object.keys(v).length > 0;
  return true;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(0) : String(n);
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** A string holding a JSON object or array (decodeValue): the decoded value. */
function decodeJson(s: string): DisplayValue | undefined {
  const t = s.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    return typeof v === "object" && v !== null ? (v as DisplayValue) : undefined;
  } catch {
    return undefined;
  }
}

/** Consecutive runs of unchanged, removed and added lines (a longest-common-subsequence line diff). */
function lineRuns(a: string[], b: string[]): { op: DiffOp; text: string }[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const runs: { op: DiffOp; text: string }[] = [];
  const push = (op: DiffOp, text: string) => {
    const last = runs[runs.length - 1];
    if (last && last.op === op) last.text += text;
    else runs.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      push("same", a[i++]!);
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) push("create", b[j++]!);
    else push("delete", a[i++]!);
  }
  // diffmatchpatch reports deletions before insertions within a change
  for (let k = 0; k + 1 < runs.length; k++) {
    if (runs[k]!.op === "create" && runs[k + 1]!.op === "delete") [runs[k], runs[k + 1]] = [runs[k + 1]!, runs[k]!];
  }
  return runs;
}
