/**
 * A value built on first use and kept for the process. The zod schemas are built this way: building one costs
 * more than parsing with it (AmphoraImageBuild's pair: ~3 ms against ~0.2 ms), and every diff parses. Provider
 * modules are loaded by the host with require(), never serialized, so this module-level cache is safe there.
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
