/**
 * Runs provider calls with their printed lines kept instead of written: GlanceTaggedImage prints through its flow
 * settings, AmphoraImageBuild writes to stdout directly.
 */
import { useFlowSettings } from "../../provider/glance-tagged-image/context";

export async function quietly<T>(fn: () => Promise<T>, lines: string[] = []): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  useFlowSettings({ print: (line) => lines.push(line), pollMs: 300 });
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
    useFlowSettings();
  }
}
