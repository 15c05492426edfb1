import { readFileSync } from "node:fs";
import { ConfigError } from "./errors";

/** Where the session's warnings go. Inside a Pulumi dynamic-provider host stderr shows as info messages. */
export interface Logger {
  warn(message: string): void;
}

export const consoleLogger: Logger = {
  warn: (message) => console.warn(message),
};

/** The TLS settings of a session's HTTP client. */
export interface TlsOptions {
  readonly rejectUnauthorized: boolean;
  readonly certificateAuthority?: Buffer;
}

const caBundles = new Map<string, Buffer>();
let warnedInsecure = false;

/** Reads a CA bundle once per process (the file may be read again after `resetTlsState`). */
function readCaBundle(path: string, source: string | undefined): Buffer {
  const cached = caBundles.get(path);
  if (cached) return cached;
  let bundle: Buffer;
  try {
    bundle = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`openstack:cacertFile ${path}${source ? ` (from ${source})` : ""} cannot be read: ${code}`, {
      cause: err,
    });
  }
  caBundles.set(path, bundle);
  return bundle;
}

/**
 * TLS verification is on unless `insecure`; `cacertFile` adds a CA bundle. `insecure` logs one warning per
 * process through `logger`.
 */
export function tlsOptions(
  config: { readonly cacertFile?: string; readonly insecure: boolean; readonly sources?: Readonly<Record<string, string>> },
  logger: Logger = consoleLogger,
): TlsOptions {
  if (config.insecure && !warnedInsecure) {
    warnedInsecure = true;
    const from = config.sources?.insecure ? ` (set by ${config.sources.insecure})` : "";
    logger.warn(`WARNING: OpenStack TLS certificate verification is disabled${from}; use cacertFile instead.`);
  }
  const ca = config.cacertFile ? readCaBundle(config.cacertFile, config.sources?.cacertFile) : undefined;
  return { rejectUnauthorized: !config.insecure, ...(ca && { certificateAuthority: ca }) };
}

/** For tests: forget cached CA bundles and the "already warned" flag. */
export function resetTlsState(): void {
  caBundles.clear();
  warnedInsecure = false;
}
