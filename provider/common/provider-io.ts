import type { z } from "zod";

/** One plain line to the user: the provider host forwards stdout to the Pulumi CLI as an info message. */
export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Inputs or state as the engine hands them over, without the serialized provider. */
export function withoutProvider(raw: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _provider, ...rest } = raw;
  return rest;
}

/** Parses inputs the engine already checked (a failure here is a bug or a state from another version). */
export function parseChecked<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  return schema.parse(withoutProvider(raw));
}

/** Parses stored outputs; undefined when they were written by an incompatible version (the caller starts over). */
export function parseState<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> | undefined {
  const parsed = schema.safeParse(withoutProvider(raw));
  return parsed.success ? parsed.data : undefined;
}
