/**
 * The gRPC listener (issue 21 §3): the seeds' services (`Services.ts`) on
 * `SIGNET_GRPC_PORT` with `@grpc/grpc-js`, loaded only when the port is set.
 *
 * Per call:
 * - **Caller**: metadata `authorization: Bearer <access token | API key |
 *   operator token>` and `x-signet-tenant: <slug>` (required for API keys and
 *   operators, optional for user tokens — as `/rpc`), resolved by the one
 *   caller resolution of REST and RPC (`resolveLimitedCaller`: API rate
 *   limits included). `core.api.v1.AuthService/ValidateToken` takes none.
 * - **Request id**: `x-request-id` from the metadata (when well-formed) or a
 *   new one; in the logs of the call and sent back in the initial metadata.
 * - **Deadline**: the client's `grpc-timeout` bounds the work; past it the
 *   call ends with `DEADLINE_EXCEEDED` and the work is interrupted. A
 *   cancelled call interrupts its work too.
 * - **Errors**: `Codec.failureOf` (tagged errors by their HTTP status,
 *   malformed messages `INVALID_ARGUMENT`, defects `INTERNAL` without details).
 * - **Limits**: messages up to 64 KiB either way.
 *
 * Plaintext HTTP/2 (h2c) on `SIGNET_HOST`, or TLS with `SIGNET_GRPC_TLS_CERT`
 * and `SIGNET_GRPC_TLS_KEY`, and mutual TLS with `SIGNET_GRPC_TLS_CLIENT_CA`
 * (seed 004 "mTLS between services") — see docs/integrations.md.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import type * as GrpcJs from "@grpc/grpc-js"
import type { Core } from "@signet/core"
import { Context, Effect, Exit, Layer, Option, Redacted, Runtime } from "effect"
import type { Activity } from "../Activity.js"
import type { GrpcTls, ServerConfig } from "../Config.js"
import type { Metrics } from "../Metrics.js"
import { REQUEST_ID, runCall } from "./Call.js"
import { failureOf } from "./Codec.js"
import { loadProtos } from "./Protos.js"
import { type Method, SERVICES } from "./Services.js"

/** Largest request or response message, in bytes. */
export const GRPC_MAX_MESSAGE_BYTES = 64 * 1024

/** The gRPC listener's bound port (none when `SIGNET_GRPC_PORT` is not set). */
export class GrpcEndpoint extends Context.Tag("signet/GrpcEndpoint")<
  GrpcEndpoint,
  { readonly port: Option.Option<number> }
>() {}

/** The first value of a metadata key, as text. */
const first = (md: GrpcJs.Metadata, key: string): string | undefined => {
  const v = md.get(key)[0]
  return v === undefined ? undefined : String(v)
}

/** Milliseconds left before the call's deadline (undefined: no deadline). */
const remaining = (deadline: GrpcJs.Deadline): number | undefined => {
  const at = deadline instanceof Date ? deadline.getTime() : deadline
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}

/** The client's address as `resolveCaller` wants it (`ipv4:1.2.3.4:5678` → `1.2.3.4`). */
const peerIp = (peer: string): string | undefined =>
  /^ipv4:([0-9.]+):\d+$/.exec(peer)?.[1] ?? /^ipv6:\[([0-9a-f:.]+)\]:\d+$/i.exec(peer)?.[1]

/**
 * A grpc-js unary handler running `method` on `runtime` (through
 * `Call.runCall`, as the Connect route), counted in `activity` while it runs.
 */
const unary =
  (
    grpc: typeof GrpcJs,
    config: ServerConfig,
    // biome-ignore lint/suspicious/noExplicitAny: the runtime holds the core's and the server's services
    runtime: Runtime.Runtime<any>,
    method: Method,
    activity: Activity
  ) =>
  // biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are untyped
  (call: GrpcJs.ServerUnaryCall<any, any>, callback: GrpcJs.sendUnaryData<any>) => {
    const requestId = ((id) => (id && REQUEST_ID.test(id) ? id : Crypto.randomUUID()))(
      first(call.metadata, "x-request-id")
    )
    const work = runCall(config, method, {
      request: call.request,
      authorization: first(call.metadata, "authorization"),
      tenant: first(call.metadata, "x-signet-tenant"),
      ip: peerIp(call.getPeer()),
      userAgent: first(call.metadata, "user-agent"),
      requestId,
      timeoutMs: remaining(call.getDeadline())
    })
    const controller = new AbortController()
    call.on("cancelled", () => controller.abort())
    const out = new grpc.Metadata()
    out.set("x-request-id", requestId)
    activity.n++
    activity.total++
    void Runtime.runPromiseExit(runtime)(work, { signal: controller.signal }).then((exit) => {
      activity.n--
      if (controller.signal.aborted) return
      call.sendMetadata(out)
      if (Exit.isSuccess(exit)) return callback(null, exit.value)
      const failure = failureOf(exit.cause)
      if (failure.code === 13) void Runtime.runPromise(runtime)(Effect.logError("gRPC call failed", exit.cause))
      callback({ code: failure.code, details: failure.details, metadata: out })
    })
  }

/**
 * The listener's credentials: plaintext without `SIGNET_GRPC_TLS_*`; TLS with
 * the certificate and key; with a client CA, client certificates are required
 * and verified against it (mutual TLS). A certificate or key that grpc-js
 * refuses (a key not matching the certificate…) ends the start-up with a
 * message naming the variables.
 */
const credentialsOf = (grpc: typeof GrpcJs, tls: Option.Option<GrpcTls>) =>
  Option.match(tls, {
    onNone: () => Effect.succeed(grpc.ServerCredentials.createInsecure()),
    onSome: (t) =>
      Effect.try({
        try: () =>
          grpc.ServerCredentials.createSsl(
            Option.match(t.clientCa, { onNone: () => null, onSome: (ca) => Buffer.from(ca) }),
            [{ cert_chain: Buffer.from(t.cert), private_key: Buffer.from(Redacted.value(t.key)) }],
            Option.isSome(t.clientCa)
          ),
        catch: (e) =>
          new Error(
            `SIGNET_GRPC_TLS_CERT / SIGNET_GRPC_TLS_KEY / SIGNET_GRPC_TLS_CLIENT_CA refused: ${e instanceof Error ? e.message : String(e)}`
          )
      }).pipe(Effect.orDie)
  })

/**
 * The gRPC listener as a layer: binds `host:grpcPort` when the port is set,
 * registers every service of `SERVICES`, and on close stops accepting and
 * lets in-flight calls finish (forcing after the shutdown grace). Provides
 * {@link GrpcEndpoint} with the bound port. Each call is counted in
 * `activity` (the server's counter, so that the idle collection of
 * `IdleGc.ts` does not run while gRPC calls are being served).
 */
export const grpcLayer = (config: ServerConfig, activity: Activity = { n: 0, total: 0 }) =>
  Layer.scoped(
    GrpcEndpoint,
    Effect.gen(function* () {
      if (Option.isNone(config.grpcPort)) return { port: Option.none<number>() }
      const wanted = config.grpcPort.value
      const grpc = yield* Effect.promise(() => import("@grpc/grpc-js"))
      const loader = yield* Effect.promise(() => import("@grpc/proto-loader"))
      const definition = loadProtos(loader)
      const runtime = yield* Effect.runtime<Core.CoreServices | Metrics>()
      const server = new grpc.Server({
        "grpc.max_receive_message_length": GRPC_MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": GRPC_MAX_MESSAGE_BYTES
      })
      for (const [name, methods] of Object.entries(SERVICES)) {
        const service = definition[name] as GrpcJs.ServiceDefinition | undefined
        if (service === undefined) return yield* Effect.dieMessage(`${name} is not in the proto files`)
        const impl: GrpcJs.UntypedServiceImplementation = {}
        for (const [rpc, method] of Object.entries(methods)) impl[rpc] = unary(grpc, config, runtime, method, activity)
        server.addService(service, impl)
      }
      const credentials = yield* credentialsOf(grpc, config.grpcTls)
      const port = yield* Effect.async<number, Error>((resume) => {
        server.bindAsync(`${config.host}:${wanted}`, credentials, (e, p) =>
          resume(e ? Effect.fail(e) : Effect.succeed(p))
        )
      }).pipe(Effect.orDie)
      yield* Effect.addFinalizer(() =>
        Effect.async<void>((resume) => {
          const force = setTimeout(() => server.forceShutdown(), config.shutdownGraceMs)
          server.tryShutdown(() => {
            clearTimeout(force)
            resume(Effect.void)
          })
        })
      )
      const tls = Option.match(config.grpcTls, {
        onNone: () => "plaintext",
        onSome: (t) => (Option.isSome(t.clientCa) ? "mutual TLS" : "TLS")
      })
      yield* Effect.logInfo(`gRPC on ${config.host}:${port} (${tls})`)
      return { port: Option.some(port) }
    })
  )
