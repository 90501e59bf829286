/**
 * `@signet/server/testing` — a real Signet server on an ephemeral port over a
 * throwaway database (SQLite or Postgres), plus fetch helpers that assert the
 * RFC 9457 problem shape. Used by Signet's own suites and by integrators.
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Crypto } from "@signet/core"
import { makeTestDatabase, type TestDialect } from "@signet/core/testing"
import { ConfigProvider, Context, Effect, Layer, Option, Redacted } from "effect"
import { makeServerConfig, type ServerConfig } from "./Config.js"
import { baseUrl, coreLayer, serverLayer } from "./Server.js"
/** The running test server. */
export class TestServer extends Context.Tag("test/TestServer")<
  TestServer,
  { readonly url: string; readonly token: string; readonly databaseUrl: string }
>() {}

/** Operator token used by test servers. */
export const TOKEN = "test-operator-token-0123456789"

/** A server layer on a fresh database of the dialect. */
export const testServer = (
  dialect: TestDialect,
  overrides: Partial<ServerConfig> = {},
  /** Extra configuration (environment-variable names), e.g. `{ SIGNET_RATE_LOGIN_IP: "5/60" }`. */
  env: Record<string, string> = {}
) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => makeTestDatabase(dialect)),
        (d) => Effect.promise(() => d.dispose())
      )
      // Attachment files (issue 22) in a throwaway directory, whatever the dialect.
      const files = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-attachments-"))),
        (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
      )
      const config = makeServerConfig({
        databaseUrl: db.url,
        bootstrapToken: Option.some(Redacted.make(TOKEN)),
        maxBodyBytes: 64 * 1024,
        attachmentsDir: Option.some(files),
        ...overrides
      })
      const provider = ConfigProvider.fromMap(new Map(Object.entries(env))).pipe(
        ConfigProvider.orElse(() => ConfigProvider.fromEnv())
      )
      const server = serverLayer(config, coreLayer(config, undefined, Crypto.EnvelopeEphemeral)).pipe(
        Layer.provide(Layer.setConfigProvider(provider))
      )
      return Layer.effect(
        TestServer,
        Effect.map(baseUrl, (url) => ({ url, token: TOKEN, databaseUrl: db.url }))
      ).pipe(Layer.provideMerge(server))
    })
  )

/** A JSON response: status, headers and parsed body. */
export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: any
  readonly text: string
}

/** fetch + JSON parse; `auth: false` omits the operator token; `raw` is sent as is (text or bytes). */
export const call = (
  method: string,
  path: string,
  options: {
    readonly body?: unknown
    readonly raw?: string | Uint8Array
    readonly auth?: boolean | string
    readonly headers?: Record<string, string>
  } = {}
) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async (): Promise<JsonResponse> => {
      const headers: Record<string, string> = { ...options.headers }
      if (options.auth !== false)
        headers.authorization = `Bearer ${typeof options.auth === "string" ? options.auth : server.token}`
      if (options.body !== undefined || options.raw !== undefined) headers["content-type"] ??= "application/json"
      const res = await fetch(server.url + path, {
        method,
        headers,
        ...(options.raw !== undefined
          ? { body: options.raw }
          : options.body !== undefined
            ? { body: JSON.stringify(options.body) }
            : {})
      })
      const text = await res.text()
      let body: any
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        body = undefined
      }
      return { status: res.status, headers: res.headers, body, text }
    })
  )

/** The password the HTTP fixtures give the users they create (passes the default password policy). */
export const TEST_PASSWORD = "correct horse battery staple"

/**
 * Logs `email` in to tenant `slug` (`POST …/auth/login`, no MFA) and
 * answers the access token.
 */
export const loginToken = (slug: string, email: string, password: string = TEST_PASSWORD) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/auth/login`, { auth: false, body: { login: email, password } }),
    (r) => r.body.tokens.access_token as string
  )

/**
 * Onboards tenant `slug` through the operator API with its first admin
 * (`admin@<slug>.example.edu`, {@link TEST_PASSWORD}) and answers the
 * admin's access token.
 */
export const onboardTenant = (slug: string) =>
  Effect.gen(function* () {
    yield* call("POST", "/api/v1/tenants", {
      body: {
        slug,
        name: slug,
        admin: { email: `admin@${slug}.example.edu`, password: TEST_PASSWORD, given_name: "A", family_name: "D" }
      }
    })
    return yield* loginToken(slug, `admin@${slug}.example.edu`)
  })

/** Asserts the RFC 9457 shape and returns the body. */
export const expectProblem = (res: JsonResponse, status: number) => {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`)
  const ct = res.headers.get("content-type") ?? ""
  if (!ct.startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${ct}`)
  for (const k of ["type", "title", "status", "detail", "instance", "code", "request_id"]) {
    if (!(k in res.body)) throw new Error(`problem body lacks ${k}: ${res.text}`)
  }
  if (res.body.status !== status) throw new Error("status member differs from HTTP status")
  if (/at .*\.(ts|js):\d+|SELECT |INSERT /.test(res.text)) throw new Error(`problem leaks internals: ${res.text}`)
  return res.body
}
