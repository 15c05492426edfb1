/**
 * Engine-faithful harness for Pulumi dynamic providers: see provider-host.ts (the real host over gRPC),
 * lifecycle.ts (engine step semantics), serialization-guard.ts (what lands in state), mocha.ts (hooks).
 */
export {
  startProviderHost,
  ProviderHost,
  ResourceHandle,
  type ProviderHostOptions,
  type OutputLine,
  type CheckResult,
  type DiffResult,
  type DiffChanges,
  type CreateResult,
  type ReadResult,
  type UpdateResult,
} from "../../engine/host/provider-host";
export { ProviderCallError, CheckFailedError } from "../../engine/host/errors";
export {
  Lifecycle,
  type LifecycleOptions,
  type ResourceState,
  type StepOp,
  type StepResult,
  type PreviewResult,
  type RefreshResult,
} from "../../engine/host/lifecycle";
export {
  secret,
  isSecret,
  UNKNOWN,
  PROVIDER_KEY,
  withoutProvider,
  secretOutputPaths,
  type PropertyMap,
  type PropertyValue,
} from "../../engine/host/marshal";
export { serializeProvider, type SerializedProvider } from "../../engine/host/serialize";
export {
  assertProviderSerializes,
  type SerializationGuardOptions,
  type SerializationGuardResult,
} from "./serialization-guard";
export { useProviderHost, type ProviderHostContext } from "./mocha";
export { displayDiff, inputDiff, type InputDiff } from "../../engine/host/display-diff";
