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
