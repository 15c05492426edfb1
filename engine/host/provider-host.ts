/**
 * Engine-faithful driver of the Pulumi dynamic-provider host (used by the runner and the test harness).
 *
 * Starts the real dynamic-provider host (`node <@pulumi/pulumi>/cmd/dynamic-provider/index.js <engine>`, plain node,
 * no ts-node) as a child process in a project directory with the environment the engine sets, reads its port from
 * the first stdout line, keeps everything else it prints (the CLI shows those lines as info messages), and drives it
 * over gRPC with @pulumi/pulumi's generated ResourceProvider stubs the way the engine does.
 */
import { spawn, type ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as pulumi from "@pulumi/pulumi";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
  grpc,
  provproto,
  plugproto,
  statusproto,
  emptyproto,
  ResourceProviderClient,
  type ProviderClient,
  dynamicProviderHostEntry,
  pulumiPackageDir,
} from "./proto";
import {
  PROVIDER_KEY,
  fromStruct,
  toStruct,
  toWire,
  withoutProvider,
  type PropertyMap,
  type PropertyValue,
} from "./marshal";
import { serializeProvider } from "./serialize";
import { Lifecycle, type LifecycleOptions } from "./lifecycle";
import { ProviderCallError } from "./errors";

export interface ProviderHostOptions {
  /** Project directory the host runs in (bare specifiers resolve from its node_modules). Default: process.cwd(). */
  cwd?: string;
  /** Pulumi project name (PULUMI_NODEJS_PROJECT / PULUMI_PROJECT, URNs, project-relative config keys). */
  project?: string;
  /** Stack name (URNs only). */
  stack?: string;
  /**
   * Stack config as the engine passes it to Configure: `"ns:key" -> value`. Keys without a namespace get
   * `<project>:`. Values wrapped in `secret()` are sent as plain values (the host answers acceptSecrets=false).
   */
  config?: Record<string, unknown>;
  /** Extra environment for the host (e.g. OS_* variables). `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** @pulumi/pulumi package to run the host from. Default: `<cwd>/node_modules/@pulumi/pulumi` if present (what the
   * engine runs), else the one this harness loads. */
  pulumiDir?: string;
  /** Deadline of every gRPC call. Default 30 s. */
  callTimeoutMs?: number;
  /** Time allowed for the host to print its port. Default 15 s. */
  startTimeoutMs?: number;
  /** Called with every host output line as it arrives (the runner shows provider output live). */
  onOutput?: (line: OutputLine) => void;
  /** Mirror host output on this process's stderr (also enabled by AMPHORA_HARNESS_ECHO=1). */
  echo?: boolean;
  /**
   * Preload the watchdog that exits the host when this process dies (default true). The engine has none: a host it
   * started outlives a CLI that died abruptly. `false` runs the host as the engine does, for `orphan()`.
   */
  watchdog?: boolean;
}

export interface OutputLine {
  stream: "stdout" | "stderr";
  line: string;
}

export type DiffChanges = "none" | "some" | "unknown";

export interface CheckResult {
  /** Checked inputs without `__provider`. */
  inputs: Record<string, PropertyValue>;
  /** Checked inputs as returned (with `__provider`): what the engine stores as the resource's inputs. */
  raw: Record<string, PropertyValue>;
  failures: { property: string; reason: string }[];
  /** Host output lines printed during the call. */
  output: string[];
}

export interface DiffResult {
  changes: DiffChanges;
  replaces: string[];
  deleteBeforeReplace: boolean;
  output: string[];
}

export interface CreateResult {
  id: string;
  /** Outputs without `__provider`. */
  outs: Record<string, PropertyValue>;
  /** Outputs as returned (with `__provider`): what the engine stores as the resource's outputs. */
  raw: Record<string, PropertyValue>;
  output: string[];
}

export interface ReadResult {
  /** "" when the provider reports the resource gone (the engine then drops it from state). */
  id: string;
  outs: Record<string, PropertyValue>;
  raw: Record<string, PropertyValue>;
  /** Inputs returned by read() (for import/refresh of inputs), if any. */
  inputs?: Record<string, PropertyValue>;
  rawInputs?: Record<string, PropertyValue>;
  output: string[];
}

export interface UpdateResult {
  outs: Record<string, PropertyValue>;
  raw: Record<string, PropertyValue>;
  output: string[];
}

const liveHosts = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveHosts) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** Starts the dynamic-provider host, connects, and configures it like the engine (GetPluginInfo, CheckConfig, Configure). */
export async function startProviderHost(options: ProviderHostOptions = {}): Promise<ProviderHost> {
  const host = new ProviderHost(options);
  try {
    await host.start();
  } catch (e) {
    await host.stop();
    throw e;
  }
  return host;
}

export class ProviderHost {
  readonly cwd: string;
  readonly project: string;
  readonly stack: string;
  /** Config as sent to Configure (plain values, fully qualified keys). */
  readonly config: Record<string, PropertyValue>;
  /** Every line the host printed after its port line, in arrival order. */
  readonly output: OutputLine[] = [];
  port = 0;
  /** Version reported by GetPluginInfo (the @pulumi/pulumi version of the host). */
  pluginVersion = "";
  /** Configure's answer (the dynamic-provider host says false/false). */
  acceptSecrets = false;
  supportsPreview = false;

  private child?: ChildProcess;
  private client?: ProviderClient;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private exitPromise?: Promise<void>;
  private readonly callTimeoutMs: number;
  private readonly echo: boolean;

  constructor(private readonly options: ProviderHostOptions) {
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    this.project = options.project ?? "amphora-test";
    this.stack = options.stack ?? "test";
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.echo = options.echo ?? process.env.AMPHORA_HARNESS_ECHO === "1";
    const config: Record<string, PropertyValue> = {};
    for (const [k, v] of Object.entries(options.config ?? {})) {
      if (v === undefined) continue;
      config[k.includes(":") ? k : `${this.project}:${k}`] = toWire(v, `config[${k}]`);
    }
    this.config = config;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get exited(): boolean {
    return this.exit !== undefined;
  }
  get stdout(): string[] {
    return this.output.filter((l) => l.stream === "stdout").map((l) => l.line);
  }
  get stderr(): string[] {
    return this.output.filter((l) => l.stream === "stderr").map((l) => l.line);
  }
  /** Position in `output`, for `linesSince`. */
  mark(): number {
    return this.output.length;
  }
  linesSince(mark: number): string[] {
    return this.output.slice(mark).map((l) => l.line);
  }

  /** Waits until a host output line (after `since`) matches. */
  async waitForOutput(match: string | RegExp, timeoutMs = 2_000, since = 0): Promise<string> {
    const test = (l: string) => (typeof match === "string" ? l.includes(match) : match.test(l));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.output.slice(since).find((l) => test(l.line));
      if (hit) return hit.line;
      if (Date.now() > deadline || this.exited) {
        throw new Error(`no host output line matched ${String(match)}; output:\n${this.formatOutput()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  formatOutput(lines: OutputLine[] = this.output): string {
    return lines.map((l) => `  [${l.stream}] ${l.line}`).join("\n");
  }

  /** @internal */
  async start(): Promise<void> {
    installExitHook();
    const pulumiDir = this.options.pulumiDir ?? defaultPulumiDir(this.cwd);
    const entry = dynamicProviderHostEntry(pulumiDir);
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The host must be plain node: drop anything that would preload ts-node or leak the test's own Pulumi env.
    for (const k of Object.keys(env)) {
      if (k === "NODE_OPTIONS" || k.startsWith("TS_NODE_") || k.startsWith("PULUMI_")) delete env[k];
    }
    Object.assign(env, {
      PULUMI_NODEJS_PROJECT: this.project,
      PULUMI_PROJECT: this.project,
      PULUMI_CONFIG: JSON.stringify(
        Object.fromEntries(
          Object.entries(this.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        ),
      ),
    });
    for (const [k, v] of Object.entries(this.options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }

    const child = spawn(
      process.execPath,
      [...(this.options.watchdog === false ? [] : ["--require", path.join(__dirname, "host-watchdog.js")]), entry, "127.0.0.1:0"],
      { cwd: this.cwd, env, stdio: ["pipe", "pipe", "pipe"] },
    );
    this.child = child;
    liveHosts.add(child);
    this.exitPromise = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        liveHosts.delete(child);
        resolve();
      });
      child.once("error", (err) => {
        this.output.push({ stream: "stderr", line: `spawn error: ${err.message}` });
        this.exit = { code: null, signal: null };
        liveHosts.delete(child);
        resolve();
      });
    });

    const port = await new Promise<number>((resolve, reject) => {
      let gotPort = false;
      const timer = setTimeout(
        () => reject(new Error(`provider host did not print its port within ${this.options.startTimeoutMs ?? 60_000} ms`)),
        this.options.startTimeoutMs ?? 60_000,
      );
      this.readLines(child.stdout!, "stdout", (line) => {
        if (gotPort) return false;
        gotPort = true;
        clearTimeout(timer);
        const p = Number.parseInt(line.trim(), 10);
        if (!Number.isInteger(p) || p <= 0) reject(new Error(`provider host printed "${line}" instead of its port`));
        else resolve(p);
        return true;
      });
      this.readLines(child.stderr!, "stderr");
      void this.exitPromise!.then(() => {
        clearTimeout(timer);
        if (!gotPort) {
          reject(
            new Error(
              `provider host exited (code ${this.exit?.code}, signal ${this.exit?.signal}) before printing its port:\n` +
                this.formatOutput(),
            ),
          );
        }
      });
    });
    this.port = port;

    // From here on, the host must not keep the test process alive by itself (the exit hook kills it).
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();

    this.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
      "grpc.max_send_message_length": 400 * 1024 * 1024,
    });

    // What the engine does when it loads the provider plugin.
    const info = (await this.call("getPluginInfo", new emptyproto.Empty())) as InstanceType<
      typeof plugproto.PluginInfo
    >;
    this.pluginVersion = info.getVersion();

    const checkConfig = new provproto.CheckRequest();
    checkConfig.setUrn(this.providerUrn());
    checkConfig.setName("default");
    checkConfig.setType("pulumi:providers:pulumi-nodejs");
    checkConfig.setOlds(toStruct({}));
    checkConfig.setNews(toStruct(this.config));
    try {
      await this.call("checkConfig", checkConfig);
    } catch (e) {
      // The engine treats UNIMPLEMENTED as "inputs are fine".
      if (!(e instanceof ProviderCallError && e.code === grpc.status.UNIMPLEMENTED)) throw e;
    }

    const configure = new provproto.ConfigureRequest();
    configure.setArgs(toStruct(this.config));
    const vars = configure.getVariablesMap();
    for (const [k, v] of Object.entries(this.config)) vars.set(k, typeof v === "string" ? v : JSON.stringify(v));
    configure.setAcceptsecrets(true);
    configure.setAcceptresources(true);
    configure.setSendsOldInputs(true);
    configure.setSendsOldInputsToDelete(true);
    configure.setId(crypto.randomUUID());
    configure.setUrn(this.providerUrn());
    configure.setName("default");
    configure.setType("pulumi:providers:pulumi-nodejs");
    const configured = (await this.call("configure", configure)) as InstanceType<typeof provproto.ConfigureResponse>;
    this.acceptSecrets = configured.getAcceptsecrets();
    this.supportsPreview = configured.getSupportspreview();
  }

  private readLines(stream: NodeJS.ReadableStream, name: "stdout" | "stderr", first?: (line: string) => boolean) {
    let buf = "";
    let firstPending = first !== undefined;
    stream.setEncoding("utf8");
    const push = (line: string) => {
      if (firstPending && first) {
        firstPending = false;
        if (first(line)) return;
      }
      this.output.push({ stream: name, line });
      this.options.onOutput?.({ stream: name, line });
      if (this.echo) process.stderr.write(`[provider-host ${name}] ${line}\n`);
    };
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        push(buf.slice(0, nl).replace(/\r$/, ""));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on("end", () => {
      if (buf) push(buf);
      buf = "";
    });
  }

  providerUrn(): string {
    return `urn:pulumi:${this.stack}::${this.project}::pulumi:providers:pulumi-nodejs::default`;
  }

  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  /**
   * A handle to drive one resource through the host. `provider` is serialized exactly as pulumi.dynamic.Resource
   * does and put into `__provider`; pass `{ text }` to use an already serialized provider (e.g. from old state).
   */
  async resource(
    provider: pulumi.dynamic.ResourceProvider | { text: string },
    type = "pulumi-nodejs:dynamic:Resource",
    name = "test",
  ): Promise<ResourceHandle> {
    const text = isSerialized(provider) ? provider.text : (await serializeProvider(provider)).text;
    return new ResourceHandle(this, text, type, name);
  }

  /** A mini engine for one resource: up/preview/refresh/destroy with engine step semantics. */
  async lifecycle(
    provider: pulumi.dynamic.ResourceProvider | { text: string },
    type = "pulumi-nodejs:dynamic:Resource",
    name = "test",
    options: LifecycleOptions = {},
  ): Promise<Lifecycle> {
    return new Lifecycle(await this.resource(provider, type, name), options);
  }

  /**
   * One unary gRPC call. Errors become ProviderCallError with the provider's message; host output printed during
   * the call is returned/attached.
   * @internal
   */
  async call(method: string, req: unknown, urn?: string): Promise<unknown> {
    const { result } = await this.callWithOutput(method, req, urn);
    return result;
  }

  /** @internal */
  async callWithOutput(method: string, req: unknown, urn?: string): Promise<{ result: unknown; output: string[] }> {
    const client = this.client;
    if (!client) throw new Error("provider host is not started");
    if (this.exited) throw this.deadHostError(method, urn, []);
    const mark = this.mark();
    const deadline = new Date(Date.now() + this.callTimeoutMs);
    let error: grpcTypes.ServiceError | null = null;
    let result: unknown;
    await new Promise<void>((resolve) => {
      client[method]!(req, new grpc.Metadata(), { deadline }, (err, res) => {
        error = err;
        result = res;
        resolve();
      });
    });
    await settleOutput();
    const output = this.linesSince(mark);
    if (error) throw this.toCallError(method, error, urn, output);
    return { result, output };
  }

  private deadHostError(method: string, urn: string | undefined, output: string[]): ProviderCallError {
    return new ProviderCallError(
      `${method}${urn ? ` ${urn}` : ""}: provider host is not running (exit code ${this.exit?.code}, signal ` +
        `${this.exit?.signal}). Host output:\n${this.formatOutput()}`,
      method,
      grpc.status.UNAVAILABLE,
      "provider host exited",
      urn,
      output,
    );
  }

  private toCallError(
    method: string,
    err: grpcTypes.ServiceError,
    urn: string | undefined,
    output: string[],
  ): ProviderCallError {
    if (this.exited || err.code === grpc.status.UNAVAILABLE) {
      if (this.exited) return this.deadHostError(method, urn, output);
    }
    const details = err.details ?? err.message;
    let hint = "";
    if (/Unexpected struct type/.test(details)) {
      hint =
        " (the provider returned a value protobuf cannot carry: undefined, a function, a bigint... somewhere in " +
        "its result; the engine fails the same way)";
    }
    let initFailed: ProviderCallError["initFailed"];
    const bin = err.metadata?.get("grpc-status-details-bin")?.[0];
    if (bin && typeof bin !== "string") {
      try {
        const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
        for (const any of status.getDetailsList()) {
          if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
            const d = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            initFailed = {
              id: d.getId(),
              properties: fromStruct(d.getProperties() as Struct | undefined),
              reasons: d.getReasonsList(),
            };
          }
        }
      } catch {
        // not a pulumirpc status: ignore
      }
    }
    const codeName = grpc.status[err.code] ?? String(err.code);
    return new ProviderCallError(
      `${method}${urn ? ` ${urn}` : ""} failed (${codeName}): ${details}${hint}`,
      method,
      err.code,
      details,
      urn,
      output,
      initFailed,
    );
  }

  /**
   * What the host sees when the Pulumi CLI dies abruptly (SIGKILL, OOM) while a call runs: its stdin reaches end of
   * file, its stdout and stderr are no longer read, the engine's connection is gone. The host is not signalled (the
   * engine starts plugins in a process group of their own) and goes on running. A call in flight still gets its
   * answer here (a dead engine's would be lost), so a test sees how the host ended the step; later calls fail.
   * `stop()` still ends the host.
   */
  orphan(): void {
    this.client?.close();
    const child = this.child;
    if (!child) return;
    child.stdin?.end();
    child.stdout?.destroy();
    child.stderr?.destroy();
  }

  /** Closes the client and kills the host (SIGTERM, then SIGKILL after 2 s). Safe to call twice. */
  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    const child = this.child;
    if (!child || this.exited) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 2_000);
    await this.exitPromise;
    clearTimeout(killer);
  }
}

export class ResourceHandle {
  readonly urn: string;
  constructor(
    readonly host: ProviderHost,
    /** The serialized provider text put into `__provider`. */
    readonly providerText: string,
    readonly type: string,
    readonly name: string,
  ) {
    this.urn = host.urn(type, name);
  }

  /** Names this resource in a request the way the engine does in every call: URN, name and type. */
  private address(req: { setUrn(urn: string): unknown; setName(name: string): unknown; setType(type: string): unknown }): void {
    req.setUrn(this.urn);
    req.setName(this.name);
    req.setType(this.type);
  }

  /** Adds `__provider` when missing, as the engine's inputs/state always carry it. */
  private withProvider(props: PropertyMap): PropertyMap {
    return PROVIDER_KEY in props ? props : { ...props, [PROVIDER_KEY]: this.providerText };
  }

  /** Check(olds, news). `news` are the program's inputs (secrets allowed; the harness strips them). */
  async check(news: PropertyMap, olds?: PropertyMap): Promise<CheckResult> {
    const req = new provproto.CheckRequest();
    this.address(req);
    req.setOlds(toStruct(olds ? this.withProvider(olds) : {}));
    req.setNews(toStruct(this.withProvider(news)));
    req.setRandomseed(crypto.randomBytes(32));
    const { result, output } = await this.host.callWithOutput("check", req, this.urn);
    const resp = result as InstanceType<typeof provproto.CheckResponse>;
    const raw = fromStruct(resp.getInputs());
    return {
      inputs: withoutProvider(raw),
      raw,
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      output,
    };
  }

  /** Diff as the engine sends it: `olds` are the OLD OUTPUTS from state, `news` the new checked inputs. */
  async diff(id: string, olds: PropertyMap, news: PropertyMap, oldInputs?: PropertyMap): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    this.address(req);
    req.setOlds(toStruct(this.withProvider(olds)));
    req.setNews(toStruct(this.withProvider(news)));
    req.setOldInputs(toStruct(this.withProvider(oldInputs ?? olds)));
    const { result, output } = await this.host.callWithOutput("diff", req, this.urn);
    const resp = result as InstanceType<typeof provproto.DiffResponse>;
    const C = provproto.DiffResponse.DiffChanges;
    const c = resp.getChanges();
    return {
      changes: c === C.DIFF_NONE ? "none" : c === C.DIFF_SOME ? "some" : "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
      output,
    };
  }

  async create(inputs: PropertyMap): Promise<CreateResult> {
    const req = new provproto.CreateRequest();
    this.address(req);
    req.setProperties(toStruct(this.withProvider(inputs)));
    req.setPreview(false);
    const { result, output } = await this.host.callWithOutput("create", req, this.urn);
    const resp = result as InstanceType<typeof provproto.CreateResponse>;
    const raw = fromStruct(resp.getProperties());
    return { id: resp.getId(), outs: withoutProvider(raw), raw, output };
  }

  /** Read (refresh): `props` are the outputs from state, `inputs` the inputs from state. */
  async read(id: string, props: PropertyMap, inputs?: PropertyMap): Promise<ReadResult> {
    const req = new provproto.ReadRequest();
    req.setId(id);
    this.address(req);
    req.setProperties(toStruct(this.withProvider(props)));
    if (inputs) req.setInputs(toStruct(this.withProvider(inputs)));
    const { result, output } = await this.host.callWithOutput("read", req, this.urn);
    const resp = result as InstanceType<typeof provproto.ReadResponse>;
    const raw = fromStruct(resp.getProperties());
    const rawInputs = resp.hasInputs() ? fromStruct(resp.getInputs()) : undefined;
    return {
      id: resp.getId(),
      outs: withoutProvider(raw),
      raw,
      ...(rawInputs ? { inputs: withoutProvider(rawInputs), rawInputs } : {}),
      output,
    };
  }

  /** Update as the engine sends it: `olds` are the OLD OUTPUTS, `news` the new checked inputs. */
  async update(id: string, olds: PropertyMap, news: PropertyMap, oldInputs?: PropertyMap): Promise<UpdateResult> {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    this.address(req);
    req.setOlds(toStruct(this.withProvider(olds)));
    req.setNews(toStruct(this.withProvider(news)));
    if (oldInputs) req.setOldInputs(toStruct(this.withProvider(oldInputs)));
    req.setPreview(false);
    const { result, output } = await this.host.callWithOutput("update", req, this.urn);
    const resp = result as InstanceType<typeof provproto.UpdateResponse>;
    const raw = fromStruct(resp.getProperties());
    return { outs: withoutProvider(raw), raw, output };
  }

  /** Delete: `props` are the outputs from state (they carry the `__provider` the resource was created with). */
  async delete(id: string, props: PropertyMap, oldInputs?: PropertyMap): Promise<{ output: string[] }> {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    this.address(req);
    req.setProperties(toStruct(this.withProvider(props)));
    if (oldInputs) req.setOldInputs(toStruct(this.withProvider(oldInputs)));
    const { output } = await this.host.callWithOutput("delete", req, this.urn);
    return { output };
  }
}

function isSerialized(p: unknown): p is { text: string } {
  return typeof p === "object" && p !== null && typeof (p as { text?: unknown }).text === "string";
}

function defaultPulumiDir(cwd: string): string {
  const local = path.join(cwd, "node_modules", "@pulumi", "pulumi");
  return fs.existsSync(path.join(local, "cmd", "dynamic-provider", "index.js")) ? local : pulumiPackageDir;
}

/**
 * Lets stdout/stderr data that the host wrote before answering reach our handlers. On Linux the host's writes to
 * pipes are synchronous, so the bytes are in the pipe before the gRPC answer is sent; two loop turns let the
 * poll phase read them.
 */
async function settleOutput(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}
