/**
 * `@signet/server` — the HTTP/RPC server as a layer, for the CLI and for
 * embedding.
 *
 * @module
 */

export { type Activity, ServerActivity } from "./Activity.js"
export * from "./Auth.js"
export * from "./Config.js"
export { connectHandlers, connectRoutes, registryOf } from "./grpc/Connect.js"
export { isConnectPath, SERVICE_NAMES, type ServiceName } from "./grpc/Paths.js"
export { LOADER_OPTIONS, PROTO_FILES, protoDir } from "./grpc/Protos.js"
export { GRPC_MAX_MESSAGE_BYTES, GrpcEndpoint, grpcLayer } from "./grpc/Server.js"
export { VERSION } from "./http/System.js"
export {
  collected,
  defaultIdleGcOptions,
  type IdleGcOptions,
  type IdleGcState,
  idleGcLayer,
  idleGcStep
} from "./IdleGc.js"
export { jsonLineLogger, jsonLines } from "./Logging.js"
export { Metrics } from "./Metrics.js"
export {
  CurrentRequestId,
  MAX_ECHOED_CHARS,
  problemResponse,
  problemType,
  sanitizeIssueMessage,
  sanitizeIssueTree
} from "./Middleware.js"
export { redactPath, routeLabel } from "./Routes.js"
export { baseUrl, coreLayer, routes, serverLayer } from "./Server.js"
