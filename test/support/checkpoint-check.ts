/**
 * What `pulumi stack import` requires of a deployment, checked independently of engine/checkpoint.ts: the
 * apitype.UntypedDeployment v3 shape (pulumi/pulumi sdk/go/common/apitype/core.go), the snapshot integrity rules
 * the engine verifies on import (pkg/resource/deploy/snapshot.go VerifyIntegrity: providers, parents and
 * dependencies precede their users, provider references resolve, URNs unique except resources pending delete),
 * and secrets the passphrase secrets manager can open (PBKDF2-SHA256 1e6 → AES-256-GCM, `v1:<nonce>:<ct+tag>`).
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { z } from "zod";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

const resourceSchema = z
  .object({
    urn: z.string().regex(/^urn:pulumi:[^:]+::[^:]+::[^:].*::.+$/),
    custom: z.boolean(),
    delete: z.boolean().optional(),
    id: z.string().optional(),
    type: z.string().min(1),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    parent: z.string().optional(),
    protect: z.boolean().optional(),
    external: z.boolean().optional(),
    dependencies: z.array(z.string()).optional(),
    initErrors: z.array(z.string()).optional(),
    provider: z.string().optional(),
    additionalSecretOutputs: z.array(z.string()).optional(),
    retainOnDelete: z.boolean().optional(),
  })
  .strict();

const deploymentSchema = z
  .object({
    version: z.literal(3),
    deployment: z
      .object({
        manifest: z.object({ time: z.iso.datetime(), magic: z.string().regex(/^[0-9a-f]{64}$/), version: z.string() }).strict(),
        secrets_providers: z.object({ type: z.literal("passphrase"), state: z.object({ salt: z.string() }).strict() }).strict(),
        resources: z.array(resourceSchema),
      })
      .strict(),
  })
  .strict();

export type CheckedResource = z.infer<typeof resourceSchema>;

/** Validates the deployment; returns its resources with every secret opened (plain values). */
export function verifyCheckpoint(doc: unknown, passphrase: string): CheckedResource[] {
  const parsed = deploymentSchema.safeParse(doc);
  assert.ok(parsed.success, `not a v3 deployment: ${parsed.success ? "" : JSON.stringify(parsed.error.issues)}`);
  const { manifest, secrets_providers: secrets, resources } = parsed.data.deployment;
  assert.equal(manifest.magic, crypto.createHash("sha256").update(manifest.version).digest("hex"), "manifest magic");

  const [, saltB64, ...check] = secrets.state.salt.split(":");
  assert.ok(saltB64 && secrets.state.salt.startsWith("v1:"), "passphrase state v1:<salt>:<check>");
  const key = crypto.pbkdf2Sync(passphrase, Buffer.from(saltB64, "base64"), 1_000_000, 32, "sha256");
  assert.equal(open(key, check.join(":")), "pulumi", "the passphrase state opens to 'pulumi'");

  const seen = new Map<string, CheckedResource>();
  const providers = new Set<string>();
  assert.equal(resources[0]?.type, "pulumi:pulumi:Stack", "the root stack comes first");
  for (const r of resources) {
    if (seen.has(r.urn)) assert.ok(r.delete || seen.get(r.urn)?.delete, `duplicate URN ${r.urn} not pending delete`);
    if (r.parent) assert.ok(seen.has(r.parent), `${r.urn}: parent ${r.parent} does not precede it`);
    for (const d of r.dependencies ?? []) assert.ok(seen.has(d), `${r.urn}: dependency ${d} does not precede it`);
    if (r.custom && !r.type.startsWith("pulumi:providers:")) {
      assert.ok(r.id, `${r.urn}: custom resource without id`);
      assert.ok(r.provider && providers.has(r.provider), `${r.urn}: provider reference ${r.provider} does not resolve`);
    }
    if (r.type.startsWith("pulumi:providers:")) providers.add(`${r.urn}::${r.id ?? ""}`);
    seen.set(r.urn, r);
  }
  return resources.map((r) => ({ ...r, inputs: openAll(key, r.inputs), outputs: openAll(key, r.outputs) }));
}

function openAll(key: Buffer, map: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!map) return map;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) {
    const sealed = v as Record<string, unknown> | null;
    out[k] = sealed && typeof sealed === "object" && sealed[SIG] === SECRET ? JSON.parse(open(key, String(sealed.ciphertext))) : v;
  }
  return out;
}

function open(key: Buffer, sealed: string): string {
  const [version, nonce, ct] = sealed.split(":");
  assert.equal(version, "v1", `ciphertext version of ${sealed}`);
  const raw = Buffer.from(ct ?? "", "base64");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(nonce ?? "", "base64"));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString("utf8");
}
