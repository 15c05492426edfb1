/**
 * Runs the Pulumi program in this process under `pulumi.runtime.setMocks`, as the language host would run it, and
 * turns every resource registration into a `Registration` handed to the deployment. The mocks API passes only
 * type, name and inputs; the monitor is instrumented so the registration also carries the resource options, the
 * parent, the dependencies and the engine's URN.
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PropertyValue } from "../host/marshal";
import type { Project } from "../project";

export const STACK_TYPE = "pulumi:pulumi:Stack";

export type Wire = Record<string, PropertyValue>;
export type StepResult = pulumiTypes.runtime.MockResourceResult;

/** One resource registration (or `get()` read) of the program, with the options the engine receives. */
export interface Registration {
  urn: string;
  read: boolean;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  id: string;
  inputs: Wire;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** Options this runner does not support (warned about). */
  unsupported: string[];
}

export interface ProgramHooks {
  /** A registration: resolves with what the program sees (id and outputs) once its step has run. */
  register(reg: Registration): Promise<StepResult>;
  /** `registerOutputs` of a component resource. */
  componentOutputs(urn: string, outputs: Wire): void;
}

interface MonitorLike {
  registerResource(req: resproto.RegisterResourceRequest, cb: unknown): unknown;
  readResource(req: resproto.ReadResourceRequest, cb: unknown): unknown;
  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, cb: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

export interface ProgramResult {
  /** Errors of the program itself (and rejections it left unobserved). */
  errors: unknown[];
  /** The stack outputs the program exported (wire form, secrets marked), when it got that far. */
  stackOutputs?: Wire;
  /** `pulumi.log.error` was called. */
  loggedErrors: boolean;
}

export class ProgramRun {
  private pending?: Omit<Registration, "urn">;
  private stackOutputs?: Wire;
  readonly stackUrn: string;

  constructor(
    private readonly project: Project,
    private readonly stack: string,
    private readonly config: Record<string, string>,
    private readonly preview: boolean,
    private readonly hooks: ProgramHooks,
  ) {
    this.stackUrn = `urn:pulumi:${stack}::${project.name}::${STACK_TYPE}::${project.name}-${stack}`;
  }

  /**
   * Runs the program to its end and waits until every registration has been answered. `errors` is shared with
   * the caller so that rejections arriving after the program ended are still collected.
   */
  async run(errors: unknown[]): Promise<ProgramResult> {
    const { project } = this;
    // The program's own @pulumi/pulumi (resolved from the project, as the language host would load it).
    const projectRequire = createRequire(path.join(project.dir, "__run-program__.js"));
    const pulumi = projectRequire("@pulumi/pulumi") as typeof pulumiTypes;
    const settings = projectRequire("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };

    await pulumi.runtime.setMocks(
      {
        newResource: (args) => this.newResource(args),
        call: (args) => {
          const message =
            `run-program: the program invokes the provider function "${args.token}", which this runner cannot ` +
            `execute (no Pulumi CLI / resource plugins); run it with "pulumi up"`;
          // The SDK rethrows `new Error(err.details)`, as for a gRPC error from the engine.
          throw Object.assign(new Error(message), { details: message });
        },
      },
      project.name,
      this.stack,
      this.preview,
    );
    pulumi.runtime.setAllConfig(this.config, []);
    this.instrumentMonitor(settings.getMonitor() as MonitorLike);

    const cwd = process.cwd();
    try {
      process.chdir(project.dir); // the language host runs the program in the project directory
      await pulumi.runtime.runInPulumiStack(async () => {
        // A directory is required with a trailing "/" (run.js), so that its index.ts/index.js is loaded.
        const entry = fs.statSync(project.program).isDirectory() ? project.program + path.sep : project.program;
        const exported = require(entry) as unknown;
        // `export = async () => {...}` programs: call it and use its result as the stack outputs (run.js).
        return (typeof exported === "function" ? (exported as () => unknown)() : exported) as Record<string, unknown>;
      });
    } catch (e) {
      errors.push(e);
    }
    try {
      await pulumi.runtime.disconnect(); // waits until every registration (and so every step) has been answered
    } catch (e) {
      errors.push(e);
    } finally {
      process.chdir(cwd);
    }
    return { errors, stackOutputs: this.stackOutputs, loggedErrors: pulumi.log.hasErrors() };
  }

  /** As the engine builds URNs: the parent's qualified type chain, except for the root stack. */
  urnFor(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
      const parentType = parent.split("::")[2] ?? "";
      if (parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${this.stack}::${this.project.name}::${qualified}::${name}`;
  }

  private newResource(args: pulumiTypes.runtime.MockResourceArgs): Promise<StepResult> {
    const reg = this.pending;
    if (!reg || reg.type !== args.type || reg.name !== args.name) {
      return Promise.reject(new Error(`run-program: internal error: no registration request for ${args.type} ${args.name}`));
    }
    if (reg.type === STACK_TYPE && !reg.parent) return Promise.resolve({ id: undefined, state: {} });
    return this.hooks.register({ ...reg, urn: this.urnFor(reg.parent, reg.type, reg.name) });
  }

  /** Engine-faithful URNs, the registration options the mocks API does not pass, stack outputs. */
  private instrumentMonitor(mon: MonitorLike): void {
    mon.newUrn = (parent: string, type: string, name: string) => this.urnFor(parent, type, name);
    const register = mon.registerResource.bind(mon);
    mon.registerResource = (req, cb) => {
      this.pending = {
        read: false,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: req.getCustom(),
        id: req.getImportid(),
        inputs: structToWire(req.getObject()),
        dependencies: req.getDependenciesList(),
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        unsupported: [
          ...(req.getAliasesList().length || req.getAliasurnsList().length ? ["aliases"] : []),
          ...(req.getImportid() ? ["import"] : []),
          ...(req.getDeletedwith() ? ["deletedWith"] : []),
        ],
      };
      try {
        return register(req, cb); // calls mocks.newResource synchronously, before its first await
      } finally {
        this.pending = undefined;
      }
    };
    const read = mon.readResource.bind(mon);
    mon.readResource = (req, cb) => {
      this.pending = {
        read: true,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: true,
        id: req.getId(),
        inputs: structToWire(req.getProperties()),
        dependencies: req.getDependenciesList(),
        protect: false,
        retainOnDelete: true,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: [],
        replaceOnChanges: [],
        unsupported: [],
      };
      try {
        return read(req, cb);
      } finally {
        this.pending = undefined;
      }
    };
    const registerOutputs = mon.registerResourceOutputs.bind(mon);
    mon.registerResourceOutputs = (req, cb) => {
      const urn = req.getUrn();
      const outs = structToWire(req.getOutputs());
      if (urn === this.stackUrn) this.stackOutputs = outs;
      else this.hooks.componentOutputs(urn, outs);
      return registerOutputs(req, cb);
    };
  }
}

function structToWire(s: Struct | undefined): Wire {
  return s ? (s.toJavaScript() as Wire) : {};
}
