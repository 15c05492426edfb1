import { strict as assert } from "node:assert";
import { FleetRotationError, RotationStoppedError } from "../../provider/amphora-fleet-rotation/errors";
import { provider as amphoraImageBuild } from "../../provider/amphora-image-build/provider";
import { BuilderExitError, BuildError, BuildInputError, ValidationError } from "../../provider/amphora-image-build/errors";
import { connectFailure, ResourceError } from "../../provider/common/errors";
import { GlanceTaggedImageError, step } from "../../provider/glance-tagged-image/errors";
import { GlanceClient } from "../../provider/glance/client";
import type { Image } from "../../provider/glance/images";
import { flowContext } from "../../provider/glance-tagged-image/context";
import { convergeStores } from "../../provider/glance-tagged-image/stores";
import { HttpError } from "../../provider/openstack/errors";
import { enforce } from "../../provider/snapshot-store-policy/enforce";
import { ConnectError, CopyForbiddenError, EnforcementError, UnknownStoreError } from "../../provider/snapshot-store-policy/errors";
import { glancePlacement } from "../../provider/snapshot-store-policy/placement";
import { fakeServiceClient, startServer } from "../glance/support/fake-service";
import { withStdout } from "../support/stdout";

const forbidden = (): HttpError =>
  new HttpError({ status: 403, method: "POST", url: "http://glance/v2/images/i-1/import", serviceMessage: "You are not authorized to complete copy_image action." });

describe("one error model: every resource's errors are ResourceErrors", () => {
  it("an error that fails a resource names it first and its ERR_* code last, with the image and the service's own words", async () => {
    const err = await step("proj/stack/amp", "moving the tag", "i-1", () => Promise.reject(forbidden())).catch((e: unknown) => e);
    assert.ok(err instanceof GlanceTaggedImageError && err instanceof ResourceError);
    assert.equal(err.code, "ERR_GLANCE");
    assert.equal(err.subject, "GlanceTaggedImage proj/stack/amp");
    assert.equal(err.imageId, "i-1");
    assert.equal(err.serviceMessage, "You are not authorized to complete copy_image action.");
    assert.equal(err.message, "GlanceTaggedImage proj/stack/amp: moving the tag failed: 403 You are not authorized to complete copy_image action. (ERR_GLANCE)");
    assert.ok(err.cause instanceof HttpError);
  });

  it("the three resources that reach OpenStack word a failed connection the same way", () => {
    const refused = new Error("POST http://keystone:5000/v3/auth/tokens failed: connect ECONNREFUSED");
    const policy = new ConnectError("fast", refused);
    assert.ok(policy instanceof ResourceError);
    assert.equal(policy.code, "ERR_CONNECT");
    assert.equal(policy.message, `SnapshotStorePolicy fast: ${connectFailure("Glance's endpoint", "Glance", refused)} (ERR_CONNECT)`);
    const image = new GlanceTaggedImageError("ERR_CONNECT", "p/s/n", connectFailure("Glance's endpoint", "Glance", refused));
    assert.equal(image.message.replace(/^GlanceTaggedImage p\/s\/n: /, ""), policy.message.replace(/^SnapshotStorePolicy fast: /, ""));
    assert.match(policy.message, /connecting to OpenStack \(a Keystone token, then Glance's endpoint from the catalog\) failed, nothing was asked of Glance: POST .* ECONNREFUSED \(ERR_CONNECT\)$/);
  });

  it("errors about one image or a store, reported inside a resource's result, carry a code but no subject", () => {
    const copy = new CopyForbiddenError("i-1", "fast", "You are not authorized to complete copy_image action.");
    assert.ok(copy instanceof ResourceError);
    assert.equal(copy.code, "ERR_FORBIDDEN");
    assert.equal(copy.imageId, "i-1");
    assert.equal(copy.serviceMessage, "You are not authorized to complete copy_image action.");
    assert.match(copy.message, /^copy-image of image i-1 to store "fast" was refused \(403: You are not/);
    assert.doesNotMatch(copy.message, /ERR_/);
    const store = new UnknownStoreError("nope", ["fast"]);
    assert.equal(store.code, "ERR_STORES");
    assert.equal(store.message, 'store "nope" is not a store of this Glance; the stores that exist are: fast');
    const build = new ValidationError("/out/amphora.qcow2", [{ check: "kernel", detail: "no kernel" }]);
    assert.ok(build instanceof BuildError && build instanceof ResourceError);
    assert.equal(build.code, "ERR_VALIDATION");
    const boot = { stage: "firmware", logPath: "/out/amphora.build.log" };
    assert.match(new ValidationError("/out/a.qcow2", [{ check: "boot", detail: "no answer" }], { ...boot, consoleTail: ["GRUB", "error"] }).message, /\n--- last 2 lines of the serial console \(whole console in \/out\/amphora\.build\.log\) ---\nGRUB\nerror$/);
    assert.match(new ValidationError("/out/a.qcow2", [{ check: "boot", detail: "no answer" }], { ...boot, consoleTail: [] }).message, /\n--- the serial console stayed empty \(whole console in \/out\/amphora\.build\.log\) ---$/);
    const exit = new BuilderExitError("diskimage-create.sh", 1, null, "", { logPath: "/out/build.log", tail: [] });
    assert.equal(exit.code, "ERR_BUILD_EXIT");
  });

  it("a policy's failure and a stopped rotation name the resource once and keep their codes", () => {
    const placed = new EnforcementError("ERR_PLACEMENT", "fast", "1 of 2 image(s) could not be placed", "id-1", {}, ["a: b"]);
    assert.equal(placed.message, "SnapshotStorePolicy fast: 1 of 2 image(s) could not be placed (ERR_PLACEMENT)");
    const gate = new FleetRotationError("ERR_GATE", "amphora", "load balancer lb-1: operating status ERROR", "lb-1");
    const stopped = new RotationStoppedError(gate, "rot-1", {});
    assert.equal(stopped.message, gate.message);
    assert.equal(stopped.message, "AmphoraFleetRotation amphora: load balancer lb-1: operating status ERROR (ERR_GATE)");
    assert.deepEqual(stopped.reasons, [gate.message]);
  });

  it("one Glance answer reads the same in every resource: a refused copy-image in GlanceTaggedImage and SnapshotStorePolicy", async () => {
    // Glance refuses copy-image of i-1 (no retry: POST, and a Retry-After beyond the retry bound).
    const glance = await startServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "120" });
      res.end(JSON.stringify({ message: "The store is in maintenance" }));
    });
    try {
      const client = new GlanceClient(fakeServiceClient(glance.origin), { baseUrl: `${glance.origin}/v2` });
      const image = { id: "i-1", status: "active", stores: "cheap" } as Image;
      const tagged = await convergeStores(flowContext(client, { resourceKey: "p/s/amp", instanceId: "x" }), image, ["cheap", "fast"], { allStoresMustSucceed: true, timeoutMs: 1000 })
        .then(() => assert.fail("GlanceTaggedImage's copy succeeded"), (e: unknown) => e);
      assert.ok(tagged instanceof GlanceTaggedImageError);
      const policy = await enforce({ "i-1": { status: "active", stores: ["cheap"] } }, { store: "fast", mode: "copy", concurrency: 1, ops: glancePlacement(client, { copyTimeoutMs: 1000, pollIntervalMs: 10 }) });
      const glanceSaid = "503 The store is in maintenance (the service asked to retry after 120 s)";
      assert.equal(tagged.detail, `copying image i-1 to store(s) fast failed: ${glanceSaid}`);
      assert.deepEqual(policy.failed, { "i-1": `copy to "fast": ${glanceSaid}` });
      assert.equal(glance.requests.length, 2, "one POST .../import each, not retried");
    } finally {
      await glance.close();
    }
  });

  it("a builder's error names the AmphoraImageBuild it fails, as its lines do, and ends with its own code", async () => {
    const output = "/nonexistent-amphora-output-dir/amphora-x64-haproxy.qcow2";
    const { value: failed, lines } = await withStdout(() =>
      amphoraImageBuild.create!({ frontEnd: "octavia", script: "/nonexistent/diskimage-create.sh", output }).then(
        () => assert.fail("the build ran"),
        (e: unknown) => e,
      ),
    );
    assert.deepEqual(lines, ["AmphoraImageBuild amphora-x64-haproxy.qcow2: build"], "the subject is the name its lines give it");
    assert.ok(failed instanceof BuildInputError && failed instanceof ResourceError);
    assert.equal(failed.code, "ERR_BUILD_INPUT");
    assert.equal(failed.subject, "AmphoraImageBuild amphora-x64-haproxy.qcow2");
    assert.equal(failed.message, "AmphoraImageBuild amphora-x64-haproxy.qcow2: output: directory /nonexistent-amphora-output-dir does not exist (ERR_BUILD_INPUT)");
    // Raised below the resources, the same error stands alone; a subject, once given, is kept.
    const inner = new BuildInputError("output: directory /x does not exist");
    assert.equal(inner.subject, undefined);
    assert.equal(inner.message, "output: directory /x does not exist");
    assert.equal(inner.failing("AmphoraImageBuild a.qcow2").failing("AmphoraImageBuild b.qcow2").message, "AmphoraImageBuild a.qcow2: output: directory /x does not exist (ERR_BUILD_INPUT)");
  });
});
