import { promises as fs } from "node:fs";
import * as path from "node:path";
import { failingAs } from "../common/errors";
import { parseChecked, parseState } from "../common/provider-io";
import { resourcePrinter } from "../common/resource-line";
import type * as pulumi from "@pulumi/pulumi";
import { splitUnknowns } from "../common/check";
import { validateInputs } from "../common/validate";
import { hashFile } from "../common/digests";
import { buildImage, revalidate } from "./apply";
import { type AmphoraImageBuildInputs, amphoraImageBuildInputsSchema } from "./inputs";
import { artifactPaths, outputBase } from "./options";
import { removeOwnSiblings, supersededArtifact } from "./ownership";
import { type AmphoraImageBuildOutputs, amphoraImageBuildOutputsSchema, recordedInputs } from "./outputs";
import { planLine, planUpdate } from "./plan";
import { preflight } from "./preflight";
import { withRootPassword } from "./root-password";
import { secretMatches } from "./secret-digest";

/**
 * The AmphoraImageBuild dynamic provider, loaded in the provider host by the SDK's shim
 * (`pulumi-amphora/provider/amphora-image-build/provider`). Builds only when the content key changed, validates
 * before anything can use the artifact, and never puts the root password in outputs or logs.
 */

/**
 * Prints lines of the build of `artifact`, each starting with `AmphoraImageBuild <artifact file name>`: dynamic
 * providers are not given the resource's name, and the artifact path is the resource's id (two builds cannot share
 * it); no input is added for a name, so states of earlier versions diff exactly as before.
 */
const printerFor = (artifact: string): ((line: string) => void) => resourcePrinter("AmphoraImageBuild", path.basename(artifact));
const artifactOf = (inputs: AmphoraImageBuildInputs): string => artifactPaths(inputs.output, inputs.imageType).artifact;
/** The builder's errors name no resource: the one they fail is named as its lines name it. */
const failingBuild = <T>(artifact: string, operation: () => Promise<T>): Promise<T> => failingAs(`AmphoraImageBuild ${path.basename(artifact)}`, operation);
const parseInputs = (raw: Record<string, unknown>): AmphoraImageBuildInputs => parseChecked(amphoraImageBuildInputsSchema(), raw);
const parseOutputs = (raw: Record<string, unknown>): AmphoraImageBuildOutputs | undefined => parseState(amphoraImageBuildOutputsSchema(), raw);

/** Old computed fields with the new inputs recorded (optional inputs that were removed disappear). */
function withInputs(olds: AmphoraImageBuildOutputs, news: AmphoraImageBuildInputs): AmphoraImageBuildOutputs {
  const inputKeys = new Set(Object.keys(amphoraImageBuildInputsSchema().shape));
  const computed = Object.fromEntries(Object.entries(olds).filter(([k]) => !inputKeys.has(k)));
  return { ...recordedInputs(news), ...computed } as AmphoraImageBuildOutputs;
}

function keptDigest(olds: AmphoraImageBuildOutputs, news: AmphoraImageBuildInputs): string {
  return news.rootPassword !== undefined && olds.rootPasswordSet && secretMatches(news.rootPassword, olds.rootPasswordDigest)
    ? olds.rootPasswordDigest
    : "";
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const result = validateInputs(amphoraImageBuildInputsSchema(), news);
    if (result.complete && result.failures.length === 0) {
      result.failures.push(...(await preflight(result.inputs as AmphoraImageBuildInputs)));
    }
    return { inputs: result.inputs, failures: result.failures };
  },

  async diff(_id, oldState, newInputs) {
    const { unknown } = splitUnknowns(newInputs);
    if (unknown.length) {
      return { changes: true, replaces: unknown.filter((k) => k === "output" || k === "imageType") };
    }
    const parsed = parseInputs(newInputs);
    const olds = parseOutputs(oldState);
    const artifact = olds?.path ?? artifactOf(parsed);
    return failingBuild(artifact, async () => {
      const news = await withRootPassword(parsed);
      if (!olds) {
        printerFor(artifact)(`rebuild: state written by an incompatible provider version`);
        return { changes: true, replaces: [] };
      }
      const plan = await planUpdate(olds, news);
      if (plan.action !== "none") printerFor(artifact)(planLine(plan, news));
      return { changes: plan.action !== "none", replaces: plan.replaces, deleteBeforeReplace: false };
    });
  },

  async create(raw) {
    const parsed = parseInputs(raw);
    const artifact = artifactOf(parsed);
    return failingBuild(artifact, async () => {
      const inputs = await withRootPassword(parsed);
      const print = printerFor(artifact);
      print(planLine(undefined, inputs));
      const outs = await buildImage(inputs, { print });
      return { id: outs.path, outs };
    });
  },

  async update(_id, oldState, newInputs) {
    const parsed = parseInputs(newInputs);
    const olds = parseOutputs(oldState);
    const artifact = olds?.path ?? artifactOf(parsed);
    return failingBuild(artifact, async () => {
      const news = await withRootPassword(parsed);
      const print = printerFor(artifact);
      if (!olds) return { outs: await buildImage(news, { print }) };
      // No plan line here: the engine always calls diff first, which printed it.
      const plan = await planUpdate(olds, news);
      switch (plan.action) {
        case "rebuild":
        case "replace":
          return { outs: await buildImage(news, { print, keyParts: plan.keyParts, previousPasswordDigest: keptDigest(olds, news) }) };
        case "revalidate":
          return { outs: { ...(await revalidate(news, withInputs(olds, news), print)), keyParts: plan.keyParts } };
        default:
          // Same key; the fresh parts only differ in where the element directories are now.
          return { outs: { ...withInputs(olds, news), keyParts: plan.keyParts } };
      }
    });
  },

  async read(id, props) {
    const olds = parseOutputs(props);
    if (!olds) return { id, props };
    const st = await fs.stat(olds.path).catch(() => undefined);
    if (!st) {
      printerFor(olds.path)(`artifact ${olds.path} gone; the next update builds it again`);
      return { id: "", props: {} };
    }
    const digests = await hashFile(olds.path);
    const artifactState = digests.sha256 === olds.sha256 ? "ok" : "modified";
    if (artifactState === "modified") printerFor(olds.path)(`${olds.path} modified since it was built (sha256 differs); the next update rebuilds it`);
    return { id, props: { ...olds, artifactState } };
  },

  async delete(_id, props) {
    const olds = parseOutputs(props);
    const artifact = olds?.path ?? (typeof props.path === "string" ? props.path : "");
    if (!artifact) return;
    const print = printerFor(artifact);
    if (olds?.retainOnDelete) {
      print(`${artifact} retained (retainOnDelete)`);
      return;
    }
    const base = olds ? outputBase(artifact, olds.imageType) : artifact.replace(/\.[^./]+$/, "");
    if (olds && (await supersededArtifact(artifact, olds.artifactFileId))) {
      print(`${artifact}, ${base}.d and ${base}.build.log kept: another build (a replacement) has put its own there since`);
      return;
    }
    const existed = await fs.rm(artifact).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return false;
        throw err;
      },
    );
    await removeOwnSiblings(artifact, base, print);
    if (existed) print(`removed ${artifact}`);
  },
};
