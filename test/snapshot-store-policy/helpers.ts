import * as assert from "node:assert";
import { snapshotStorePolicyInputsSchema, type SnapshotStorePolicyArgsInput } from "../../provider/snapshot-store-policy/inputs";
import { buildOutputs, type SnapshotStorePolicyOutputs } from "../../provider/snapshot-store-policy/outputs";
import type { Inventory } from "../../provider/snapshot-store-policy/compliance";

/** Normalised inputs (defaults applied). */
export const inputs = (args: SnapshotStorePolicyArgsInput) => snapshotStorePolicyInputsSchema().parse(args);

/** A state as create/refresh would record it for `inventory`. */
export function stateFor(args: SnapshotStorePolicyArgsInput, inventory: Inventory, extra: Partial<SnapshotStorePolicyOutputs> = {}): SnapshotStorePolicyOutputs {
  return { ...buildOutputs(inputs(args), { ownerProject: "p1", inventory, missing: [], relocated: [], failed: {} }), ...extra };
}

/** Runs `fn` with this process's stdout captured (the provider host forwards stdout to the CLI). */
export async function withStdout<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  try {
    const value = await fn();
    return { value, lines: chunks.join("").split("\n").filter(Boolean) };
  } finally {
    process.stdout.write = original;
  }
}

/** Fails on `undefined` anywhere (the host cannot marshal it). */
export function assertNoUndefined(value: unknown, at = "outputs"): void {
  assert.notStrictEqual(value, undefined, `${at} is undefined`);
  if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) assertNoUndefined(v, `${at}.${k}`);
}
