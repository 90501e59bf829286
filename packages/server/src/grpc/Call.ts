/**
 * One call of a seed method (`Services.ts`), whatever the protocol that
 * carried it (issue 21 §3: gRPC on `SIGNET_GRPC_PORT`, the Connect protocol on
 * the main port). The transports only read their headers and messages; the
 * caller resolution, the deadline and the request id are applied here, once.
 *
 * @module
 */
import { Authenticated } from "@signet/core"
import { Duration, Effect } from "effect"
import { resolveLimitedCaller } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import { CurrentRequestId } from "../Middleware.js"
import { DeadlineExceeded } from "./Codec.js"
import type { Method } from "./Services.js"

/** A well-formed request id (else a new one is made). */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** What a transport read from one call. */
export interface CallInput {
  /** The decoded request message (proto-loader's shape: `Protos.LOADER_OPTIONS`). */
  readonly request: unknown
  /** `authorization` as sent (`Bearer <API key | access token | operator token>`), if any. */
  readonly authorization: string | undefined
  /** `x-signet-tenant`: the tenant's slug, if sent. */
  readonly tenant: string | undefined
  /** The client's address, for the address-bound limits and the audit. */
  readonly ip: string | undefined
  readonly userAgent: string | undefined
  /** The call's request id (already resolved by the transport). */
  readonly requestId: string
  /** Milliseconds left before the client's deadline; undefined when it set none. */
  readonly timeoutMs: number | undefined
}

/**
 * Runs `method` for one call: resolves the caller when the method is
 * authenticated (`resolveLimitedCaller`: the same resolution and API rate
 * limits as REST and `/rpc`), bounds the work by the deadline (past it:
 * {@link DeadlineExceeded}, the work interrupted; a deadline already passed
 * fails before anything runs), and runs it under the request id (logs and
 * `CurrentRequestId`). Fails with the method's errors, the caller
 * resolution's (Unauthorized, Forbidden, TenantNotFound, RateLimited, …) or
 * `DeadlineExceeded`; map them with `Codec.failureOf`.
 */
export const runCall = (config: ServerConfig, method: Method, input: CallInput) => {
  const header = input.authorization ?? ""
  const withCaller = method.authenticated
    ? Effect.flatMap(
        resolveLimitedCaller(config, {
          token: header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "",
          slug: input.tenant,
          client: { ip: input.ip, userAgent: input.userAgent },
          requestId: input.requestId,
          enrolmentStep: false
        }),
        (principal) => Effect.provideService(method.handle(input.request), Authenticated, principal)
      )
    : method.handle(input.request)
  const late = () => new DeadlineExceeded({ message: "the call's deadline passed" })
  const bounded =
    input.timeoutMs === undefined
      ? withCaller
      : input.timeoutMs <= 0
        ? Effect.fail(late())
        : withCaller.pipe(Effect.timeoutFail({ duration: Duration.millis(input.timeoutMs), onTimeout: late }))
  return Effect.locally(bounded, CurrentRequestId, input.requestId).pipe(
    Effect.annotateLogs("request_id", input.requestId)
  )
}
