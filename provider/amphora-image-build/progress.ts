/**
 * Turns a builder's output into a progress line every few seconds (phase, current hook script, elapsed), instead
 * of forwarding thousands of lines: the dynamic-provider host shows everything printed on stdout in the CLI.
 */

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \| /;

export interface ProgressState {
  phase: string;
  step: string;
  lines: number;
}

/** Updates `state` from one builder line (DIB's hook runner, block-device and conversion messages). */
export function observeLine(state: ProgressState, raw: string): void {
  state.lines++;
  const line = raw.replace(TIMESTAMP, "");
  let m: RegExpMatchArray | null;
  if ((m = line.match(/^Building elements: (.*)$/))) {
    state.phase = "starting";
    state.step = `elements ${m[1]?.trim() ?? ""}`;
  } else if ((m = line.match(/Running hooks from \S*\/hooks\/([\w.-]+)\s*$/))) {
    state.phase = m[1] ?? state.phase;
    state.step = "";
  } else if ((m = line.match(/dib-run-parts Running \S*\/([\w.-]+\.d)\/([\w.+-]+)\s*$/))) {
    state.phase = m[1] ?? state.phase;
    state.step = m[2] ?? "";
  } else if (/INFO diskimage_builder\.block_device/.test(line)) {
    state.phase = "block-device";
    state.step = "";
  } else if (/qemu-img convert|Converting image using/.test(line)) {
    state.phase = "converting";
    state.step = "";
  } else if ((m = line.match(/^Image file (\S+) created/))) {
    state.phase = "image written";
    state.step = "";
  }
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function progressLine(label: string, state: ProgressState, elapsedMs: number): string {
  const where = [state.phase, state.step].filter(Boolean).join(" ");
  return `${label}: ${formatElapsed(elapsedMs)} elapsed, ${where || "starting"} (${state.lines} log lines)`;
}

/** Prints `progressLine` every `intervalMs` until stopped. */
export class ProgressReporter {
  readonly state: ProgressState = { phase: "", step: "", lines: 0 };
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    intervalMs: number,
    private readonly print: (line: string) => void,
  ) {
    this.timer = setInterval(() => this.print(progressLine(this.label, this.state, Date.now() - this.started)), intervalMs);
    this.timer.unref();
  }

  line(raw: string): void {
    observeLine(this.state, raw);
  }

  stop(): number {
    clearInterval(this.timer);
    return Date.now() - this.started;
  }
}
