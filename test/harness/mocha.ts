/**
 * Mocha wiring: one provider host per describe block (or file), always stopped afterwards.
 *
 *   const ctx = useProviderHost({ cwd, config: { "amphora-test:greeting": "hi" } });
 *   it("...", async () => { const r = await ctx.host.resource(provider, "pulumi-nodejs:dynamic:Foo", "foo"); ... });
 */
import { startProviderHost, type ProviderHost, type ProviderHostOptions } from "../../engine/host/provider-host";

export interface ProviderHostContext {
  /** The started host (throws if used outside the describe block's tests). */
  readonly host: ProviderHost;
}

export function useProviderHost(options: ProviderHostOptions | (() => ProviderHostOptions) = {}): ProviderHostContext {
  let host: ProviderHost | undefined;
  before(async function () {
    this.timeout(30_000);
    host = await startProviderHost(typeof options === "function" ? options() : options);
  });
  after(async function () {
    this.timeout(10_000);
    await host?.stop();
    host = undefined;
  });
  return {
    get host(): ProviderHost {
      if (!host) throw new Error("provider host is not started (use it inside it()/before() of the same describe)");
      return host;
    },
  };
}
