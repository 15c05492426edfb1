/**
 * The gRPC runtime and the generated ResourceProvider stubs, loaded from @pulumi/pulumi's own dependency tree so
 * that the client uses the same @grpc/grpc-js / google-protobuf instances (and protocol version) as the host.
 * (@grpc/grpc-js and google-protobuf are not direct dependencies of this package.)
 */
import { createRequire } from "module";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import type * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import type * as statusPb from "@pulumi/pulumi/proto/status_pb";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";
import type * as emptyPb from "google-protobuf/google/protobuf/empty_pb";

/** Directory of the @pulumi/pulumi package used by the harness (and, by default, the host it starts). */
export const pulumiPackageDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

const pulumiRequire = createRequire(path.join(pulumiPackageDir, "package.json"));

export const grpc = pulumiRequire("@grpc/grpc-js") as typeof grpcTypes;
export const provproto = pulumiRequire("./proto/provider_pb") as typeof providerPb;
export const plugproto = pulumiRequire("./proto/plugin_pb") as typeof pluginPb;
export const statusproto = pulumiRequire("./proto/status_pb") as typeof statusPb;
export const structproto = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as typeof structPb;
export const emptyproto = pulumiRequire("google-protobuf/google/protobuf/empty_pb") as typeof emptyPb;

/** Untyped view of the generated client: method(request, metadata, options, callback). */
export type ProviderClient = grpcTypes.Client &
  Record<
    string,
    (
      req: unknown,
      metadata: grpcTypes.Metadata,
      options: grpcTypes.CallOptions,
      cb: (err: grpcTypes.ServiceError | null, res: unknown) => void,
    ) => grpcTypes.ClientUnaryCall
  >;

export const ResourceProviderClient = (
  pulumiRequire("./proto/provider_grpc_pb") as {
    ResourceProviderClient: new (
      address: string,
      creds: grpcTypes.ChannelCredentials,
      options?: grpcTypes.ChannelOptions,
    ) => ProviderClient;
  }
).ResourceProviderClient;

/** The dynamic-provider host entry point the engine runs (`node <this> <engine address>`). */
export function dynamicProviderHostEntry(pulumiDir: string = pulumiPackageDir): string {
  return path.join(pulumiDir, "cmd", "dynamic-provider", "index.js");
}
