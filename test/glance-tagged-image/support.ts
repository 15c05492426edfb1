/**
 * Helpers for the GlanceTaggedImage `@cloud` tests: unique tags and resource keys per run, test image files, a
 * mini engine that drives the provider in-process the way the engine's step generator does (check → create, or
 * check → diff → update; read; delete), a poller that asks Glance exactly what Octavia asks, and cleanup of every
 * image a test resource made (found by its marker).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { deleteImage, listAllImages, listImagePages, replaceAttribute, updateImage, type Image } from "../../provider/glance/images";
import { isStatus } from "../../provider/glance/errors";
import { useGlanceClient } from "../../provider/common/provider-context";
import { useFlowSettings } from "../../provider/glance-tagged-image/context";
import { markerValue, RESOURCE_MARKER } from "../../provider/glance-tagged-image/markers";
import type { GlanceTaggedImageOutputs } from "../../provider/glance-tagged-image/outputs";
import { provider } from "../../provider/glance-tagged-image/provider";
import { glanceFor, runId } from "../glance/support/cloud-glance";

export { glanceFor, runId, startFileServer, storeDataDir } from "../glance/support/cloud-glance";

let counter = 0;
export const uniqueTag = (label: string): string => `gti-${runId}-${label}-${++counter}`;
export const uniqueKey = (label: string): string => `gti-test/${runId}/${label}-${++counter}`;

export interface TestImage {
  path: string;
  data: Buffer;
  sha256: string;
  sha512: string;
  md5: string;
}

const hex = (algo: string, data: Buffer): string => createHash(algo).update(data).digest("hex");

/** Temporary directory for a suite's image files. */
export class Files {
  private dir?: string;
  private n = 0;

  async image(size = 256 * 1024): Promise<TestImage> {
    this.dir ??= await mkdtemp(join(tmpdir(), "gti-test-"));
    const data = randomBytes(size + (++this.n % 7));
    const path = join(this.dir, `image-${this.n}.raw`);
    await writeFile(path, data);
    return { path, data, sha256: hex("sha256", data), sha512: hex("sha512", data), md5: hex("md5", data) };
  }

  async remove(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

type Inputs = Record<string, unknown>;

export interface Step {
  op: "create" | "same" | "update";
  outputs: GlanceTaggedImageOutputs;
  lines: string[];
}

/** Drives the provider in-process with a given client, capturing what it prints. */
export class Engine {
  state?: GlanceTaggedImageOutputs;
  lines: string[] = [];

  constructor(
    readonly glance: GlanceClient,
    readonly resourceKey: string,
    /** Clients of other regions (importFrom), by region name. */
    readonly regions: Readonly<Record<string, GlanceClient>> = {},
  ) {}

  private async call<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
    const lines: string[] = [];
    useGlanceClient(this.glance, this.regions);
    useFlowSettings({ print: (l) => lines.push(l), pollMs: 100 });
    try {
      return { value: await fn(), lines };
    } finally {
      this.lines.push(...lines);
      useFlowSettings();
      useGlanceClient(undefined);
    }
  }

  async check(inputs: Inputs): Promise<{ inputs: Inputs; failures: { property: string; reason: string }[] }> {
    // As the engine: the old inputs (kept in the state's outputs) are the olds, so the instance id carries over.
    const olds = (this.state ?? {}) as unknown as Record<string, unknown>;
    const { value } = await this.call(async () => provider.check!(olds, { resourceKey: this.resourceKey, ...inputs }));
    return { inputs: value.inputs as Inputs, failures: (value.failures ?? []) as { property: string; reason: string }[] };
  }

  private async checked(inputs: Inputs): Promise<Inputs> {
    const { inputs: checked, failures } = await this.check(inputs);
    if (failures.length) throw new Error(`check failed: ${JSON.stringify(failures)}`);
    return checked;
  }

  /** Check + diff only: what a preview shows. */
  async preview(inputs: Inputs): Promise<{ changes: boolean; lines: string[] }> {
    const checked = await this.checked(inputs);
    if (!this.state) return { changes: true, lines: [] };
    const state = this.state as unknown as Record<string, unknown>;
    const { value, lines } = await this.call(async () => provider.diff!(this.resourceKey, state, checked));
    return { changes: value.changes === true, lines };
  }

  async up(inputs: Inputs): Promise<Step> {
    const planned = this.lines.length;
    const checked = await this.checked(inputs);
    if (!this.state) {
      // A create's plan line is printed by check (the engine calls no diff for a create).
      const plan = this.lines.slice(planned);
      const { value, lines } = await this.call(() => provider.create(checked));
      this.state = value.outs as GlanceTaggedImageOutputs;
      return { op: "create", outputs: this.state, lines: [...plan, ...lines] };
    }
    const state = this.state as unknown as Record<string, unknown>;
    const diff = await this.call(async () => provider.diff!(this.resourceKey, state, checked));
    if (diff.value.changes !== true) return { op: "same", outputs: this.state, lines: diff.lines };
    const { value, lines } = await this.call(async () => provider.update!(this.resourceKey, state, checked));
    this.state = value.outs as GlanceTaggedImageOutputs;
    return { op: "update", outputs: this.state, lines: [...diff.lines, ...lines] };
  }

  async refresh(): Promise<{ gone: boolean; lines: string[] }> {
    const state = this.state as unknown as Record<string, unknown>;
    const { value, lines } = await this.call(async () => provider.read!(this.resourceKey, state));
    if (!value.id) {
      this.state = undefined;
      return { gone: true, lines };
    }
    this.state = value.props as GlanceTaggedImageOutputs;
    return { gone: false, lines };
  }

  async destroy(): Promise<string[]> {
    if (!this.state) return [];
    const state = this.state as unknown as Record<string, unknown>;
    const { lines } = await this.call(async () => provider.delete!(this.resourceKey, state));
    this.state = undefined;
    return lines;
  }
}

/** Octavia's exact query: the newest active image of the owner carrying the tag (at most 2 listed). */
export async function octaviaQuery(glance: GlanceClient, tag: string, owner: string): Promise<Image[]> {
  for await (const page of listImagePages(glance, { tag, status: "active", owner, sort: "created_at:desc", limit: 2 })) {
    return page.images;
  }
  return [];
}

export interface Poller {
  /** `sent`: when the query left, `at`: when its answer came. */
  samples: Array<{ sent: number; at: number; ids: string[] }>;
  /** The newest image in the answer to the first query sent after this call; waits for it (the poller must run). */
  current(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Polls Octavia's query every 20–50 ms until stopped. */
export function startOctaviaPoller(glance: GlanceClient, tag: string, owner: string): Poller {
  const samples: Array<{ sent: number; at: number; ids: string[] }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sent = Date.now();
      const images = await octaviaQuery(glance, tag, owner);
      samples.push({ sent, at: Date.now(), ids: images.map((i) => i.id) });
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 31)));
    }
  })();
  return {
    samples,
    current: async () => {
      const from = Date.now();
      const deadline = from + 10_000;
      for (;;) {
        const answer = samples.find((x) => x.sent > from);
        if (answer) return answer.ids[0];
        if (!running || Date.now() > deadline) throw new Error("the Octavia poller sent no query after the step");
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Every image (any project, as admin) carrying a resource's marker. */
export async function markedImages(resourceKey: string): Promise<Image[]> {
  const admin = await glanceFor("local-admin");
  return listAllImages(admin, { visibility: "all", filters: { [RESOURCE_MARKER]: markerValue(resourceKey) } });
}

/** Deletes (as admin, unprotecting first) every image carrying a test resource's marker, and listed extra ids. */
export async function cleanupImages(resourceKeys: readonly string[], extraIds: readonly string[] = []): Promise<void> {
  const admin = await glanceFor("local-admin");
  const ids = new Set(extraIds);
  for (const key of resourceKeys) for (const i of await markedImages(key)) ids.add(i.id);
  for (const id of ids) {
    try {
      await updateImage(admin, id, [replaceAttribute("protected", false)]);
      await deleteImage(admin, id);
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }
}

export { sleep } from "../../provider/common/sleep";
export const newId = (): string => randomBytes(4).toString("hex");
