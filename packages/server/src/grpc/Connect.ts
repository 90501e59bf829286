/**
 * The seeds' gRPC contracts over the Connect protocol (issue 21 §3;
 * https://connectrpc.com/docs/protocol), on the main HTTP port:
 * `POST /<package>.<Service>/<Method>` (e.g.
 * `/academics.api.v1.AcademicsQueryService/GetCourse`), unary, with
 * `Content-Type: application/json` (the proto3 JSON mapping) or
 * `application/proto` (binary). Served by `@connectrpc/connect`'s router
 * (Connect only: gRPC stays on its own HTTP/2 port, `Server.ts`); on by
 * default, `SIGNET_CONNECT=false` turns it off.
 *
 * The methods are the very `SERVICES` table of the gRPC listener, run by
 * `Call.runCall`: the same caller resolution (`Authorization: Bearer …`,
 * `x-signet-tenant`), permissions, deadline (`Connect-Timeout-Ms`), request
 * id (`x-request-id`, the global middleware's) and errors (`Codec.failureOf`:
 * the Connect codes are the gRPC codes, answered as the Connect error JSON
 * `{code, message}` with the HTTP status the protocol assigns). Messages are
 * limited to 64 KiB each way (`resource_exhausted`); a message that does not
 * decode is `invalid_argument`.
 *
 * The service descriptors are built at run time from the descriptors that
 * `@grpc/proto-loader` made of the same `.proto` files (`Protos.ts`), not
 * generated: one source for both listeners, no generation step to keep in
 * sync, and the single binary already carries the `.proto` files. A request
 * crosses from Connect's message to the gRPC handler's shape through the
 * binary wire format (`toBinary`, then proto-loader's deserializer), so both
 * protocols hand the methods byte-for-byte the same decoded message.
 *
 * @module
 */
import {
  create,
  createFileRegistry,
  type DescMethodUnary,
  type FileRegistry,
  fromBinary,
  toBinary
} from "@bufbuild/protobuf"
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_timestamp
} from "@bufbuild/protobuf/wkt"
import { Code, ConnectError, createConnectRouter, createContextKey, createContextValues } from "@connectrpc/connect"
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol"
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect"
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import type * as ProtoLoader from "@grpc/proto-loader"
import type { Core } from "@signet/core"
import { Effect, Exit, FiberRef, Layer, Option, Runtime } from "effect"
import { clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import type { Metrics } from "../Metrics.js"
import { CurrentRequestId, DRAIN_LIMIT_BYTES, jsonDepthExceeds } from "../Middleware.js"
import { runCall } from "./Call.js"
import { failureOf } from "./Codec.js"
import { SERVICE_NAMES } from "./Paths.js"
import { loadProtos } from "./Protos.js"
import { GRPC_MAX_MESSAGE_BYTES } from "./Server.js"
import { SERVICES } from "./Services.js"

// biome-ignore lint/suspicious/noExplicitAny: the runtime holds the core's and the server's services
type AnyRuntime = Runtime.Runtime<any>

/** What the HTTP route hands to a procedure beside the headers: the request's runtime, address and id. */
interface Peer {
  readonly runtime: AnyRuntime
  readonly ip: string | undefined
  readonly userAgent: string | undefined
  readonly requestId: string
}

const PeerKey = createContextKey<Peer | undefined>(undefined, { description: "signet peer" })

type FileProto = ReturnType<typeof fromBinary<typeof FileDescriptorProtoSchema>>

/** The fully qualified names (`.academics.api.v1.Course`) of every message and enum of `files`, nested ones included. */
const typeNames = (files: ReadonlyArray<FileProto>): Set<string> => {
  const names = new Set<string>([".google.protobuf.Timestamp"])
  const walk = (scope: string, messages: FileProto["messageType"], enums: FileProto["enumType"]) => {
    for (const e of enums) names.add(`${scope}.${e.name}`)
    for (const m of messages) {
      names.add(`${scope}.${m.name}`)
      walk(`${scope}.${m.name}`, m.nestedType, m.enumType)
    }
  }
  for (const f of files) walk(f.package ? `.${f.package}` : "", f.messageType, f.enumType)
  return names
}

/** A type reference as protobufjs writes it (relative: `Course`) made fully qualified, by protobuf's scoping rules. */
const qualify = (names: ReadonlySet<string>, scope: string, ref: string): string => {
  if (ref === "" || ref.startsWith(".")) return ref
  for (let at = scope; ; at = at.slice(0, Math.max(0, at.lastIndexOf(".")))) {
    if (names.has(`${at}.${ref}`)) return `${at}.${ref}`
    if (at === "") return `.${ref}`
  }
}

/** The proto3 JSON name of a field (protoc's: `signature_closed` → `signatureClosed`); protobufjs leaves it empty. */
const jsonName = (name: string): string =>
  name.replace(/_+([a-z0-9])?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())

/**
 * The registry of the served `.proto` files (`@bufbuild/protobuf` descriptors:
 * `registry.getService("academics.api.v1.AcademicsQueryService")` for a
 * Connect client or handler), from the file descriptors proto-loader made
 * with protobufjs. protobufjs names each file after its package, lists no
 * imports and writes type references relative to their scope, so each file
 * gets `google/protobuf/timestamp.proto` as its import (that well-known file
 * from `@bufbuild/protobuf`, not protobufjs's copy) and its references
 * qualified.
 */
export const registryOf = (definition: ReturnType<typeof loadProtos>): FileRegistry => {
  const files = new Map<string, FileProto>()
  for (const type of Object.values(definition)) {
    for (const bytes of (type as { fileDescriptorProtos?: ReadonlyArray<Uint8Array> }).fileDescriptorProtos ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes)
      if (file.package !== "google.protobuf") files.set(file.name, file)
    }
  }
  const names = typeNames([...files.values()])
  for (const file of files.values()) {
    file.dependency = [file_google_protobuf_timestamp.proto.name]
    const scope = file.package ? `.${file.package}` : ""
    const fix = (at: string, messages: FileProto["messageType"]) => {
      for (const m of messages) {
        for (const field of m.field) {
          field.typeName = qualify(names, `${at}.${m.name}`, field.typeName)
          field.jsonName = jsonName(field.name)
        }
        fix(`${at}.${m.name}`, m.nestedType)
      }
    }
    fix(scope, file.messageType)
    for (const service of file.service)
      for (const method of service.method) {
        method.inputType = qualify(names, scope, method.inputType)
        method.outputType = qualify(names, scope, method.outputType)
      }
  }
  return createFileRegistry(
    create(FileDescriptorSetSchema, { file: [file_google_protobuf_timestamp.proto, ...files.values()] })
  )
}

/** proto-loader's (de)serializers of one method: the gRPC handlers' message shape. */
interface WireMethod {
  readonly requestDeserialize: (bytes: Buffer) => unknown
  readonly responseSerialize: (value: unknown) => Buffer
}

/**
 * The Connect procedures by request path (`/academics.api.v1.AcademicsQueryService/GetCourse`),
 * one per method of `SERVICES`.
 */
export const connectHandlers = (
  config: ServerConfig,
  loader: typeof ProtoLoader
): ReadonlyMap<string, UniversalHandler> => {
  const definition = loadProtos(loader)
  const registry = registryOf(definition)
  const router = createConnectRouter({
    grpc: false,
    grpcWeb: false,
    connect: true,
    readMaxBytes: GRPC_MAX_MESSAGE_BYTES,
    writeMaxBytes: GRPC_MAX_MESSAGE_BYTES
  })
  for (const [name, methods] of Object.entries(SERVICES)) {
    const service = registry.getService(name)
    if (service === undefined) throw new Error(`${name} is not in the proto files`)
    for (const [rpc, method] of Object.entries(methods)) {
      const desc = service.methods.find((m) => m.name === rpc)
      const wire = (definition[name] as Record<string, WireMethod> | undefined)?.[rpc]
      if (desc === undefined || wire === undefined) throw new Error(`${name}/${rpc} is not in the proto files`)
      if (desc.methodKind !== "unary") throw new Error(`${name}/${rpc} is not unary`)
      router.rpc(desc as DescMethodUnary, async (message, ctx) => {
        const peer = ctx.values.get(PeerKey)
        if (peer === undefined) throw new ConnectError("no peer", Code.Internal)
        const request = wire.requestDeserialize(Buffer.from(toBinary(desc.input, message)))
        const exit = await Runtime.runPromiseExit(peer.runtime)(
          runCall(config, method, {
            request,
            authorization: ctx.requestHeader.get("authorization") ?? undefined,
            tenant: ctx.requestHeader.get("x-signet-tenant") ?? undefined,
            ip: peer.ip,
            userAgent: peer.userAgent,
            requestId: peer.requestId,
            timeoutMs: ctx.timeoutMs()
          }),
          { signal: ctx.signal }
        )
        if (Exit.isSuccess(exit)) return fromBinary(desc.output, wire.responseSerialize(exit.value))
        // Connect aborts the signal on the deadline and on a client gone: its reason says which.
        if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason)
        const failure = failureOf(exit.cause)
        if (failure.code === Code.Internal)
          void Runtime.runPromise(peer.runtime)(Effect.logError("Connect call failed", exit.cause))
        throw new ConnectError(failure.details, failure.code as Code)
      })
    }
  }
  return new Map(router.handlers.map((h) => [h.requestPath, h]))
}

/** A Connect error answer (for refusals before the router: an oversized or too deeply nested body). */
const errorResponse = (code: Code, message: string) =>
  HttpServerResponse.uint8Array(errorToJsonBytes(new ConnectError(message, code), undefined), {
    status: codeToHttpStatus(code),
    contentType: "application/json"
  })

/**
 * The request's body as bytes, or none when it is larger than `max`. Read
 * from the Node request to its end (up to `DRAIN_LIMIT_BYTES`) without
 * keeping what is past `max`, so the refusal reaches a client still sending
 * (a capped read would destroy the socket first).
 */
const bodyOf = (request: HttpServerRequest.HttpServerRequest, max: number) =>
  Effect.async<Option.Option<Uint8Array>>((resume) => {
    const message = NodeHttpServerRequest.toIncomingMessage(request)
    const chunks: Array<Buffer> = []
    let bytes = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      message.removeListener("data", onData)
      resume(Effect.succeed(bytes > max ? Option.none() : Option.some(Buffer.concat(chunks))))
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= max) chunks.push(chunk)
      if (bytes > DRAIN_LIMIT_BYTES) finish()
    }
    message.on("data", onData)
    message.once("end", finish)
    message.once("error", finish)
    message.once("close", finish)
  })

/**
 * A binary message that does not decode is `invalid_argument` (Connect's
 * router would answer `internal`); JSON decode errors are already.
 */
const malformedBinary = (handler: UniversalHandler, contentType: string, body: Uint8Array): string | undefined => {
  if (!/^application\/(proto|protobuf)\b/.test(contentType)) return undefined
  try {
    fromBinary(handler.method.input, body)
    return undefined
  } catch (e) {
    return `the message does not decode: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** Runs one Connect request through `handlers`. */
const serve = (config: ServerConfig, handlers: Effect.Effect<ReadonlyMap<string, UniversalHandler>>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0] ?? request.url
    const handler = (yield* handlers).get(path)
    if (handler === undefined) return errorResponse(Code.Unimplemented, `${path} is not a served method`)
    const body = yield* bodyOf(request, GRPC_MAX_MESSAGE_BYTES)
    if (Option.isNone(body))
      return errorResponse(Code.ResourceExhausted, `message larger than ${GRPC_MAX_MESSAGE_BYTES} bytes`)
    const contentType = (request.headers["content-type"] ?? "").toLowerCase()
    if (contentType.includes("json") && jsonDepthExceeds(new TextDecoder().decode(body.value)))
      return errorResponse(Code.InvalidArgument, "the JSON message is nested too deeply")
    const malformed = request.headers["content-encoding"]
      ? undefined
      : malformedBinary(handler, contentType, body.value)
    if (malformed !== undefined) return errorResponse(Code.InvalidArgument, malformed)
    const client = yield* clientInfo(config)
    const runtime = yield* Effect.runtime<Core.CoreServices | Metrics>()
    const requestId = yield* FiberRef.get(CurrentRequestId)
    const header = new Headers()
    for (const [k, v] of Object.entries(request.headers)) if (typeof v === "string") header.set(k, v)
    const answer = yield* Effect.promise(async (signal) => {
      const universal: UniversalServerRequest = {
        httpVersion: "1.1",
        url: `http://signet${request.url}`,
        method: request.method,
        header,
        body: (async function* () {
          yield body.value
        })(),
        signal,
        contextValues: createContextValues().set(PeerKey, {
          runtime,
          ip: client.ip,
          userAgent: client.userAgent,
          requestId
        })
      }
      const response = await handler(universal)
      const chunks: Array<Uint8Array> = []
      for await (const chunk of response.body ?? []) chunks.push(chunk)
      return { status: response.status, header: response.header ?? new Headers(), bytes: Buffer.concat(chunks) }
    })
    const headers: Record<string, string> = {}
    answer.header.forEach((v, k) => {
      if (k !== "content-type" && k !== "content-length") headers[k] = v
    })
    return HttpServerResponse.uint8Array(answer.bytes, {
      status: answer.status,
      contentType: answer.header.get("content-type") ?? "application/json",
      headers
    })
  })

/**
 * The Connect routes as a layer: `POST /<service>/*` for every service of
 * `SERVICES` (one router, built on the first call). Needs the core services and the
 * metrics; nothing when `config.connect` is false.
 */
export const connectRoutes = (config: ServerConfig) =>
  config.connect
    ? Layer.unwrapEffect(
        // Built on the first Connect request, not at start: loading proto-loader and the
        // .proto files would add to every start-up (docs/binary.md) for a protocol many
        // installations never use.
        Effect.map(
          Effect.cached(
            Effect.map(
              Effect.promise(() => import("@grpc/proto-loader")),
              (loader) => connectHandlers(config, loader)
            )
          ),
          (handlers) => {
            const [first, ...rest] = SERVICE_NAMES.map((name) =>
              HttpLayerRouter.add("POST", `/${name}/*`, serve(config, handlers))
            )
            return Layer.mergeAll(first!, ...rest)
          }
        )
      )
    : Layer.empty
