/**
 * Whether the Pulumi engine that started this dynamic-provider host has gone away while a step runs.
 *
 * The engine starts every plugin in a process group of its own with a pipe on stdin that it never writes to and
 * never closes (pulumi/pulumi `sdk/go/common/resource/plugin/plugin.go`). When the CLI dies abruptly (SIGKILL, the
 * OOM killer, a CI job killed), the host is not signalled: it finishes the step it is running for
 * nobody, and the engine's state never learns of it. The only sign the host gets is end-of-file on stdin.
 *
 * Only a host started as the engine starts it is watched: the process runs `@pulumi/pulumi`'s
 * `cmd/dynamic-provider` and its stdin is a pipe or socket. A provider running in another process (tests in
 * process, a host started by hand to debug) never counts as orphaned.
 */
import { fstatSync } from "node:fs";

interface Watch {
  gone: boolean;
}

// On globalThis rather than in a module variable: every copy of this module in the host shares one watch.
const WATCH = Symbol.for("pulumi-amphora.engine-liveness");
type Holder = { [WATCH]?: Watch | null };

const DYNAMIC_PROVIDER_HOST = /[\\/]cmd[\\/]dynamic-provider(?:[\\/]index\.js)?$/;

function startedByEngine(): boolean {
  if (!DYNAMIC_PROVIDER_HOST.test(process.argv[1] ?? "")) return false;
  try {
    const stdin = fstatSync(0);
    return stdin.isFIFO() || stdin.isSocket();
  } catch {
    return false;
  }
}

/**
 * Starts watching stdin (once per process). Call it when a step begins: an end-of-file that came earlier is seen
 * as soon as stdin is read, a few event-loop turns later.
 */
export function watchEngine(): void {
  const holder = globalThis as Holder;
  if (holder[WATCH] !== undefined) return;
  if (!startedByEngine()) {
    holder[WATCH] = null;
    return;
  }
  const watch: Watch = { gone: false };
  holder[WATCH] = watch;
  const stdin = process.stdin;
  const lost = (): void => {
    watch.gone = true;
  };
  stdin.on("end", lost);
  stdin.on("close", lost);
  stdin.on("error", lost);
  // The engine never writes; anything read is dropped.
  stdin.on("data", () => undefined);
  stdin.resume();
  // Watching must not keep a finished host alive.
  (stdin as { unref?: () => void }).unref?.();
}

/** True once the engine that started this host is gone (always false where watchEngine does not watch). */
export function engineGone(): boolean {
  return (globalThis as Holder)[WATCH]?.gone === true;
}
