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
} from "./provider-host";
export { ProviderCallError, CheckFailedError } from "./errors";
export {
  Lifecycle,
  type LifecycleOptions,
  type ResourceState,
  type StepOp,
  type StepResult,
  type PreviewResult,
  type RefreshResult,
} from "./lifecycle";
export {
  secret,
  isSecret,
  UNKNOWN,
  PROVIDER_KEY,
  withoutProvider,
  secretOutputPaths,
  type PropertyMap,
  type PropertyValue,
} from "./marshal";
export { serializeProvider, type SerializedProvider } from "./serialize";
export {
  assertProviderSerializes,
  type SerializationGuardOptions,
  type SerializationGuardResult,
} from "./serialization-guard";
export { useProviderHost, type ProviderHostContext } from "./mocha";
export { displayDiff, inputDiff, type InputDiff } from "./display-diff";
