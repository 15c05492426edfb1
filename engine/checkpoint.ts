/**
 * The runner's state as a Pulumi deployment (the format of `pulumi stack export`, accepted by
 * `pulumi stack import`), so that a stack the runner made moves to the CLI's backend with every resource instead of
 * starting empty and orphaning them (scripts/up.sh does this when the CLI appears).
 *
 * Shape (apitype.UntypedDeployment, version 3): the root `pulumi:pulumi:Stack` resource first (stack outputs),
 * then the default `pulumi-nodejs` provider resource, then the resources in the order their steps completed
 * (dependencies first), each dynamic resource referencing the provider as `<provider urn>::<provider id>`; the old
 * half of a replacement is kept with `delete: true` as the engine keeps it. Secrets are written as the passphrase
 * secrets manager writes them: `secrets_providers.state.salt` = `v1:<salt>:<"pulumi" encrypted>`, each secret value
 * `{ <sig>: <secret sig>, ciphertext: "v1:<nonce>:<AES-256-GCM of its JSON>" }`, key = PBKDF2-SHA256(passphrase,
 * salt, 1,000,000 iterations, 32 bytes).
 *
 * Resources the runner only recorded (custom resources of other providers: it never created them) are left out and
 * named, so that the CLI creates them; components are kept.
 */
import * as crypto from "crypto";
import type { PropertyValue } from "./host/marshal";
import { SECRET_SIG, SIG_KEY } from "./secrets";
import type { ResourceRecord, StackState } from "./state";

const STACK_TYPE = "pulumi:pulumi:Stack";
const PBKDF2_ITERATIONS = 1_000_000;

export interface CheckpointResource {
  urn: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  external?: boolean;
  dependencies?: string[];
  initErrors?: string[];
  provider?: string;
  additionalSecretOutputs?: string[];
  retainOnDelete?: boolean;
}

export interface Checkpoint {
  version: 3;
  deployment: {
    manifest: { time: string; magic: string; version: string };
    secrets_providers: { type: "passphrase"; state: { salt: string } };
    resources: CheckpointResource[];
  };
}

export interface ExportResult {
  checkpoint: Checkpoint;
  /** URNs left out: recorded only by the runner, never created. */
  skipped: string[];
}

export interface ExportOptions {
  /** PULUMI_CONFIG_PASSPHRASE of the CLI stack the checkpoint is imported into (may be empty, as the CLI allows). */
  passphrase: string;
  /** `v<version>` of @pulumi/pulumi, written in the manifest. */
  engineVersion: string;
  /** Provider resource id (a UUID, as the engine makes); random when not given. */
  providerId?: string;
}

export function toCheckpoint(state: StackState, opts: ExportOptions): ExportResult {
  const sealer = PassphraseSealer.create(opts.passphrase);
  const stackUrn = `urn:pulumi:${state.stack}::${state.project}::${STACK_TYPE}::${state.project}-${state.stack}`;
  const providerUrn = `urn:pulumi:${state.stack}::${state.project}::pulumi:providers:pulumi-nodejs::default`;
  const providerId = opts.providerId ?? crypto.randomUUID();
  const resources: CheckpointResource[] = [
    { urn: stackUrn, custom: false, type: STACK_TYPE, outputs: sealer.sealKeys(state.outputs, state.secretOutputs) },
  ];
  const skipped: string[] = [];
  const dynamic = state.resources.filter((r) => r.dynamic && r.custom);
  if (dynamic.length > 0) {
    resources.push({ urn: providerUrn, custom: true, id: providerId, type: "pulumi:providers:pulumi-nodejs", inputs: {}, outputs: {} });
  }
  const kept = new Set<string>([stackUrn]);
  for (const rec of state.resources) {
    if (rec.custom && !rec.dynamic) {
      skipped.push(rec.urn);
      continue;
    }
    kept.add(rec.urn);
  }
  // Live resources first, in state order; the old halves of replacements after them, as the engine orders them.
  const ordered = [...state.resources.filter((r) => !r.pendingDelete), ...state.resources.filter((r) => r.pendingDelete)];
  for (const rec of ordered) {
    if (!kept.has(rec.urn)) continue;
    resources.push(toResource(rec, stackUrn, kept, sealer, rec.dynamic && rec.custom ? `${providerUrn}::${providerId}` : undefined));
  }
  return {
    checkpoint: {
      version: 3,
      deployment: {
        manifest: { time: new Date().toISOString(), magic: sha256Hex(opts.engineVersion), version: opts.engineVersion },
        secrets_providers: { type: "passphrase", state: { salt: sealer.state } },
        resources,
      },
    },
    skipped,
  };
}

function toResource(
  rec: ResourceRecord,
  stackUrn: string,
  kept: ReadonlySet<string>,
  sealer: PassphraseSealer,
  provider: string | undefined,
): CheckpointResource {
  const parent = rec.parent && kept.has(rec.parent) ? rec.parent : stackUrn;
  return {
    urn: rec.urn,
    custom: rec.custom,
    ...(rec.pendingDelete ? { delete: true } : {}),
    ...(rec.custom ? { id: rec.id } : {}),
    type: rec.type,
    inputs: sealer.sealKeys(rec.inputs, rec.secretInputs),
    outputs: sealer.sealKeys(rec.outputs, rec.secretOutputs),
    parent,
    ...(rec.protect ? { protect: true } : {}),
    ...(rec.external ? { external: true } : {}),
    dependencies: rec.dependencies.filter((d) => kept.has(d)),
    ...(rec.initErrors?.length ? { initErrors: rec.initErrors } : {}),
    ...(provider ? { provider } : {}),
    ...(rec.additionalSecretOutputs?.length ? { additionalSecretOutputs: rec.additionalSecretOutputs } : {}),
    ...(rec.retainOnDelete ? { retainOnDelete: true } : {}),
  };
}

/** The passphrase secrets manager's encryption (pkg/secrets/passphrase of pulumi/pulumi). */
export class PassphraseSealer {
  private constructor(
    private readonly key: Buffer,
    /** `v1:<salt b64>:<"pulumi" sealed>`: the manager's state, which lets the CLI check the passphrase. */
    readonly state: string,
  ) {}

  static create(passphrase: string): PassphraseSealer {
    const salt = crypto.randomBytes(8);
    const key = crypto.pbkdf2Sync(passphrase, salt, PBKDF2_ITERATIONS, 32, "sha256");
    const probe = new PassphraseSealer(key, "");
    return new PassphraseSealer(key, `v1:${salt.toString("base64")}:${probe.seal("pulumi")}`);
  }

  /** `v1:<nonce b64>:<ciphertext+tag b64>`. */
  seal(plaintext: string): string {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, nonce);
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${ct.toString("base64")}`;
  }

  /** The given top-level keys as secret values (the JSON of the value, sealed). */
  sealKeys(map: Record<string, PropertyValue>, keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { ...map };
    for (const k of keys) {
      if (k in out) out[k] = { [SIG_KEY]: SECRET_SIG, ciphertext: this.seal(JSON.stringify(out[k])) };
    }
    return out;
  }
}

function sha256Hex(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex");
}
