import { printLine as printToStdout } from "../common/provider-io";
import { resourceLine } from "../common/resource-line";
import { octaviaClient } from "../common/provider-context";
import type { GlanceClient } from "../glance/client";
import { readAmphoraUse, type AmphoraUse } from "./amphora-use";
import type { Identity } from "./markers";

/** What the flow functions need besides their arguments: the Glance client, where lines go, how fast to poll. */
export interface FlowContext extends Identity {
  glance: GlanceClient;
  /** One plain line of this resource to the user (the provider host forwards stdout to the CLI); names the resource. */
  print: (line: string) => void;
  /** Poll interval of waits on Glance, ms. */
  pollMs: number;
  /** The resource's `region` input, when given (for messages). */
  region?: string;
  /** The Glance of `importFrom.region`, when the inputs import from another region. */
  sourceGlance?: GlanceClient;
  /** Asks the Octavia of the resource's region which images its amphorae boot from (retention, before it removes any). */
  amphoraUse: () => Promise<AmphoraUse>;
}


/** Process-wide settings of the provider (module state: this module is required, never serialized). */
const settings = {
  print: printToStdout,
  /** Imports of small images finish in well under a second on a healthy Glance. */
  pollMs: 300,
  delay: unrefDelay,
};

/** A timer that does not keep the provider host alive (a bound on optional work ends early when the work does). */
function unrefDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The resource's name: its resourceKey is `<project>/<stack>/<name>` (project and stack names have no slash). */
export function resourceName(resourceKey: string): string {
  const parts = resourceKey.split("/");
  return parts.length >= 3 ? parts.slice(2).join("/") : resourceKey;
}

/** Prints one line of the resource `resourceKey`, starting with the resource (`GlanceTaggedImage amphora: …`). */
export function print(resourceKey: string, line: string): void {
  settings.print(resourceLine("GlanceTaggedImage", resourceName(resourceKey), line));
}

/** Resolves after `ms` by the provider's clock (tests inject theirs to see the delays asked for). */
export function delay(ms: number): Promise<void> {
  return settings.delay(ms);
}

/**
 * For tests that drive the provider in-process: capture its lines, poll faster, replace the timer of `delay`.
 * Undefined restores the default.
 */
export function useFlowSettings(opts: { print?: (line: string) => void; pollMs?: number; delay?: (ms: number) => Promise<void> } = {}): void {
  settings.print = opts.print ?? printToStdout;
  settings.pollMs = opts.pollMs ?? 300;
  settings.delay = opts.delay ?? unrefDelay;
}

export function flowContext(glance: GlanceClient, who: Identity, where: { region?: string; sourceGlance?: GlanceClient } = {}): FlowContext {
  return {
    glance,
    resourceKey: who.resourceKey,
    instanceId: who.instanceId,
    print: (line) => print(who.resourceKey, line),
    pollMs: settings.pollMs,
    amphoraUse: () => readAmphoraUse(() => octaviaClient(where.region)),
    ...(where.region !== undefined ? { region: where.region } : {}),
    ...(where.sourceGlance ? { sourceGlance: where.sourceGlance } : {}),
  };
}
