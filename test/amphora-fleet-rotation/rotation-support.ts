/** What the `@cloud` AmphoraFleetRotation tests share: the provider under the real host, its inputs for a TestFleet. */
import * as assert from "node:assert";
import * as path from "node:path";
import { ProviderCallError, type Lifecycle, type PropertyMap } from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { cloudsFile } from "../support/cloud";
import type { TestFleet } from "./octavia-support";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const TYPE = "pulumi-nodejs:dynamic/amphora:AmphoraFleetRotation";
export const provider = packageProvider("amphora-fleet-rotation/provider");

export function hostEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) if (key.startsWith("OS_")) env[key] = undefined;
  return { ...env, OS_CLIENT_CONFIG_FILE: cloudsFile() };
}

/** The host options of these tests: the admin session (failover and the amphora API are admin-only). */
export const hostOptions = () => ({ cwd: repoRoot, config: { "openstack:cloud": "local-admin" }, env: hostEnv(), callTimeoutMs: 240_000 });

/** Rotation inputs for a fleet: its load balancers only, the local Octavia has no health manager (OFFLINE). */
export function argsFor(fleet: TestFleet, lbs: string[], extra: PropertyMap = {}): PropertyMap {
  return {
    imageTag: fleet.tag,
    loadBalancers: lbs,
    healthGate: { operatingStatuses: ["ONLINE", "OFFLINE"] },
    timeouts: { failoverSeconds: 120, pollSeconds: 0.5 },
    ...extra,
  };
}

export const short = (id: string): string => id.slice(0, 8);

/** `tag-a (1a2b3c4d)`, as the provider names a load balancer of a TestFleet. */
export const lbName = (fleet: TestFleet, name: string, id: string): string => `${fleet.tag}-${name} (${short(id)})`;

/** An up that must fail: the provider's error. */
export async function failedUp(lc: Lifecycle, args: PropertyMap): Promise<ProviderCallError> {
  const err = await lc.up(args).then(
    () => assert.fail("up should fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderCallError, String(err));
  return err;
}

/** The provider's lines for this rotation, without its `AmphoraFleetRotation <tag>: ` prefix. */
export const linesOf = (fleet: TestFleet, output: string[]): string[] =>
  output.filter((l) => l.startsWith(`AmphoraFleetRotation ${fleet.tag}: `)).map((l) => l.slice(`AmphoraFleetRotation ${fleet.tag}: `.length));
