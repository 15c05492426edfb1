/**
 * Section 6: one image published to two regions (cloud `local-multi`, RegionOne and RegionTwo of the local cloud),
 * through the provider implementation (check → create), two ways in each round, order alternating:
 *   two uploads   a GlanceTaggedImage per region, both with `file` (what examples/multi-region did before)
 *   importFrom    RegionOne's resource uploads `file`, RegionTwo's imports that image (`importFrom`: glance-download
 *                 where RegionTwo offers it)
 * Measured per way: wall time of both creates, and the bytes this process wrote to its sockets (every TCP
 * connection it opened, whatever client; request headers and JSON included), against the image's size.
 */
import * as dc from "node:diagnostics_channel";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import type { Socket } from "node:net";
import * as path from "node:path";
import { useGlanceClient } from "../provider/common/provider-context";
import { GlanceClient } from "../provider/glance/client";
import { listImportMethods } from "../provider/glance/info";
import { provider } from "../provider/glance-tagged-image/provider";
import { OpenStackSession, resolveSessionConfig } from "../provider/openstack";
import { localCloudsFiles } from "../test/support/cloud";
import { quietly } from "./lib/quiet";
import { msSince } from "./lib/stats";

type Props = Record<string, unknown>;
export type MultiRegionWay = "two-uploads" | "import-from";

export interface MultiRegionRun {
  way: MultiRegionWay;
  round: number;
  wallMs: number;
  /** Bytes written to sockets by this process during both creates. */
  bytesSent: number;
  /** RegionTwo's image came by glance-download (its plan line said so). */
  glanceDownload: boolean;
}

export interface MultiRegionResult {
  imageBytes: number;
  rounds: number;
  /** What RegionTwo's Glance offers (`/v2/info/import`). */
  regionTwoMethods: string[];
  runs: MultiRegionRun[];
}

/** A Glance client of the local cloud's project `multi` (cloud local-multi, which sees both regions) in `region`. */
export async function multiGlance(region: string): Promise<GlanceClient> {
  const session = await OpenStackSession.create(resolveSessionConfig({ cloud: "local-multi", region }, undefined, {}, localCloudsFiles()));
  return new GlanceClient(await session.serviceClient("image", { region }));
}

/**
 * Every socket this process opens from now on; `sent()` is the sum of their bytesWritten. Kept-alive connections
 * are reused across creates, so what one create sent is the difference of two readings.
 */
function watchSockets(): { sent: () => number; stop: () => void } {
  const sockets: Socket[] = [];
  const handler = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket;
    if (socket) sockets.push(socket);
  };
  dc.subscribe("net.client.socket", handler);
  return {
    sent: () => sockets.reduce((sum, s) => sum + s.bytesWritten, 0),
    stop: () => dc.unsubscribe("net.client.socket", handler),
  };
}

async function create(news: Props, lines: string[]): Promise<Props> {
  const checked = await quietly(() => provider.check!({}, news), lines);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const inputs = checked.inputs as Props;
  return quietly(async () => (await provider.create(inputs)).outs as Props, lines);
}

async function destroy(states: Props[], log: (line: string) => void): Promise<void> {
  for (const state of states) {
    const started = process.hrtime.bigint();
    await quietly(() => provider.delete!(String(state.resourceKey), state)).catch((err: unknown) => log(`   cleanup of ${String(state.resourceKey)}: ${String(err)}`));
    log(`   deleted ${String(state.resourceKey)} (${(msSince(started) / 1000).toFixed(1)} s)`);
  }
}

export async function multiRegion(opts: {
  bytes: number;
  rounds: number;
  dir: string;
  runId: string;
  log: (line: string) => void;
}): Promise<MultiRegionResult & { glance: GlanceClient[] }> {
  // Before the first connection, so that every socket the clients ever use is seen.
  const sockets = watchSockets();
  const glance = { one: await multiGlance("RegionOne"), two: await multiGlance("RegionTwo") };
  const file = path.join(opts.dir, "multi-region.raw");
  await fs.writeFile(file, randomBytes(opts.bytes));
  const regionTwoMethods = await listImportMethods(glance.two);
  const runs: MultiRegionRun[] = [];
  useGlanceClient(glance.one, { RegionOne: glance.one, RegionTwo: glance.two });
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const ways: MultiRegionWay[] = round % 2 === 0 ? ["two-uploads", "import-from"] : ["import-from", "two-uploads"];
      for (const way of ways) {
        const base = (region: string): Props => ({
          resourceKey: `bench/${opts.runId}/mr-${way}-${round}-${region}`,
          tag: `pulumi-amphora-bench-${opts.runId}-mr-${way}-${round}`,
          name: `pulumi-amphora-bench-${opts.runId}-mr`,
          diskFormat: "raw",
          region,
          keepLastTaggedImage: false,
        });
        const lines: string[] = [];
        const states: Props[] = [];
        const before = sockets.sent();
        const started = process.hrtime.bigint();
        try {
          const one = await create({ ...base("RegionOne"), file }, lines);
          states.push(one);
          const second =
            way === "two-uploads"
              ? { ...base("RegionTwo"), file }
              : { ...base("RegionTwo"), importFrom: { region: "RegionOne", imageId: String(one.imageId), file } };
          states.push(await create(second, lines));
        } finally {
          const wallMs = msSince(started);
          const bytesSent = sockets.sent() - before;
          const glanceDownload = lines.some((l) => l.includes("by glance-download"));
          if (states.length === 2) runs.push({ way, round, wallMs, bytesSent, glanceDownload });
          opts.log(`   round ${round + 1} ${way}: ${(wallMs / 1000).toFixed(1)} s, ${(bytesSent / opts.bytes).toFixed(3)}× the image sent`);
          await destroy(states.reverse(), opts.log);
        }
      }
    }
  } finally {
    sockets.stop();
    useGlanceClient(undefined);
    await fs.rm(file, { force: true });
  }
  return { imageBytes: opts.bytes, rounds: opts.rounds, regionTwoMethods, runs, glance: [glance.one, glance.two] };
}
