/**
 * The agent's side of the beacon protocol (docs/beacons.md): enrolment, authentication by
 * signed timestamp + TOTP, presence proofs and telemetry over HTTP(S) with the platform
 * `fetch`, and a {@link Session} that keeps the beacon token, renews it before it expires and
 * measures the clock drift.
 *
 * Clock drift is `local time − server time`, measured at every authentication from the
 * server's `server_time_ms` and the midpoint of the request. The agent then signs with the
 * server's time as best it knows it (`Date.now() − drift`): timestamps, TOTP codes and proof
 * times stay inside the server's ±30 s window even on a board whose clock is off (a Raspberry
 * Pi has no battery-backed clock). Before the first success, a `STALE_TIMESTAMP` refusal is
 * retried once with a drift estimated from the answer's HTTP `Date` header.
 *
 * @module
 */
// The protocol module alone (pure functions, `canonicalize`): the `@signet/contracts` index would also
// load every HTTP contract and msgpackr's optional native addon (~200 ms more per start).
import type { BeaconToken, Enrolled } from "@signet/contracts"
import * as BeaconProtocol from "@signet/contracts/beacon/Protocol"
import { Data, Effect } from "effect"
import { generate } from "otplib"
import * as Keys from "./Keys.js"

/** The server could not be reached, or did not answer in time. Worth retrying. */
export class NetworkError extends Data.TaggedError("NetworkError")<{ readonly message: string }> {}

/**
 * The server answered with an error status (RFC 9457 problem details): `code` is the problem's
 * `code` (error tag), `reason_code` the beacon-specific reason (`BAD_TOTP`, `STALE_PROOF`, …).
 */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly message: string
  readonly status: number
  readonly code: string | null
  readonly reason_code: string | null
  /** The answer's `Date` header (ms), for a first clock estimate. */
  readonly date_ms: number | null
}> {}

/** A decoded HTTP answer. */
export interface Answer {
  readonly status: number
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly body: any
  /** The `Date` header in ms, when present. */
  readonly date_ms: number | null
}

/** Time limit of one HTTP request. */
export const REQUEST_TIMEOUT_MS = 15_000

const describeFetchError = (baseUrl: string, e: unknown): string => {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === "TimeoutError") return `no answer from ${baseUrl} within ${REQUEST_TIMEOUT_MS / 1000} s`
  const cause = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e)
  return `cannot reach ${baseUrl} (${cause})`
}

/**
 * `POST <baseUrl><path>` with a JSON body (and a bearer token), answering whatever status
 * came back. Fails only when there is no answer ({@link NetworkError}). Interruptible.
 */
export const postJson = (
  baseUrl: string,
  path: string,
  body: unknown,
  token?: string
): Effect.Effect<Answer, NetworkError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" }
      if (token !== undefined) headers.authorization = `Bearer ${token}`
      const res = await fetch(baseUrl + path, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
      })
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text === "" ? undefined : JSON.parse(text)
      } catch {
        parsed = undefined
      }
      const date = Date.parse(res.headers.get("date") ?? "")
      return { status: res.status, body: parsed, date_ms: Number.isFinite(date) ? date : null }
    },
    catch: (e) => new NetworkError({ message: describeFetchError(baseUrl, e) })
  })

/** Turns a non-2xx answer into a {@link ServerError}. */
export const toServerError = (baseUrl: string, path: string, answer: Answer): ServerError => {
  const b = answer.body
  const problem = typeof b === "object" && b !== null
  const detail = problem && typeof b.detail === "string" ? b.detail : problem && b.message
  return new ServerError({
    message:
      typeof detail === "string" && detail.length > 0
        ? detail
        : `HTTP ${answer.status} from ${baseUrl}${path}${answer.status === 404 ? " (is this a Signet server?)" : ""}`,
    status: answer.status,
    code: problem && typeof b.code === "string" ? b.code : null,
    reason_code: problem && typeof b.reason_code === "string" ? b.reason_code : null,
    date_ms: answer.date_ms
  })
}

/** The fields of `Enrolled` (`@signet/core`) the agent reads. */
export type EnrolledBody = Pick<Enrolled, "beacon_id" | "tenant" | "classroom_id" | "totp_secret" | "server_time_ms">
/** The fields of `BeaconToken` (`@signet/core`) the agent reads. */
export type BeaconTokenBody = Pick<BeaconToken, "token" | "expires_in" | "server_time_ms">

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null
const isEnrolled = (b: unknown): b is EnrolledBody =>
  isObject(b) &&
  typeof b.beacon_id === "string" &&
  typeof b.tenant === "string" &&
  (b.classroom_id === null || typeof b.classroom_id === "string") &&
  typeof b.totp_secret === "string" &&
  typeof b.server_time_ms === "number"
const isBeaconToken = (b: unknown): b is BeaconTokenBody =>
  isObject(b) &&
  typeof b.token === "string" &&
  typeof b.expires_in === "number" &&
  b.expires_in > 0 &&
  typeof b.server_time_ms === "number"

/** A 2xx answer whose body passes `check`, else a {@link ServerError}. */
const decodeBody =
  <A>(check: (body: unknown) => body is A, baseUrl: string, path: string) =>
  (answer: Answer): Effect.Effect<A, ServerError> =>
    answer.status < 200 || answer.status >= 300
      ? Effect.fail(toServerError(baseUrl, path, answer))
      : check(answer.body)
        ? Effect.succeed(answer.body)
        : Effect.fail(
            new ServerError({
              message: `unexpected answer from ${baseUrl}${path} (is this a Signet server?)`,
              status: answer.status,
              code: null,
              reason_code: null,
              date_ms: answer.date_ms
            })
          )

const HINTS: Record<string, string> = {
  INVALID_CODE: "check the code, or ask an admin for a new one",
  USED_CODE: "a code works once; ask an admin for a new one",
  EXPIRED_CODE: "ask an admin for a new one",
  UNKNOWN_BEACON: "the server does not know this beacon; enrol it again",
  BEACON_REVOKED: "an admin revoked this beacon; enrol it again with a new code",
  BAD_SIGNATURE: "the key file is not the key this beacon was enrolled with",
  STALE_TIMESTAMP: "the clock is more than 30 s off the server's; fix the time (NTP)",
  BAD_TOTP: "check the clock and that the state file belongs to this beacon",
  REUSED_NONCE: "retry"
}

/** One line for a human: the server's detail, its reason code and what to do. */
export const explain = (e: NetworkError | ServerError): string => {
  if (e._tag === "NetworkError") return e.message
  const code = e.reason_code ?? e.code
  const hint = e.reason_code !== null ? HINTS[e.reason_code] : undefined
  return `${e.message} (${code !== null ? `${code}, ` : ""}HTTP ${e.status})${hint ? `: ${hint}` : ""}`
}

/** Beacon authentication failures that retrying cannot fix. */
export const FATAL_AUTH_REASONS: ReadonlySet<string> = new Set(["UNKNOWN_BEACON", "BEACON_REVOKED", "BAD_SIGNATURE"])

/** Whether an error is worth retrying later (no answer, overload, server error, rate limit). */
export const isTransient = (e: NetworkError | ServerError): boolean =>
  e._tag === "NetworkError" || e.status >= 500 || e.status === 429 || e.status === 408

/** A fresh single-use nonce: 16 random bytes, base64url. */
export const newNonce = (): string => BeaconProtocol.b64url(crypto.getRandomValues(new Uint8Array(16)))

/** Body of `POST /api/v1/beacon/enroll`. */
export interface EnrolRequest {
  readonly code: string
  readonly alg: Keys.BeaconAlg
  readonly public_jwk: Keys.BeaconPublicJwk
  readonly firmware_version?: string
}

/**
 * `POST /api/v1/beacon/enroll`: registers the public key with a one-time code.
 *
 * @returns the enrolment (`beacon_id`, `tenant`, `classroom_id`, `totp_secret` — shown once).
 */
export const enroll = (
  baseUrl: string,
  request: EnrolRequest
): Effect.Effect<EnrolledBody, NetworkError | ServerError> =>
  Effect.flatMap(
    postJson(baseUrl, "/api/v1/beacon/enroll", request),
    decodeBody(isEnrolled, baseUrl, "/api/v1/beacon/enroll")
  )

/** What a beacon needs to authenticate. */
export interface Credentials {
  readonly url: string
  readonly tenant: string
  readonly beacon_id: string
  readonly totp_secret: string
  readonly key: Keys.BeaconKeyPair
}

/** A beacon token and what was learnt while getting it. */
export interface Authenticated {
  readonly token: string
  /** Token lifetime in seconds, as the server said. */
  readonly expires_in: number
  /** Local time (ms) at which to stop using the token (renewal margin included). */
  readonly renew_at_ms: number
  /** `local time − server time` in ms, from `server_time_ms` and the request's midpoint. */
  readonly clock_drift_ms: number
}

/**
 * `POST /api/v1/beacon/auth/token`: signs `{tenant, beacon_id, timestamp_ms, nonce}`
 * (`BeaconProtocol.authMessage`) with a TOTP code, both computed on the estimated server
 * time (`Date.now() − driftMs`). A first `STALE_TIMESTAMP` is retried once with the drift
 * estimated from the answer's `Date` header.
 */
export const authenticate = (
  c: Credentials,
  driftMs = 0,
  retryStale = true
): Effect.Effect<Authenticated, NetworkError | ServerError> =>
  Effect.gen(function* () {
    const path = "/api/v1/beacon/auth/token"
    const t0 = Date.now()
    const fields: BeaconProtocol.AuthFields = {
      tenant: c.tenant,
      beacon_id: c.beacon_id,
      timestamp_ms: Math.round(t0 - driftMs),
      nonce: newNonce()
    }
    const totp = yield* Effect.promise(() =>
      generate({ secret: c.totp_secret, epoch: Math.floor(fields.timestamp_ms / 1000) })
    )
    const signature = BeaconProtocol.b64url(Keys.sign(c.key.alg, c.key.privateKey, BeaconProtocol.authMessage(fields)))
    const answer = yield* postJson(c.url, path, { ...fields, totp, signature })
    const t1 = Date.now()
    const midpoint = (t0 + t1) / 2
    if (answer.status === 401 && retryStale && answer.body?.reason_code === "STALE_TIMESTAMP" && answer.date_ms) {
      // HTTP dates have a 1 s resolution: the server's clock was within [date, date + 1 s).
      return yield* authenticate(c, Math.round(midpoint - (answer.date_ms + 500)), false)
    }
    const token = yield* decodeBody(isBeaconToken, c.url, path)(answer)
    const lifetimeMs = token.expires_in * 1000
    return {
      token: token.token,
      expires_in: token.expires_in,
      renew_at_ms: t0 + lifetimeMs - Math.min(60_000, lifetimeMs / 2),
      clock_drift_ms: Math.round(midpoint - token.server_time_ms)
    }
  })

/**
 * A beacon's session: the current beacon token, renewed when it nears expiry (or after
 * {@link Session.invalidate}), and the last measured clock drift. Authentications are
 * serialised, so concurrent callers share one.
 */
export interface Session {
  /** A valid beacon token, authenticating first when needed. */
  readonly token: Effect.Effect<string, NetworkError | ServerError>
  /** Forgets the token (after a 401), so the next {@link Session.token} authenticates. */
  readonly invalidate: Effect.Effect<void>
  /** The last measured clock drift (`local − server`, ms), if any authentication succeeded. */
  readonly clockDriftMs: Effect.Effect<number | undefined>
  /** The server's time as best known: `Date.now() − drift`. */
  readonly serverNow: Effect.Effect<number>
}

/**
 * Makes a {@link Session}.
 *
 * @param onAuthenticated - called after every successful authentication (e.g. to log it).
 */
export const makeSession = (
  c: Credentials,
  onAuthenticated: (a: Authenticated) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<Session> =>
  Effect.gen(function* () {
    const mutex = yield* Effect.makeSemaphore(1)
    let current: Authenticated | undefined
    let drift: number | undefined
    const token = mutex.withPermits(1)(
      Effect.suspend(() => {
        if (current !== undefined && Date.now() < current.renew_at_ms) return Effect.succeed(current.token)
        return authenticate(c, drift ?? 0).pipe(
          Effect.tap((a) =>
            Effect.zipRight(
              Effect.sync(() => {
                current = a
                drift = a.clock_drift_ms
              }),
              onAuthenticated(a)
            )
          ),
          Effect.map((a) => a.token)
        )
      })
    )
    return {
      token,
      invalidate: Effect.sync(() => {
        current = undefined
      }),
      clockDriftMs: Effect.sync(() => drift),
      serverNow: Effect.sync(() => Date.now() - (drift ?? 0))
    } satisfies Session
  })

/** `POST /api/v1/beacon/proofs` with the beacon token: the raw answer (the agent interprets it). */
export const submitProof = (baseUrl: string, token: string, proof: unknown): Effect.Effect<Answer, NetworkError> =>
  postJson(baseUrl, "/api/v1/beacon/proofs", proof, token)

/** Body of `POST /api/v1/beacon/telemetry` (all optional). */
export interface Telemetry {
  readonly clock_drift_ms?: number
  readonly queue_depth?: number
  readonly uptime_s?: number
  readonly firmware_version?: string
  readonly battery_pct?: number
  readonly temperature_c?: number
}

/** `POST /api/v1/beacon/telemetry` with the beacon token. */
export const sendTelemetry = (
  baseUrl: string,
  token: string,
  report: Telemetry
): Effect.Effect<void, NetworkError | ServerError> =>
  Effect.flatMap(postJson(baseUrl, "/api/v1/beacon/telemetry", report, token), (answer) =>
    answer.status >= 200 && answer.status < 300
      ? Effect.void
      : Effect.fail(toServerError(baseUrl, "/api/v1/beacon/telemetry", answer))
  )
