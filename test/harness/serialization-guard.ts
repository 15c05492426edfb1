/**
 * Guard for what a provider puts into state: the serialized `__provider` text is stored in plain text (twice per
 * resource) unless pulumi secrets were captured. Fails if serialization throws, if any forbidden string (e.g. a
 * test credential) appears in the text, if the text exceeds its size budget, or if pulumi secrets were captured.
 */
import { AssertionError } from "assert";
import type * as pulumi from "@pulumi/pulumi";
import { serializeProvider } from "../../engine/host/serialize";

export interface SerializationGuardOptions {
  /** Strings that must not appear in the serialized text (credentials, tokens, hostnames...). */
  forbidden?: readonly string[];
  /** Size budget in UTF-8 bytes. Default 20_000. */
  maxBytes?: number;
  /** Allow captured pulumi secrets (`containsSecrets`). Default false: a provider should not capture any. */
  allowSecrets?: boolean;
}

export interface SerializationGuardResult {
  text: string;
  bytes: number;
  containsSecrets: boolean;
}

export async function assertProviderSerializes(
  provider: pulumi.dynamic.ResourceProvider,
  options: SerializationGuardOptions = {},
): Promise<SerializationGuardResult> {
  const { forbidden = [], maxBytes = 20_000, allowSecrets = false } = options;
  let result: SerializationGuardResult;
  try {
    result = await serializeProvider(provider);
  } catch (e) {
    throw new AssertionError({
      message: `provider does not serialize: ${e instanceof Error ? e.message : String(e)}`,
      actual: e,
      operator: "assertProviderSerializes",
    });
  }
  const { text, bytes } = result;

  for (const needle of forbidden) {
    if (!needle) continue;
    const at = text.indexOf(needle);
    if (at >= 0) {
      throw new AssertionError({
        message:
          `serialized provider contains a forbidden string (${describeSecret(needle)}) at offset ${at}, ` +
          `inside ${enclosingDeclaration(text, at)}:\n` +
          excerpt(text, at, needle.length),
        operator: "assertProviderSerializes",
      });
    }
  }

  if (bytes > maxBytes) {
    throw new AssertionError({
      message:
        `serialized provider is ${bytes} bytes, over the ${maxBytes}-byte budget. Largest parts: ` +
        largestDeclarations(text, 3)
          .map((d) => `${d.name} (${d.bytes} B)`)
          .join(", "),
      operator: "assertProviderSerializes",
    });
  }

  if (result.containsSecrets && !allowSecrets) {
    throw new AssertionError({
      message: "serialized provider captured a pulumi secret (containsSecrets=true): it would be stored in state",
      operator: "assertProviderSerializes",
    });
  }
  return result;
}

/** Never echo a credential in a test failure: show its length and first two characters only. */
function describeSecret(s: string): string {
  return `"${s.slice(0, 2)}…", ${s.length} chars`;
}

function excerpt(text: string, at: number, len: number): string {
  const start = Math.max(0, at - 80);
  const end = Math.min(text.length, at + len + 80);
  return (
    text.slice(start, at) + "*".repeat(Math.min(len, 8)) + text.slice(at + len, end)
  ).replace(/^/gm, "    | ");
}

interface Declaration {
  name: string;
  start: number;
  bytes: number;
}

/** Top-level declarations of the serializer's output: `function __fN(...)` and `var __x = ...`. */
function declarations(text: string): Declaration[] {
  const re = /^(?:function (\w+)|var (\w+) =)/gm;
  const found: { name: string; start: number }[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) found.push({ name: (m[1] ?? m[2]) as string, start: m.index });
  return found.map((d, i) => {
    const end = i + 1 < found.length ? (found[i + 1] as { start: number }).start : text.length;
    return { ...d, bytes: Buffer.byteLength(text.slice(d.start, end), "utf8") };
  });
}

function enclosingDeclaration(text: string, at: number): string {
  const decl = declarations(text)
    .filter((d) => d.start <= at)
    .pop();
  return decl ? decl.name : "the module header";
}

function largestDeclarations(text: string, n: number): Declaration[] {
  return declarations(text)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n);
}
