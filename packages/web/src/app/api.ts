/**
 * The web app's access to the Signet API: typed clients derived from the
 * contracts' `HttpApi` groups (`HttpApiClient`, no hand-written fetch
 * wrappers), a browser session whose access token lives in memory only and
 * whose refresh token is an HttpOnly cookie (`…/web/refresh`, CSRF
 * double-submit), and one error shape for the pages.
 *
 * @module
 */
import {
  FetchHttpClient,
  HttpApi,
  HttpApiClient,
  type HttpApiGroup,
  HttpClient,
  HttpClientRequest
} from "@effect/platform"
import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { CSRF_HEADER, WebSessionApi, type WebTokens } from "@signet/contracts/identity/WebApi"
import { Effect, ManagedRuntime } from "effect"

const runtime = ManagedRuntime.make(FetchHttpClient.layer)

/** A failed call, as pages show it. */
export class ApiError extends Error {
  constructor(
    /** The server's error tag or problem `code` (`InvalidCredentials`, `RateLimited`, …), or `NetworkError`. */
    readonly tag: string,
    message: string,
    /** Seconds to wait, for `RateLimited`. */
    readonly retryAfter?: number,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
    /** The decoded error itself, for errors that carry data (`SignInActionsRequired`'s action token). */
    readonly data?: unknown
  ) {
    super(message)
  }
}

const BY_STATUS: Record<number, string> = {
  400: "ValidationError",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
  429: "RateLimited"
}

/**
 * The {@link ApiError} of a failure. An error the endpoint's contract does
 * not list (a 413 from the body limit, say) arrives as a `ResponseError`: its
 * RFC 9457 body is read for the problem's `code` and `detail`.
 */
const toApiError = async (e: unknown): Promise<ApiError> => {
  if (e instanceof ApiError) return e
  const o = e as { _tag?: string; message?: string; retry_after_seconds?: number }
  if (o?._tag === "RequestError") return new ApiError("NetworkError", "The server cannot be reached.")
  if (o?._tag === "ResponseError") {
    const response = (e as { response?: { status?: number; json?: Effect.Effect<unknown, unknown> } }).response
    const status = response?.status ?? 0
    const problem = response?.json
      ? ((await Effect.runPromise(Effect.orElseSucceed(response.json, () => undefined))) as
          | { code?: string; detail?: string }
          | undefined)
      : undefined
    return new ApiError(
      problem?.code ?? BY_STATUS[status] ?? "ResponseError",
      problem?.detail ?? o.message ?? "Unexpected answer.",
      undefined,
      status
    )
  }
  if (o?._tag === "ParseError") return new ApiError("ParseError", "Unexpected answer from the server.")
  return new ApiError(o?._tag ?? "Error", o?.message ?? String(e), o?.retry_after_seconds, undefined, e)
}

/** Runs an effect; a failure rejects with the failure itself as an {@link ApiError} (not a FiberFailure). */
const exec = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>): Promise<A> =>
  runtime.runPromise(Effect.either(effect)).then(
    async (r) => {
      if (r._tag === "Right") return r.right
      throw await toApiError(r.left)
    },
    (defect) => Promise.reject(new ApiError("Error", String(defect)))
  )

// ---------------------------------------------------------------- session

interface SessionState {
  readonly slug: string
  readonly token: string
  readonly expiresAt: number
  readonly user: User
}

let state: SessionState | undefined
const listeners = new Set<() => void>()
const emit = () => {
  for (const l of listeners) l()
}

/** Subscribes to sign-in / sign-out; returns the unsubscribe. */
export const onSessionChange = (l: () => void) => {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** The signed-in user of `slug`, if any. */
export const currentUser = (slug: string): User | undefined => (state?.slug === slug ? state.user : undefined)

const csrfToken = () =>
  document.cookie
    .split("; ")
    .find((c) => c.startsWith("signet_csrf="))
    ?.slice("signet_csrf=".length) ?? ""

/** Keeps a browser session's access token (memory only). */
export const adopt = (slug: string, tokens: WebTokens) => {
  state = { slug, token: tokens.access_token, expiresAt: Date.now() + tokens.expires_in * 1000, user: tokens.user }
  try {
    localStorage.setItem("signet.tenant", slug)
  } catch {}
  emit()
}

/** The `web` group's client (no bearer token), made once and kept. */
const bare = Effect.cached(
  HttpApiClient.make(HttpApi.make("web").add(WebSessionApi), { baseUrl: location.origin })
).pipe(Effect.runSync)

let refreshing: Promise<boolean> | undefined
/**
 * Exchanges the refresh cookie for a new access token (`…/web/refresh`);
 * answers false when there is no live browser session. Concurrent callers
 * share one request (the cookie rotates on use).
 */
export const resume = (slug: string): Promise<boolean> => {
  if (refreshing) return refreshing
  refreshing = runtime
    .runPromise(
      Effect.flatMap(bare, (c) => c.web.refresh({ path: { slug }, headers: { [CSRF_HEADER]: csrfToken() } })).pipe(
        Effect.map((tokens) => {
          adopt(slug, tokens)
          return true
        }),
        Effect.catchAll(() => Effect.succeed(false))
      )
    )
    .finally(() => {
      refreshing = undefined
    })
  return refreshing
}

/** Signs out: revokes the session, clears the cookies, forgets the token. */
export const signOut = async (slug: string) => {
  await call(SessionApi, (c) => c.session.logout({ path: { slug } })).catch(() => undefined)
  await runtime
    .runPromise(Effect.flatMap(bare, (c) => c.web.logout({ path: { slug }, headers: { [CSRF_HEADER]: csrfToken() } })))
    .catch(() => undefined)
  state = undefined
  emit()
}

/** Runs an effect of the web session client; rejects with {@link ApiError}. */
export const runWeb = <A, E>(f: (c: Effect.Effect.Success<typeof bare>) => Effect.Effect<A, E>): Promise<A> =>
  exec(Effect.flatMap(bare, f))

const withAuth = (client: HttpClient.HttpClient) =>
  HttpClient.mapRequest(client, (req) => (state ? HttpClientRequest.bearerToken(req, state.token) : req))

const clients = new WeakMap<object, Promise<unknown>>()

/**
 * Makes the typed client of one group on this origin, each request passed
 * through `transformClient` (which adds the bearer token). The tenant
 * pages' clients add the user's token; the platform pages
 * (`app/platform.ts`) make their own with the operator's.
 */
export const makeClient = <Groups extends HttpApiGroup.HttpApiGroup.Any>(
  group: Groups,
  transformClient: (client: HttpClient.HttpClient) => HttpClient.HttpClient
): Promise<HttpApiClient.Client<Groups, never, never>> =>
  runtime.runPromise(
    HttpApiClient.make(HttpApi.make("signet").add(group as never), {
      baseUrl: location.origin,
      transformClient
    }) as never
  ) as Promise<HttpApiClient.Client<Groups, never, never>>

/** The typed client of one group, made once per page. */
const clientOf = <Groups extends HttpApiGroup.HttpApiGroup.Any>(
  group: Groups
): Promise<HttpApiClient.Client<Groups, never, never>> => {
  let made = clients.get(group) as Promise<HttpApiClient.Client<Groups, never, never>> | undefined
  if (!made) {
    made = makeClient(group, withAuth)
    clients.set(group, made)
  }
  return made
}

/** Runs an effect of a client made by {@link makeClient}; rejects with {@link ApiError}. */
export const runClient = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => exec(effect)

/**
 * Runs `f` with the typed client of `api` (an `HttpApi`, or one
 * `HttpApiGroup` wrapped into one), authenticated as the signed-in user;
 * refreshes the access token shortly before it expires and once on a 401.
 * Rejects with {@link ApiError}.
 */
export const call = async <Groups extends HttpApiGroup.HttpApiGroup.Any, A, E>(
  group: Groups,
  f: (client: HttpApiClient.Client<Groups, never, never>) => Effect.Effect<A, E>
): Promise<A> => {
  const client = await clientOf(group)
  if (state && state.expiresAt - Date.now() < 30_000) await resume(state.slug)
  const attempt = () => exec(f(client) as Effect.Effect<A, unknown>)
  try {
    return await attempt()
  } catch (e) {
    const err = e as ApiError
    if (err.tag === "Unauthorized" && state) {
      if (await resume(state.slug)) return attempt()
      // The session is over (revoked, expired): forget it, so pages send the user to sign in again.
      state = undefined
      emit()
    }
    throw err
  }
}

/**
 * Makes the typed client of `group` now (building its encoders and decoders
 * takes a while on a slow phone), so the first {@link call} does not wait
 * for it: the sign page warms the attendance client while the session resumes.
 */
export const warm = (group: HttpApiGroup.HttpApiGroup.Any): void => {
  void clientOf(group)
}

/** The current access token, for the live roll's event stream. */
export const accessToken = () => state?.token

/** The session's CSRF header value (for cookie-authenticated requests). */
export { csrfToken }
