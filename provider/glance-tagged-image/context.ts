import { printLine as printToStdout } from "../common/provider-io";
import type { GlanceClient } from "../glance/client";
import type { Identity } from "./markers";

/** What the flow functions need besides their arguments: the Glance client, where lines go, how fast to poll. */
export interface FlowContext extends Identity {
  glance: GlanceClient;
  /** One plain line to the user (the provider host forwards stdout to the CLI). */
  print: (line: string) => void;
  /** Poll interval of waits on Glance, ms. */
  pollMs: number;
}


/** Process-wide settings of the provider (module state: this module is required, never serialized). */
const settings = {
  print: printToStdout,
  /** Imports of small images finish in well under a second on a healthy Glance. */
  pollMs: 300,
};

export function print(line: string): void {
  settings.print(line);
}

/** For tests that drive the provider in-process: capture its lines, poll faster. Undefined restores the default. */
export function useFlowSettings(opts: { print?: (line: string) => void; pollMs?: number } = {}): void {
  settings.print = opts.print ?? printToStdout;
  settings.pollMs = opts.pollMs ?? 300;
}

export function flowContext(glance: GlanceClient, who: Identity): FlowContext {
  return { glance, resourceKey: who.resourceKey, instanceId: who.instanceId, print, pollMs: settings.pollMs };
}
