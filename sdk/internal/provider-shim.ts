/**
 * The provider shim: what the public resource classes hand to `pulumi.dynamic.Resource`.
 *
 * Pulumi serializes the provider object given to `pulumi.dynamic.Resource` into the `__provider` property
 * (twice per resource in state). A shim keeps that text tiny and free of credentials: it captures only two
 * strings (the module specifier and the export name) and, at call time inside the dynamic-provider host,
 * loads the real implementation with a plain `require(specifier)` and delegates to it.
 *
 * Verified in the real host (@pulumi/pulumi 3.270.0, test/harness.test.ts):
 * - pulumi's closure serializer never captures `require` (it is on its list of module globals), so the
 *   serialized method bodies keep a free `require`. The host compiles the text with require-from-string and
 *   filename '', so that `require` resolves bare specifiers from `<cwd>/node_modules` upwards, cwd being the
 *   Pulumi project directory: in a user's project `pulumi-amphora/provider/<x>` is the installed package,
 *   mapped by package.json `exports` (`./provider/*` -> `./dist/provider/*.js`).
 * - The implementation module is an ordinary module in the host's require cache: configure() and the CRUD
 *   calls of every shim pointing at it see the same module instance, so module-level state set in
 *   configure() is visible to create() (unlike module state captured by a serialized closure).
 * - The host calls configure() once per distinct serialized text (its provider cache key), i.e. once per
 *   resource class using a shim; the implementation's configure() must therefore be idempotent.
 * - The host caches the provider BEFORE awaiting configure(), so when configure() throws, only that first call
 *   fails and later calls would run unconfigured. The shim makes the failure sticky: it records the error in a
 *   captured object (captured objects are shared by all serialized methods, unlike captured `let` bindings)
 *   and every later call of this shim rethrows it.
 *
 * Rules for this file (everything inside `shimProvider` is serialized):
 * - no imports used at run time inside the shim functions (they would be captured); type imports only;
 * - no captured values other than `specifier`, `exportName` and the `state` object (test/harness.test.ts checks
 *   the text).
 */
import type * as pulumi from "@pulumi/pulumi";

/** Package name used for implementation specifiers: resolved from the Pulumi project's node_modules. */
export const PACKAGE_NAME = "pulumi-amphora";

/**
 * Returns a dynamic provider that loads `require(specifier)[exportName]` in the provider host and delegates
 * every call to it. Missing optional methods behave exactly as if the host saw no such method:
 * check -> inputs unchanged, diff -> `{}` (the engine diffs inputs itself), read -> the given props,
 * update -> `{}`, delete/configure -> nothing. If the module has no `exportName` export but itself has a
 * `create` function, the module namespace is used as the provider.
 *
 * Create one shim per resource class at module level and reuse it: pulumi caches the serialized text per
 * provider object.
 */
export function shimProvider(specifier: string, exportName = "provider"): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => {
    let mod: Record<string, unknown>;
    try {
      mod = require(specifier);
    } catch (e) {
      throw new Error(
        `cannot load the provider implementation "${specifier}" (resolved from ${process.cwd()}): ` +
          `${e instanceof Error ? e.message : String(e)}. Is the package installed in this Pulumi project?`,
      );
    }
    const impl = (mod[exportName] ?? (typeof mod.create === "function" ? mod : undefined)) as
      | pulumi.dynamic.ResourceProvider
      | undefined;
    if (!impl || typeof impl.create !== "function") {
      throw new Error(`the module "${specifier}" does not export a dynamic provider as "${exportName}"`);
    }
    return impl;
  };
  const state: { configureError?: unknown } = {};
  const configured = (): pulumi.dynamic.ResourceProvider => {
    if (state.configureError !== undefined) throw state.configureError;
    return load();
  };
  return {
    async configure(req) {
      try {
        const p = load();
        if (p.configure) await p.configure(req);
      } catch (e) {
        state.configureError = e;
        throw e;
      }
    },
    async check(olds, news) {
      const p = configured();
      return p.check ? p.check(olds, news) : { inputs: news };
    },
    async diff(id, olds, news) {
      const p = configured();
      return p.diff ? p.diff(id, olds, news) : {};
    },
    async create(inputs) {
      return configured().create(inputs);
    },
    async read(id, props) {
      const p = configured();
      return p.read ? p.read(id, props) : { id, props };
    },
    async update(id, olds, news) {
      const p = configured();
      return p.update ? p.update(id, olds, news) : {};
    },
    async delete(id, props) {
      const p = configured();
      if (p.delete) await p.delete(id, props);
    },
  };
}

/**
 * Shim for an implementation module shipped in this package: `packageProvider("glance-tagged-image/provider")`
 * loads `pulumi-amphora/provider/glance-tagged-image/provider` (= dist/provider/glance-tagged-image/provider.js).
 */
export function packageProvider(modulePath: string, exportName = "provider"): pulumi.dynamic.ResourceProvider {
  return shimProvider(`${PACKAGE_NAME}/provider/${modulePath}`, exportName);
}
