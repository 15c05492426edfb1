import { printLine } from "./provider-io";

/** The resources of this package, as their lines name them. */
export type ResourceType = "AmphoraImageBuild" | "GlanceTaggedImage" | "SnapshotStorePolicy" | "AmphoraFleetRotation";

/**
 * `GlanceTaggedImage amphora: tag "amphora": …`. The CLI shows what a dynamic provider prints as info messages of
 * the stack, with no resource attached and interleaved with the lines of resources running in parallel, so every
 * line names its resource and reads on its own.
 */
export function resourceLine(type: ResourceType, name: string, line: string): string {
  return `${type} ${name}: ${line}`;
}

/** A print function whose every line starts with the resource (to stdout unless `print` is given). */
export function resourcePrinter(type: ResourceType, name: string, print: (line: string) => void = printLine): (line: string) => void {
  return (line) => print(resourceLine(type, name, line));
}
