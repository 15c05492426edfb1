/**
 * AmphoraImageBuild's errors: resource errors of the common model (common/errors.ts) with a stable `code`;
 * subclasses carry their context. Messages never contain secrets: callers pass already-redacted command lines and
 * log tails. The inspection tools' own failure (ToolError) belongs to the builder layer below.
 */
import { ResourceError } from "../common/errors";

export type BuildErrorCode =
  | "ERR_BUILD"
  | "ERR_BUILD_INPUT"
  | "ERR_BUILD_EXIT"
  | "ERR_BUILD_TIMEOUT"
  | "ERR_BUILD_CANCELLED"
  | "ERR_BUILD_NO_ARTIFACT"
  | "ERR_VALIDATION";

export class BuildError extends ResourceError {
  override name = "BuildError";
  override readonly code: BuildErrorCode = "ERR_BUILD";

  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_BUILD", message, options?.cause !== undefined ? { cause: options.cause } : {});
  }
}

/** Inputs that passed `check` but cannot be used at build time (a file vanished, a path is not writable). */
export class BuildInputError extends BuildError {
  override name = "BuildInputError";
  override readonly code = "ERR_BUILD_INPUT";
}

/** What the log says about a failed or interrupted build: its path and last lines (already redacted). */
export interface BuildLogContext {
  logPath: string;
  tail: string[];
}

function withLog(message: string, log: BuildLogContext): string {
  const tail = log.tail.length ? `\n--- last ${log.tail.length} lines of ${log.logPath} ---\n${log.tail.join("\n")}` : "";
  return `${message} (full log: ${log.logPath})${tail}`;
}

/** The builder exited non-zero or was killed by a signal it did not get from us. */
export class BuilderExitError extends BuildError {
  override name = "BuilderExitError";
  override readonly code = "ERR_BUILD_EXIT";
  constructor(
    readonly builder: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly meaning: string,
    readonly log: BuildLogContext,
  ) {
    const how = exitCode !== null ? `exited with code ${exitCode}` : `was killed by ${signal ?? "a signal"}`;
    super(withLog(`${builder} ${how}${meaning ? ` (${meaning})` : ""}`, log));
  }
}

/** The build ran longer than its timeout; the whole process group was killed. */
export class BuildTimeoutError extends BuildError {
  override name = "BuildTimeoutError";
  override readonly code = "ERR_BUILD_TIMEOUT";
  constructor(
    readonly builder: string,
    readonly timeoutMs: number,
    readonly log: BuildLogContext,
  ) {
    super(withLog(`${builder} did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`, log));
  }
}

/** The build was cancelled (abort signal or provider shutdown); the whole process group was killed. */
export class BuildCancelledError extends BuildError {
  override name = "BuildCancelledError";
  override readonly code = "ERR_BUILD_CANCELLED";
  constructor(
    readonly builder: string,
    readonly log: BuildLogContext,
  ) {
    super(withLog(`${builder} was cancelled and killed`, log));
  }
}

/** The builder reported success but the artifact is not where its naming rules put it. */
export class ArtifactMissingError extends BuildError {
  override name = "ArtifactMissingError";
  override readonly code = "ERR_BUILD_NO_ARTIFACT";
  constructor(
    readonly expectedPath: string,
    readonly log: BuildLogContext,
  ) {
    super(withLog(`the build succeeded but wrote no artifact at ${expectedPath}`, log));
  }
}

export interface ValidationFailure {
  check: string;
  detail: string;
}

/** A boot check that booted and failed: how far the guest got and the end of its serial console. */
export interface BootFailureContext {
  /** firmware, kernel, userspace, cloud-init, network or agent: the last stage the boot reached. */
  stage: string;
  consoleTail: string[];
  /** Where the whole console was written (the build log), or "". */
  logPath: string;
}

/** The artifact failed one or more validation checks; it is not published. */
export class ValidationError extends BuildError {
  override name = "ValidationError";
  override readonly code = "ERR_VALIDATION";
  constructor(
    readonly artifactPath: string,
    readonly failures: ValidationFailure[],
    readonly boot?: BootFailureContext,
  ) {
    const where = boot?.logPath ? ` (whole console in ${boot.logPath})` : "";
    // A console that stayed empty is a finding too (the firmware never handed over, e.g. a KVM guest that hangs).
    const tail = !boot
      ? ""
      : boot.consoleTail.length
        ? `\n--- last ${boot.consoleTail.length} lines of the serial console${where} ---\n${boot.consoleTail.join("\n")}`
        : `\n--- the serial console stayed empty${where} ---`;
    super(
      `image ${artifactPath} failed validation: ${failures.map((f) => `${f.check}: ${f.detail}`).join("; ")} ` +
        `(each check can be switched off in the "validation" input)${tail}`,
    );
  }
}
