/**
 * Section 5: tag moves as Octavia sees them. One GlanceTaggedImage is created, then updated 20 times, each time
 * with a new source file (the engine's check → diff → update, through the provider implementation), while a
 * poller sends Octavia's exact query every 50 ms:
 *   GET /v2/images?tag=T&status=active&owner=O&sort=created_at:desc&limit=2
 * An empty answer means a load balancer created at that moment would find no amphora image.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { useGlanceClient } from "../provider/common/provider-context";
import type { GlanceClient } from "../provider/glance/client";
import { toListImagesQuery } from "../provider/glance/images";
import { provider } from "../provider/glance-tagged-image/provider";
import { quietly } from "./lib/quiet";
import { msSince, sleep } from "./lib/stats";

type Props = Record<string, unknown>;

export interface Poll {
  /** ms since the first poll was sent. */
  sentMs: number;
  answeredMs: number;
  ids: string[];
}

export interface TagMoveResult {
  moves: number;
  polls: number;
  pollIntervalMs: number;
  /** Answers with no image. */
  emptyAnswers: number;
  /** Longest stretch without an image: from the first empty answer's request to the next non-empty one's, ms. */
  longestGapMs: number;
  /** Times the newest image in the answer changed (one per move when every move is seen). */
  switches: number;
  /** Answers that listed two images (old and new both tagged for a moment: harmless, newest wins). */
  twoImageAnswers: number;
  /** Duration of each update (publish + tag move + retention), ms. */
  updateMs: number[];
  /** The image Octavia's query returned last is the one the last update published. */
  endsOnLatest: boolean;
  /** Failed polls (HTTP errors), which are not counted as empty. */
  pollErrors: number;
}

async function step(p: pulumi.dynamic.ResourceProvider, news: Props, state: Props | undefined): Promise<Props> {
  const checked = await p.check!({}, news);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const inputs = checked.inputs as Props;
  if (!state) return (await p.create(inputs)).outs as Props;
  const id = String(news.resourceKey);
  const diff = await p.diff!(id, state, inputs);
  if (diff.changes !== true) throw new Error("a new source file did not show as a change");
  return (await p.update!(id, state, inputs)).outs as Props;
}

export async function tagMoves(glance: GlanceClient, opts: { moves: number; pollMs: number; dir: string; runId: string }): Promise<TagMoveResult> {
  const tag = `pulumi-amphora-bench-${opts.runId}-move`;
  const resourceKey = `bench/${opts.runId}/tag-move`;
  const files: string[] = [];
  for (let i = 0; i <= opts.moves; i++) {
    const file = path.join(opts.dir, `move-${i}.raw`);
    await fs.writeFile(file, Buffer.alloc(64 * 1024 + i, i + 1));
    files.push(file);
  }
  const inputs = (i: number): Props => ({
    resourceKey,
    tag,
    file: files[i],
    diskFormat: "raw",
    importMethod: "upload",
    retention: { keep: 1, action: "delete" },
  });

  useGlanceClient(glance);
  let state: Props | undefined;
  const polls: Poll[] = [];
  let pollErrors = 0;
  const updateMs: number[] = [];
  try {
    state = await quietly(() => step(provider, inputs(0), undefined));
    const base = await glance.baseUrl();
    const query = toListImagesQuery({ tag, status: "active", owner: glance.projectId, sort: "created_at:desc", limit: 2 }).toString();
    const url = `${base}/images?${query}`;
    let running = true;
    const origin = process.hrtime.bigint();
    const poller = (async () => {
      for (let k = 0; running; k++) {
        const due = k * opts.pollMs - msSince(origin);
        if (due > 0) await sleep(due);
        const sentMs = msSince(origin);
        try {
          const page = await glance.http.get(url, { retry: { limit: 0 } }).json<{ images: Array<{ id: string }> }>();
          polls.push({ sentMs, answeredMs: msSince(origin), ids: page.images.map((i) => i.id) });
        } catch {
          pollErrors++;
        }
      }
    })();
    await sleep(300);
    for (let i = 1; i <= opts.moves; i++) {
      const t = process.hrtime.bigint();
      const current: Props | undefined = state;
      state = await quietly(() => step(provider, inputs(i), current));
      updateMs.push(msSince(t));
    }
    await sleep(300);
    running = false;
    await poller;
  } finally {
    if (state) {
      const last = state;
      await quietly(async () => provider.delete!(resourceKey, last)).catch(() => undefined);
    }
    useGlanceClient(undefined);
  }

  let emptyAnswers = 0;
  let longestGapMs = 0;
  let gapStart: number | undefined;
  let switches = 0;
  let twoImageAnswers = 0;
  let top: string | undefined;
  for (const poll of polls) {
    if (poll.ids.length === 0) {
      emptyAnswers++;
      gapStart ??= poll.sentMs;
      continue;
    }
    if (gapStart !== undefined) longestGapMs = Math.max(longestGapMs, poll.sentMs - gapStart);
    gapStart = undefined;
    if (poll.ids.length > 1) twoImageAnswers++;
    if (top !== undefined && poll.ids[0] !== top) switches++;
    top = poll.ids[0];
  }
  if (gapStart !== undefined) longestGapMs = Math.max(longestGapMs, (polls[polls.length - 1]?.answeredMs ?? gapStart) - gapStart);
  return {
    moves: opts.moves,
    polls: polls.length,
    pollIntervalMs: opts.pollMs,
    emptyAnswers,
    longestGapMs,
    switches,
    twoImageAnswers,
    updateMs,
    endsOnLatest: top !== undefined && top === (state?.imageId as string | undefined),
    pollErrors,
  };
}
