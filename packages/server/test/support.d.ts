/**
 * Test support: a real Signet server on an ephemeral port over a throwaway
 * database, plus a small fetch helper.
 */
import { type TestDialect } from "@signet/core/testing"
import { Context, Effect, Layer } from "effect"
declare const TestServer_base: Context.TagClass<
  TestServer,
  "test/TestServer",
  {
    readonly url: string
    readonly token: string
    readonly databaseUrl: string
  }
>
/** The running test server. */
export declare class TestServer extends TestServer_base {}
/** Operator token used by test servers. */
export declare const TOKEN = "test-operator-token-0123456789"
/** A server layer on a fresh database of the dialect. */
export declare const testServer: (
  dialect: TestDialect,
  overrides?: Record<string, unknown>
) => Layer.Layer<
  TestServer,
  import("@signet/core/kernel/Database").DatabaseStartupError | import("@effect/platform/HttpServerError").ServeError,
  never
>
/** A JSON response: status, headers and parsed body. */
export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: any
  readonly text: string
}
/** fetch + JSON parse; `auth: false` omits the operator token. */
export declare const call: (
  method: string,
  path: string,
  options?: {
    readonly body?: unknown
    readonly raw?: string
    readonly auth?: boolean | string
    readonly headers?: Record<string, string>
  }
) => Effect.Effect<JsonResponse, never, TestServer>
/** Asserts the RFC 9457 shape and returns the body. */
export declare const expectProblem: (res: JsonResponse, status: number) => any
//# sourceMappingURL=support.d.ts.map
