export { GlanceTaggedImage, type GlanceTaggedImageArgs } from "./glance-tagged-image";
export { SnapshotStorePolicy, type SnapshotStorePolicyArgs } from "./snapshot-store-policy";
export { AmphoraImageBuild, type AmphoraImageBuildArgs } from "./amphora-image-build";
export { AmphoraFleetRotation, type AmphoraFleetRotationArgs } from "./amphora-fleet-rotation";
