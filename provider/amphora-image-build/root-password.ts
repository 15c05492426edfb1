import { readFile } from "node:fs/promises";
import { BuildInputError } from "./errors";
import type { AmphoraImageBuildInputs } from "./inputs";

/**
 * `rootPasswordFrom`: the password is read when it is needed (build, diff of its digest) and lives only in memory;
 * what the engine stores is the reference. The rest of the provider sees it as `rootPassword`, which never reaches
 * outputs (see recordedInputs) and is redacted from logs.
 */
export async function withRootPassword(inputs: AmphoraImageBuildInputs): Promise<AmphoraImageBuildInputs> {
  const from = inputs.rootPasswordFrom;
  if (from === undefined) return inputs;
  if ("env" in from) {
    const value = process.env[from.env];
    if (value === undefined || value === "") {
      throw new BuildInputError(`rootPasswordFrom: environment variable ${from.env} is not set in the provider's environment (the pulumi process's); nothing was built`);
    }
    return { ...inputs, rootPassword: value };
  }
  let text: string;
  try {
    text = await readFile(from.file, "utf8");
  } catch (err) {
    throw new BuildInputError(`rootPasswordFrom: cannot read ${from.file}: ${err instanceof Error ? err.message : String(err)}; nothing was built`, { cause: err });
  }
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new BuildInputError(`rootPasswordFrom: ${from.file} is empty; nothing was built`);
  return { ...inputs, rootPassword: value };
}
