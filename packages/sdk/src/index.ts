/**
 * `@signet/sdk` — typed clients for a running Signet server, built from the
 * contracts in `@signet/contracts` (no SQL, no server code).
 *
 * This first cut offers the Effect clients for REST ({@link makeHttpClient},
 * `HttpApiClient` over {@link SignetApi}) and RPC ({@link makeRpcClient},
 * `RpcClient` over {@link SignetRpcs}); errors are the server's own tagged
 * classes (`TenantNotFound`, `Conflict`, …); and a Promise facade for code
 * that doesn't use Effect ({@link createSignetClient}, in `Client.ts`).
 *
 * ```ts
 * const client = yield* makeHttpClient({ baseUrl: "http://127.0.0.1:8080", token })
 * const tenant = yield* client.tenants.get({ path: { slug: "demo-school" } })
 * ```
 *
 * @module
 */
import { FetchHttpClient, Headers, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { RpcClient, RpcMiddleware, RpcSerialization } from "@effect/rpc"
import { RpcOperatorAuth, RpcTenantAuth, SignetApi, SignetRpcs } from "@signet/contracts"
import { Effect, Layer } from "effect"

/** Where the server is and how to authenticate. */
export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string
  /** Bearer token: a user access token, or the operator token for platform endpoints. */
  readonly token?: string | undefined
  /** With the operator token: the tenant (slug) tenant-scoped RPCs act on (`x-signet-tenant`). */
  readonly tenant?: string | undefined
}

/**
 * The REST client: one method per endpoint, grouped like the API
 * (`client.tenants.create({ payload })`). Fails with the endpoint's tagged
 * errors, `HttpClientError` on transport problems and `ParseError` on
 * unexpected bodies.
 */
export const makeHttpClient = (options: ClientOptions) =>
  HttpApiClient.make(SignetApi, {
    baseUrl: options.baseUrl,
    transformClient: (client) =>
      options.token ? HttpClient.mapRequest(client, HttpClientRequest.bearerToken(options.token)) : client
  }).pipe(Effect.provide(FetchHttpClient.layer))

/**
 * The RPC client (`/rpc`, NDJSON over HTTP): `client.CreateTenant(...)`,
 * `client.GetTenant(...)`, … with the same payloads and errors as REST.
 * Scoped: the client lives as long as the surrounding scope.
 */
export const makeRpcClient = (options: ClientOptions) => {
  const protocol = RpcClient.layerProtocolHttp({ url: `${options.baseUrl.replace(/\/$/, "")}/rpc` }).pipe(
    Layer.provide([FetchHttpClient.layer, RpcSerialization.layerNdjson])
  )
  const withAuth = <R extends { readonly headers: Headers.Headers }>(request: R): R => {
    let headers = request.headers
    if (options.token) headers = Headers.set(headers, "authorization", `Bearer ${options.token}`)
    if (options.tenant) headers = Headers.set(headers, "x-signet-tenant", options.tenant)
    return { ...request, headers }
  }
  const auth = Layer.mergeAll(
    RpcMiddleware.layerClient(RpcOperatorAuth, ({ request }) => Effect.succeed(withAuth(request))),
    RpcMiddleware.layerClient(RpcTenantAuth, ({ request }) => Effect.succeed(withAuth(request)))
  )
  return RpcClient.make(SignetRpcs).pipe(Effect.provide(Layer.merge(protocol, auth)))
}

export { SignetApi, SignetRpcs }
export { type Credentials, createSignetClient, type SignetClient, type SignetClientOptions } from "./Client.js"
export { RequiredActionsPending } from "./Session.js"
