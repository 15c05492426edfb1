import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import * as sinon from "sinon";
import { probeInCheck } from "../../provider/common/check-probe";
import { ResourceError } from "../../provider/common/errors";
import { useGlanceClient } from "../../provider/common/provider-context";
import type { GlanceClient } from "../../provider/glance/client";
import { provider } from "../../provider/glance-tagged-image/provider";
import * as stores from "../../provider/glance-tagged-image/stores";
import { ConfigError, NetworkError } from "../../provider/openstack/errors";

/** The one look at a service that check and diff can do without (provider/common/check-probe.ts). */
describe("check's look at a service: bounded, without the service when it cannot answer, never hiding a bug", () => {
  const whyOf = async (work: () => Promise<unknown>, ms?: number): Promise<{ value: unknown; why: string[] }> => {
    const why: string[] = [];
    const value = await probeInCheck("asking", work, (w) => why.push(w), ms);
    return { value, why };
  };

  it("gives the answer when the service answers", async () => {
    assert.deepEqual(await whyOf(async () => 42), { value: 42, why: [] });
  });

  it("goes without the service when it cannot answer: no credentials, unreachable, a resource's own refusal, too slow", async () => {
    for (const err of [
      new ConfigError("no credentials: set openstack:cloud"),
      new NetworkError("connect ECONNREFUSED 127.0.0.1:9292", "GET", "http://127.0.0.1:9292/v2/info/stores"),
      new ResourceError("ERR_CONNECT", "cannot reach Glance", { subject: "GlanceTaggedImage p/s/n" }),
    ]) {
      const r = await whyOf(() => Promise.reject(err));
      assert.equal(r.value, undefined);
      assert.equal(r.why.length, 1);
      assert.match(r.why[0]!, new RegExp(err.message.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    }
    const slow = await whyOf(() => new Promise(() => undefined), 30);
    assert.deepEqual(slow, { value: undefined, why: ["asking took longer than 30 ms"] });
  });

  it("a bug is thrown, not taken for a service that did not answer", async () => {
    await assert.rejects(whyOf(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')"))), TypeError);
  });

  it("GlanceTaggedImage's check: a bug in its stores check fails the check; Glance unable to answer does not", async () => {
    useGlanceClient({ projectId: "p", isAdmin: false } as unknown as GlanceClient);
    const stub = sinon.stub(stores, "storeProblem");
    const inputs = { resourceKey: "p/s/n", tag: "amphora", file: __filename, diskFormat: "raw", stores: ["fast"] };
    // An update's check (olds known): no create plan, only the stores check looks at Glance.
    const olds = { ...inputs, instanceId: randomUUID() };
    try {
      stub.rejects(new NetworkError("socket hang up", "GET", "http://127.0.0.1:9292/v2/info/stores"));
      const checked = await provider.check!(olds, inputs);
      assert.deepEqual(checked.failures ?? [], []);
      stub.rejects(new TypeError("stores is not iterable"));
      await assert.rejects(provider.check!(olds, inputs), TypeError);
    } finally {
      stub.restore();
      useGlanceClient(undefined);
    }
  });
});
