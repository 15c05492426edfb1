/**
 * The text of one step in the CLI's diff display (`pulumi preview --diff`, `pulumi up --diff`;
 * pkg/backend/display/diff.go renderDiff and object_diff.go), without colours:
 *
 *     ~ pulumi-nodejs:dynamic/amphora:GlanceTaggedImage: (update)
 *         [id=5f0c…]
 *         [urn=urn:pulumi:dev::amphora::pulumi-nodejs:dynamic/amphora:GlanceTaggedImage::amphora]
 *       ~ file: "/srv/a.qcow2" => [unknown]
 *         name: "amphora-x64-haproxy"
 *
 * - the header: the step's symbol, type, `(op)`; `[id=…]` when there is an old resource; `[urn=…]`; the default
 *   provider is not shown;
 * - a create: the new inputs, unprefixed; a delete: the old inputs; an update or replace: the diff of the OLD
 *   INPUTS (from state) and the inputs Check RETURNED (the engine renders the step when it starts, before the
 *   provider has produced outputs: new outputs are still empty, so getResourcePropertiesDetails takes its
 *   old-inputs/new-inputs branch): `+`/`-`/`~` lines for what differs, unchanged non-empty properties unprefixed;
 * - after a step that ran (`up`), `--outputs:--` with the outputs that differ from the inputs (a create) or from
 *   the old outputs (an update); none in preview, where the engine has no outputs for a dynamic resource.
 */
import { UNKNOWN } from "../host/marshal";
import { byCodeUnit, diffKeys, diffMaps, diffValues, isInternalKey, type DisplayMap, type DisplayValue } from "./property-diff";
import { PropertyPrinter, RAW_PREFIX, indentation, maxKey, shouldPrintValue, type DiffOp } from "./property-print";
import type { StepDetail } from "./step-detail";

/** The header and details of a step, at `indent` (1 for the stack's children). */
export function renderStep(op: DiffOp, d: StepDetail, indent: number, planning: boolean): string {
  const out: string[] = [];
  out.push(indentation(indent, op, false) + RAW_PREFIX[op] + `${d.type}: (${op})\n`);
  if (d.id) out.push(`${indentation(indent + 1, "same", false)}[id=${d.id}]\n`);
  out.push(`${indentation(indent + 1, "same", false)}[urn=${d.urn}]\n`);
  if (op === "same") return out.join("");
  const detailIndent = indent + 1;
  if (!d.oldInputs && d.newInputs) {
    new PropertyPrinter(out, detailIndent, op, false, false, planning).printObject(d.newInputs);
  } else if (d.oldInputs && !d.newInputs) {
    new PropertyPrinter(out, detailIndent, op, false, false, planning).printObject(d.oldInputs);
  } else if (d.oldInputs && d.newInputs) {
    const diff = diffMaps(d.oldInputs, d.newInputs);
    if (diff) new PropertyPrinter(out, detailIndent, op, true, false, planning).printObjectDiff(diff);
    else new PropertyPrinter(out, detailIndent, "same", true, false, planning).printObject(d.newInputs);
  }
  return out.join("");
}

/**
 * `--outputs:--` of a step that ran (getResourceOutputsPropertiesString): outputs not equal to the input of the
 * same key; with old outputs, only those that changed. `showSames` (the stack during an update): every output.
 */
export function renderOutputs(op: DiffOp, d: StepDetail, indent: number, showSames = false): string {
  const outs = d.newOutputs ?? {};
  const ins = d.newInputs ?? {};
  const diff = d.oldOutputs ? diffMaps(d.oldOutputs, outs) : undefined;
  if (d.oldOutputs && !diff && !showSames) return "";
  const keys = diff ? diffKeys(diff) : Object.keys(outs).sort(byCodeUnit);
  const width = maxKey(keys);
  const body: string[] = [];
  const p = new PropertyPrinter(body, indent + 1, op, false);
  for (const k of keys) {
    const out = outs[k] as DisplayValue;
    if (!(diff || (!isInternalKey(k) && shouldPrintValue(out, true)))) continue;
    if (k in ins && !diffValues(out, ins[k] as DisplayValue)) continue;
    if (!showSames && diff && k in diff.sames) continue;
    if (diff) p.printObjectPropertyDiff(k, width, diff);
    else p.printObjectProperty(k, out, width);
  }
  if (body.length === 0) return "";
  return `${indentation(indent + 1, op, false)}--outputs:--\n${body.join("")}`;
}

/** The stack's outputs at the end of the program (the root stack's outputs event). */
export function renderStackOutputs(
  stackType: string,
  old: DisplayMap | undefined,
  outs: DisplayMap,
  planning: boolean,
): string {
  const d: StepDetail = { urn: "", type: stackType, oldOutputs: old, newOutputs: outs, newInputs: {} };
  if (planning) {
    // massageStackPreviewOutputDiff: an output that will only be known after the update is not shown as a change.
    const known: DisplayMap = {};
    for (const [k, v] of Object.entries(outs)) {
      const before = old?.[k];
      known[k] = before !== undefined && containsUnknown(v) ? before : v;
    }
    d.newOutputs = known;
  }
  return renderOutputs(old ? "same" : "create", d, 0, !planning);
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  return typeof v === "object" && v !== null && Object.values(v).some(containsUnknown);
}
