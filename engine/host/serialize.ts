/**
 * Serializes a dynamic provider exactly as `pulumi.dynamic.Resource` does for its `__provider` property.
 *
 * @pulumi/pulumi/dynamic/index.js (3.270.0) has an internal `serializeProvider(provider)` that calls
 * `runtime/closure/serializeClosure.serializeFunction(() => provider, { allowSecrets: true })` and wraps `.text`
 * in an Output that is secret iff `.containsSecrets`. `pulumi.runtime.serializeFunction` is that same function
 * (re-exported), and the arrow below has the same text and the same captured name (`provider`) as the SDK's, so
 * the emitted text is byte-identical (test/harness.test.ts compares it with a setMocks program).
 */
import * as pulumi from "@pulumi/pulumi";

export interface SerializedProvider {
  /** The module text stored in `__provider` (what the host compiles with require-from-string). */
  readonly text: string;
  /** UTF-8 size of `text`. */
  readonly bytes: number;
  /** True if a pulumi secret was captured: the SDK then marks `__provider` secret (stored encrypted). */
  readonly containsSecrets: boolean;
}

export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<SerializedProvider> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, bytes: Buffer.byteLength(sf.text, "utf8"), containsSecrets: sf.containsSecrets };
}
