import { ToolError } from "./errors";
import { runProcess } from "./run-process";

/**
 * Runs a short inspection tool (qemu-img, debugfs, tar) and collects its output. Same process-group and timeout
 * rules as builds; a missing tool becomes a ToolError that names the Debian package to install.
 */

export interface CaptureResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const PACKAGE_OF: Record<string, string> = {
  "qemu-img": "qemu-utils",
  debugfs: "e2fsprogs",
  tar: "tar",
  openssl: "openssl",
  xorriso: "xorriso",
  "qemu-system-x86_64": "qemu-system-x86",
  "qemu-system-i386": "qemu-system-x86",
  "qemu-system-aarch64": "qemu-system-arm",
};

/** The Debian package that installs `tool`, where this module knows it. */
export function debianPackageOf(tool: string): string | undefined {
  return PACKAGE_OF[tool];
}

/** Environment for tools: PATH plus a C locale so that messages are parseable. */
export function toolEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", ...extra };
}

export async function capture(
  command: string,
  args: readonly string[],
  opts: { timeoutMs?: number; maxBytes?: number; env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<CaptureResult> {
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  try {
    const result = await runProcess({
      command,
      args,
      env: opts.env ?? toolEnv(),
      timeoutMs: opts.timeoutMs ?? 120_000,
      signal: opts.signal,
      onStdout: (c) => {
        outBytes += c.length;
        if (outBytes <= maxBytes) out.push(c);
      },
      onStderr: (c) => {
        errBytes += c.length;
        if (errBytes <= 1024 * 1024) err.push(c);
      },
    });
    if (result.timedOut) throw new ToolError(command, `timed out after ${opts.timeoutMs ?? 120_000} ms`);
    if (result.cancelled) throw new ToolError(command, "cancelled");
    if (outBytes > maxBytes) throw new ToolError(command, `printed more than ${maxBytes} bytes`);
    return {
      exitCode: result.exitCode,
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      const pkg = debianPackageOf(command);
      throw new ToolError(command, `not found on PATH${pkg ? ` (Debian package ${pkg})` : ""}`, { cause: e });
    }
    throw e;
  }
}
