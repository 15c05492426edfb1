/**
 * How far a boot got, read from the guest's serial console and from what the agent's port answered. Each stage
 * is reached when its evidence shows; a failed boot reports the last one reached, so "userspace" reads as "the
 * init system ran, cloud-init never did".
 */

export const BOOT_STAGES = ["firmware", "kernel", "userspace", "cloud-init", "network", "agent"] as const;
export type BootStage = (typeof BOOT_STAGES)[number];

/** Console evidence of each stage after the firmware (which is running as soon as QEMU is). */
const CLOUD_INIT_RAN = /Cloud-init v\. |cloud-init\[\d+\]/;
const LOGIN_PROMPTS = /Reached target.*(getty\.target|Login Prompts|multi-user\.target|Multi-User System)|^\S+ login: *$/m;
const CONSOLE_EVIDENCE: [BootStage, RegExp][] = [
  // The initramfs counts as the kernel's: userspace is the real root's init (systemd says hello, or a login prompt).
  ["kernel", /Linux version \d|Booting the kernel|Decompressing Linux/],
  ["userspace", /systemd\[1\]: |Welcome to |login: *$/m],
  ["cloud-init", CLOUD_INIT_RAN],
  // cloud-init's "Net device info" table: a device that is up with an IPv4 address other than loopback.
  ["network", /ci-info: \|\s*(?!lo\s)\S+\s*\|\s*True\s*\|\s*(?!127\.)\d+\.\d+\.\d+\.\d+\s*\|/],
];

const rank = (s: BootStage): number => BOOT_STAGES.indexOf(s);

/**
 * The console without terminal control sequences (GRUB's menu, systemd's colours, also where systemd cut a status
 * line in the middle of one) and carriage returns.
 */
export function plainConsole(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_]|\x1b\[?[0-9;?]*|\r/g, "");
}

export function consoleStage(console: string): BootStage {
  let stage: BootStage = "firmware";
  for (const [s, re] of CONSOLE_EVIDENCE) if (re.test(console) && rank(s) > rank(stage)) stage = s;
  return stage;
}

/**
 * A TLS handshake with the agent's port means the guest's network works and the agent listens, whatever the
 * console shows (cloud-init's table may scroll past or be switched off).
 */
export function stageReached(console: string, agentHandshake: boolean): BootStage {
  const fromConsole = consoleStage(console);
  return agentHandshake ? "agent" : fromConsole;
}

/** Lines of the console that explain a stop: kernel panics, failed units, cloud-init errors. */
export function consoleProblems(console: string, max = 10): string[] {
  const re = /Kernel panic|end Kernel panic|\[FAILED\]|Failed to start|cloud-init.*(ERROR|Traceback)|No init found|Unable to mount root|Dependency failed/;
  const lines = console.split(/\r?\n/).filter((l) => re.test(l)).map((l) => l.trim());
  return [...new Set(lines)].slice(0, max);
}

/**
 * Console evidence that this boot can no longer reach the agent, however long it is given: the gate stops there
 * instead of waiting out its timeout. cloud-init's first stages run before the login prompts (systemd orders
 * systemd-user-sessions after cloud-init's network stage), so a system that got there without a word from
 * cloud-init has none enabled.
 */
export function deadEnd(console: string): string | undefined {
  const grub = /error: (file [`'][^'\n]*' not found|you need to load the kernel first)|Entering rescue mode/.exec(console);
  if (grub) return `the boot loader cannot start a kernel (GRUB: ${grub[0]})`;
  const panic = /Kernel panic - not syncing:?[^\n]*/.exec(console);
  if (panic) return `the kernel panicked (${panic[0].trim()})`;
  if (LOGIN_PROMPTS.test(console) && !CLOUD_INIT_RAN.test(console)) {
    return "the login prompts came up and cloud-init never ran: nothing reads Octavia's config drive, so the agent gets neither its configuration nor its certificates";
  }
  return undefined;
}
