import * as assert from "node:assert";
import { validateInputs } from "../../provider/common/validate";
import { text, uniqueTexts } from "../../provider/common/text-input";
import { amphoraFleetRotationInputsSchema } from "../../provider/amphora-fleet-rotation/inputs";
import { snapshotStorePolicyInputsSchema } from "../../provider/snapshot-store-policy/inputs";

function reasons(result: { success: boolean; error?: { issues: { message: string }[] } }): string[] {
  return result.success ? [] : (result.error?.issues ?? []).map((i) => i.message);
}

describe("common/text-input: the one-line text inputs of the resources", () => {
  it("text refuses empty, too long, control characters and white space at either end, and keeps the rest as given", () => {
    assert.deepStrictEqual(reasons(text().safeParse("")), ["must not be empty"]);
    assert.deepStrictEqual(reasons(text(3).safeParse("abcd")), ["must be at most 3 characters"]);
    assert.deepStrictEqual(reasons(text().safeParse("a\nb")), ["must not contain control characters"]);
    assert.deepStrictEqual(reasons(text().safeParse("a\u007f")), ["must not contain control characters"]);
    assert.deepStrictEqual(reasons(text().safeParse(" a")), ["must not start or end with white space"]);
    assert.strictEqual(text().parse("amphora x"), "amphora x");
    assert.strictEqual(text(255).safeParse("x".repeat(255)).success, true);
    assert.strictEqual(text().safeParse("x".repeat(256)).success, false, "the default limit is 255");
  });

  it("uniqueTexts refuses an item listed twice, naming it, and checks each item as text", () => {
    assert.deepStrictEqual(reasons(uniqueTexts("flavor id").safeParse(["a", "a"])), ["must not list a flavor id twice"]);
    assert.deepStrictEqual(reasons(uniqueTexts("flavor id", 2).safeParse(["abc"])), ["must be at most 2 characters"]);
    assert.deepStrictEqual(uniqueTexts("flavor id").parse(["b", "a"]), ["b", "a"]);
  });

  it("AmphoraFleetRotation's ids are at most 64 characters, its tag 255; SnapshotStorePolicy's lists allow 255", () => {
    const fleet = (news: Record<string, unknown>) => validateInputs(amphoraFleetRotationInputsSchema(), { imageTag: "amphora", ...news });
    const byProp = (r: ReturnType<typeof fleet>) => Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    const long = byProp(fleet({ imageTag: "t".repeat(256), loadBalancers: ["l".repeat(65)], flavorIds: ["f", "f"], projectId: "p".repeat(65) }));
    assert.match(long.imageTag ?? "", /at most 255 characters/);
    assert.match(long["loadBalancers.0"] ?? "", /at most 64 characters/, JSON.stringify(long));
    assert.match(long.flavorIds ?? "", /must not list a flavor id twice/);
    assert.match(long.projectId ?? "", /at most 64 characters/);
    assert.deepStrictEqual(fleet({ loadBalancers: ["l".repeat(64)] }).failures, []);

    const policy = validateInputs(snapshotStorePolicyInputsSchema(), { store: "fast", extraImages: ["e".repeat(255)] });
    assert.deepStrictEqual(policy.failures, []);
    const tooLong = validateInputs(snapshotStorePolicyInputsSchema(), { store: "fast", extraImages: ["e".repeat(256)] });
    assert.match(JSON.stringify(tooLong.failures), /at most 255 characters/);
  });
});
