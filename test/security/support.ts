/**
 * Helpers of the security suite: a scanner that looks for known credentials (and any Keystone Fernet token) in
 * everything a provider hands back or prints, the engine's view of state with secret inputs set aside, and the
 * host environment for `@cloud` tests (only what the test configures; no `OS_*` of the developer's shell).
 */
import { AssertionError } from "node:assert";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isSecret, type PropertyMap, type ResourceState } from "../harness";

export const REPO_ROOT = resolve(__dirname, "..", "..");

export const TYPES = {
  build: "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild",
  image: "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage",
  policy: "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy",
} as const;

/** The provider host loads dist/ through the self-link: fail early with the fix when it is missing. */
export function assertBuilt(): void {
  for (const p of ["amphora-image-build", "glance-tagged-image", "snapshot-store-policy"]) {
    if (!existsSync(join(REPO_ROOT, "dist", "provider", p, "provider.js")) || !existsSync(join(REPO_ROOT, "node_modules", "pulumi-amphora"))) {
      throw new Error("dist/ is not built or not self-linked: run `npm run build && node scripts/link-self.js` first");
    }
  }
}

/** Host environment without any `OS_*` variable (and without a clouds.yaml), plus `extra`. */
export function hostEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) if (key.startsWith("OS_")) env[key] = undefined;
  return { ...env, ...extra };
}

/** A Keystone Fernet token (what the local Keystone issues): `gAAAAA` + url-safe base64, ~180 characters. */
const FERNET = /gAAAAA[A-Za-z0-9_=-]{60,}/;

export interface Credential {
  /** What it is, for failure messages (the value itself is never printed). */
  label: string;
  value: string;
}

export interface ScanHit {
  credential: string;
  where: string;
}

/**
 * Greps texts for credentials. `scan` never throws (so a test can collect everything first); `assertClean` fails
 * naming the credential's label and where it was found, never its value.
 */
export class CredentialScanner {
  readonly hits: ScanHit[] = [];
  texts = 0;
  bytes = 0;

  constructor(private readonly credentials: Credential[]) {
    for (const c of credentials) if (c.value.length < 8) throw new Error(`credential ${c.label} is too short to grep for`);
  }

  add(credential: Credential): void {
    this.credentials.push(credential);
  }

  get count(): number {
    return this.credentials.length;
  }

  scan(where: string, value: unknown): void {
    const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
    this.texts++;
    this.bytes += Buffer.byteLength(text, "utf8");
    for (const c of this.credentials) if (text.includes(c.value)) this.hits.push({ credential: c.label, where });
    if (FERNET.test(text)) this.hits.push({ credential: "a Keystone token (Fernet)", where });
  }

  /** Labels of the credentials `value` contains, without recording a hit (for controls: the scan can see them). */
  found(value: unknown): string[] {
    const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
    return [...this.credentials.filter((c) => text.includes(c.value)).map((c) => c.label), ...(FERNET.test(text) ? ["a Keystone token (Fernet)"] : [])];
  }

  scanLines(where: string, lines: readonly string[]): void {
    lines.forEach((line, i) => this.scan(`${where} line ${i + 1}`, line));
  }

  assertClean(): void {
    if (this.hits.length === 0) return;
    throw new AssertionError({
      message: `credentials found: ${this.hits.map((h) => `${h.credential} in ${h.where}`).join("; ")}`,
      operator: "CredentialScanner",
    });
  }
}

/**
 * What the engine stores in plain text for a resource: outputs (with `__provider`) and the checked inputs, except
 * inputs that the program passed as secrets (the engine stores those encrypted). Returns the plain part and the
 * names of the inputs set aside.
 */
export function plainState(state: ResourceState | undefined, programInputs: PropertyMap): { plain: unknown; secretInputs: string[] } {
  if (!state) return { plain: {}, secretInputs: [] };
  const secretInputs = Object.keys(programInputs).filter((k) => isSecret(programInputs[k]));
  const inputs = Object.fromEntries(Object.entries(state.inputs).filter(([k]) => !secretInputs.includes(k)));
  return { plain: { id: state.id, inputs, outputs: state.outputs, secretOutputs: state.secretOutputs }, secretInputs };
}
