/**
 * Compile-time tests of the SDK's argument types, checked by `npm run lint` (tsc) and never run: every
 * `@ts-expect-error` line is a mistake `check` would refuse and the compiler must refuse first (an unused
 * `@ts-expect-error` fails the compile), every other line a program that must keep compiling.
 * Not named *.test.ts, so mocha does not load it.
 */
import * as pulumi from "@pulumi/pulumi";
import { AmphoraImageBuild, type AmphoraImageBuildArgs, type GlanceTaggedImageArgs, type SnapshotStorePolicyArgs } from "../../sdk";

declare const build: AmphoraImageBuild;
declare const adoptedImageId: pulumi.Output<string>;
declare const fileFromElsewhere: pulumi.Output<string>;
declare const urlFromConfig: Promise<string>;

// AmphoraImageBuild's formats are the closed sets it produces, not any string.
export const _builtDiskFormat: pulumi.Output<"qcow2" | "raw" | "vhd"> = build.diskFormat;
export const _builtContainerFormat: pulumi.Output<"bare" | "docker"> = build.containerFormat;

// Valid programs: each source alone, closed sets from literals, Outputs and Promises.
export const _fromBuild: GlanceTaggedImageArgs = {
  tag: "amphora",
  file: build.path,
  diskFormat: build.diskFormat,
  containerFormat: build.containerFormat,
  expectedSha512: build.sha512,
  importMethod: "glance-direct",
};
export const _fromUrl: GlanceTaggedImageArgs = {
  tag: "amphora",
  url: urlFromConfig,
  diskFormat: "raw",
  importMethod: pulumi.output("web-download" as const),
};
export const _adopted: GlanceTaggedImageArgs = { tag: "amphora", imageId: adoptedImageId, visibility: Promise.resolve("shared" as const) };
export const _importFrom: GlanceTaggedImageArgs = {
  tag: "amphora",
  importFrom: { region: "RegionOne", imageId: adoptedImageId, file: build.path },
  diskFormat: build.diskFormat,
  region: "RegionTwo",
};
export const _explicitlyAbsent: GlanceTaggedImageArgs = { tag: "amphora", file: fileFromElsewhere, url: undefined, imageId: undefined };

// Mistakes check refuses.
// @ts-expect-error diskFormat is one of Glance's disk formats
export const _badDiskFormat: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, diskFormat: "qcow3" };
// @ts-expect-error visibility is private, shared, community or public
export const _badVisibility: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, visibility: "everyone" };
// @ts-expect-error importMethod is auto, glance-direct, web-download, upload or glance-download
export const _badImportMethod: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, importMethod: "ftp" };
// @ts-expect-error containerFormat is one of Glance's container formats
export const _badContainerFormat: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, containerFormat: "zip" };
// @ts-expect-error an Output<string> is not known to be a disk format
export const _wideOutput: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, diskFormat: build.path };
// @ts-expect-error exactly one source: file and url together
export const _fileAndUrl: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, url: "https://example.org/amphora.qcow2" };
// @ts-expect-error exactly one source: url and imageId together
export const _urlAndImageId: GlanceTaggedImageArgs = { tag: "amphora", url: "https://example.org/a.qcow2", imageId: adoptedImageId };
// @ts-expect-error exactly one source: file and importFrom together
export const _fileAndImportFrom: GlanceTaggedImageArgs = { tag: "amphora", file: build.path, importFrom: { region: "RegionOne", imageId: adoptedImageId } };
// @ts-expect-error importFrom names the region it imports from
export const _importFromNoRegion: GlanceTaggedImageArgs = { tag: "amphora", importFrom: { imageId: adoptedImageId } };
// @ts-expect-error exactly one source: none given
export const _noSource: GlanceTaggedImageArgs = { tag: "amphora", diskFormat: "qcow2" };
// @ts-expect-error the source is required, not optional
export const _undefinedSource: GlanceTaggedImageArgs = { tag: "amphora", file: undefined };

// AmphoraImageBuild and SnapshotStorePolicy: closed sets and required arguments (generated declarations).
export const _builtImageType: pulumi.Output<"qcow2" | "raw" | "vhd" | "tar"> = build.imageType;
export const _buildArgs: AmphoraImageBuildArgs = { frontEnd: "dib", output: "build/x", imageType: pulumi.output("tar" as const), elements: ["debian-minimal"] };
// @ts-expect-error imageType is one of the builders' image types
export const _badImageType: AmphoraImageBuildArgs = { frontEnd: "dib", output: "build/x", imageType: "qcow3" };
// @ts-expect-error frontEnd is required
export const _noFrontEnd: AmphoraImageBuildArgs = { output: "build/x" };
export const _policyArgs: SnapshotStorePolicyArgs = { store: "fast", mode: "move" };
// @ts-expect-error mode is copy or move
export const _badMode: SnapshotStorePolicyArgs = { store: "fast", mode: "relocate" };
// @ts-expect-error a state-only output is no property of the SDK class
export const _stateOnly = build.keyParts;
