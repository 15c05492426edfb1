/**
 * A small fleet on the local Octavia (`scripts/local-openstack.sh start --octavia`) for the `@cloud`
 * AmphoraFleetRotation tests: amphora images with a tag of the test's own, an Octavia flavor whose
 * `amp_image_tag` is that tag (so the tests never touch the deployment's default tag), load balancers of that
 * flavor, and cleanup of all of it. Octavia's test compute driver (test/octavia-driver) records the image each
 * amphora booted; an image with the property `octavia_test_boot_fault` fails to boot.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { Readable } from "node:stream";
import { createImage, deleteImage, isStatus, uploadImageData, type GlanceClient } from "../../provider/glance";
import { failoverLoadBalancer, getLoadBalancer, listAmphorae, type Amphora } from "../../provider/octavia/client";
import type { ServiceClient } from "../../provider/openstack";
import { glanceFor, localCloudDir, sessionFor } from "../support/cloud";

export const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

export async function octaviaFor(cloud: "local-admin" | "local-demo"): Promise<ServiceClient> {
  const session = await sessionFor(cloud);
  try {
    return await session.serviceClient("load-balancer");
  } catch (err) {
    throw new Error(`no Octavia in the local cloud's catalog: run \`bash scripts/local-openstack.sh start --octavia\` (${String(err)})`);
  }
}

export type Topology = "SINGLE" | "ACTIVE_STANDBY";

export class TestFleet {
  /** `tag`: the amp_image_tag of this fleet's flavors (default a unique one; images published elsewhere, e.g. by an example). */
  constructor(readonly tag = `fleet-test-${runId}-${randomBytes(2).toString("hex")}`) {}

  private readonly images: string[] = [];
  private readonly lbs: string[] = [];
  private readonly flavors: Array<{ flavor: string; profile: string }> = [];
  private glance!: GlanceClient;
  private octavia!: ServiceClient;

  async connect(): Promise<this> {
    this.glance = await glanceFor("local-admin");
    this.octavia = await octaviaFor("local-admin");
    return this;
  }

  /** An active image carrying the fleet's tag + `tagSuffix` (the newest one is what Octavia boots). */
  async publishImage(name: string, properties: Record<string, string> = {}, tagSuffix = ""): Promise<string> {
    const image = await createImage(this.glance, {
      name: `${this.tag}-${name}`,
      diskFormat: "raw",
      containerFormat: "bare",
      tags: [`${this.tag}${tagSuffix}`],
      properties,
    });
    this.images.push(image.id);
    const data = randomBytes(1024);
    await uploadImageData(this.glance, image.id, Readable.from([data]), { size: data.length });
    // Octavia picks the newest created_at; Glance's timestamps have one-second resolution.
    await new Promise((r) => setTimeout(r, 1100));
    return image.id;
  }

  /** An Octavia flavor booting this fleet's tag + `tagSuffix` with `topology`. */
  async flavor(topology: Topology, tagSuffix = ""): Promise<string> {
    const profile = (await this.octavia.http
      .post(`${this.octavia.endpoint}/v2/lbaas/flavorprofiles`, {
        json: {
          flavorprofile: {
            name: `${this.tag}${tagSuffix}-${topology}`,
            provider_name: "amphora",
            flavor_data: JSON.stringify({ amp_image_tag: `${this.tag}${tagSuffix}`, loadbalancer_topology: topology }),
          },
        },
      })
      .json()) as { flavorprofile: { id: string } };
    const flavor = (await this.octavia.http
      .post(`${this.octavia.endpoint}/v2/lbaas/flavors`, {
        json: { flavor: { name: `${this.tag}${tagSuffix}-${topology}`, flavor_profile_id: profile.flavorprofile.id } },
      })
      .json()) as { flavor: { id: string } };
    this.flavors.push({ flavor: flavor.flavor.id, profile: profile.flavorprofile.id });
    return flavor.flavor.id;
  }

  /** Load balancers of `flavorId`, created in parallel and waited for until ACTIVE. */
  async loadBalancers(names: string[], flavorId: string): Promise<string[]> {
    const ids = await Promise.all(
      names.map(async (name) => {
        const made = (await this.octavia.http
          .post(`${this.octavia.endpoint}/v2/lbaas/loadbalancers`, {
            json: { loadbalancer: { name: `${this.tag}-${name}`, vip_subnet_id: crypto.randomUUID(), flavor_id: flavorId } },
          })
          .json()) as { loadbalancer: { id: string } };
        this.lbs.push(made.loadbalancer.id);
        return made.loadbalancer.id;
      }),
    );
    await Promise.all(ids.map((id) => this.settled(id, "ACTIVE")));
    return ids;
  }

  async settled(id: string, expected?: string, timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await getLoadBalancer(this.octavia, id)).provisioning_status;
      if (!status.startsWith("PENDING_")) {
        if (expected !== undefined && status !== expected) throw new Error(`load balancer ${id} is ${status}, expected ${expected}`);
        return status;
      }
      if (Date.now() > deadline) throw new Error(`load balancer ${id} still ${status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** The serving amphorae of a load balancer. */
  async amphorae(lbId: string): Promise<Amphora[]> {
    return (await listAmphorae(this.octavia, { loadbalancer_id: lbId })).filter((a) => a.status !== "DELETED");
  }

  /** A failover by someone else (the test): the load balancer is PENDING_UPDATE when this returns. */
  async failover(lbId: string): Promise<void> {
    await failoverLoadBalancer(this.octavia, lbId);
  }

  async cleanup(): Promise<void> {
    const gone = async (id: string): Promise<void> => {
      try {
        await this.settled(id);
        await this.octavia.http.delete(`${this.octavia.endpoint}/v2/lbaas/loadbalancers/${id}?cascade=true`);
        for (let i = 0; i < 300; i++) {
          if ((await getLoadBalancer(this.octavia, id)).provisioning_status === "DELETED") return;
          await new Promise((r) => setTimeout(r, 300));
        }
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    };
    await Promise.all(this.lbs.map(gone));
    for (const { flavor, profile } of this.flavors) {
      await this.octavia.http.delete(`${this.octavia.endpoint}/v2/lbaas/flavors/${flavor}`);
      await this.octavia.http.delete(`${this.octavia.endpoint}/v2/lbaas/flavorprofiles/${profile}`);
    }
    for (const id of this.images) {
      try {
        await deleteImage(this.glance, id);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
  }
}

const octaviaScript = path.resolve(__dirname, "..", "..", "scripts", "local-openstack", "octavia.sh");

const workerSignal = (command: "pause-worker" | "resume-worker"): Promise<unknown> => promisify(execFile)("bash", [octaviaScript, command]);

export interface WorkerControl {
  /** SIGSTOP: requests are accepted and queued, a load balancer being failed over stays PENDING_UPDATE. */
  pause(): Promise<void>;
  /** SIGCONT: its flows in flight and the queued requests go on. */
  resume(): Promise<void>;
}

/**
 * Runs `body` with Octavia's worker paused (the worker is shared: it is resumed however `body` ends).
 */
export async function withWorkerPaused<T>(body: (worker: WorkerControl) => Promise<T>): Promise<T> {
  const worker: WorkerControl = {
    pause: async () => void (await workerSignal("pause-worker")),
    resume: async () => void (await workerSignal("resume-worker")),
  };
  await worker.pause();
  try {
    return await body(worker);
  } finally {
    await worker.resume();
  }
}

/**
 * Octavia API's request log (uwsgi: one line per request, `PUT /v2/lbaas/loadbalancers/<id>/failover => … (HTTP/1.1 409)`),
 * read from where it ends now: what the provider under test asked of Octavia, as Octavia saw it.
 */
export class OctaviaApiLog {
  private readonly file = path.join(realpathSync(localCloudDir), "log", "octavia", "octavia-uwsgi.log");
  private readonly start = statSync(this.file).size;

  /** The request lines (`METHOD /path?query => status`) logged since this object was made. */
  requests(): string[] {
    const text = readFileSync(this.file).subarray(this.start).toString("utf8");
    return [...text.matchAll(/\] ([A-Z]+ \S+) => generated .*?\(HTTP\/1\.1 (\d+)\)/g)].map((m) => `${m[1]} => ${m[2]}`);
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.requests().find((r) => pattern.test(r));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`Octavia's API log shows no request matching ${pattern}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
