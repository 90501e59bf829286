/**
 * The platform operator's session in the web app (issue 20 "web app pages
 * (… platform plans)"): `POST /api/v1/platform/auth/login` answers a
 * 15-minute operator token (`typ: signet-operator+jwt`) and no refresh
 * token. Like the tenant pages' access token (`app/api.ts`), it lives in
 * memory only — never in localStorage or sessionStorage, where any script
 * of the origin could read it — so a reload asks the operator to sign in
 * again.
 *
 * When the token's 15 minutes are over (a timer at its expiry, or a 401
 * from the API) the session ends as `expired`, and the sign-in page says
 * so. Signing out forgets the token here; there is no operator logout
 * endpoint, so the server keeps accepting the token until it expires.
 *
 * @module
 */
import type { HttpApiClient, HttpApiGroup, HttpClient } from "@effect/platform"
import { HttpClient as Client, HttpClientRequest } from "@effect/platform"
import { PlatformApi } from "@signet/contracts/identity/Api"
import { type Effect, Redacted } from "effect"
import { ApiError, makeClient, runClient } from "../../app/api.js"

interface OperatorSession {
  readonly token: string
  readonly email: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
}

let session: OperatorSession | undefined
let ended: "signedOut" | "expired" | undefined
let timer: ReturnType<typeof setTimeout> | undefined
const listeners = new Set<() => void>()

const end = (why: "signedOut" | "expired") => {
  session = undefined
  ended = why
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  for (const l of listeners) l()
}

/** The signed-in operator's e-mail, if a session is live. */
export const operatorEmail = (): string | undefined => session?.email

/** Why the last session ended (`expired`: its 15 minutes are over), if one did. */
export const endedBecause = () => ended

/** Subscribes to sign-in, sign-out and expiry; answers the unsubscribe. */
export const onOperatorChange = (l: () => void) => {
  listeners.add(l)
  return () => {
    listeners.delete(l)
  }
}

const bearer = (client: HttpClient.HttpClient) =>
  Client.mapRequest(client, (req) => (session ? HttpClientRequest.bearerToken(req, session.token) : req))

const clients = new WeakMap<object, Promise<unknown>>()
const clientOf = <G extends HttpApiGroup.HttpApiGroup.Any>(
  group: G
): Promise<HttpApiClient.Client<G, never, never>> => {
  let made = clients.get(group) as Promise<HttpApiClient.Client<G, never, never>> | undefined
  if (!made) {
    made = makeClient(group, bearer)
    clients.set(group, made)
  }
  return made
}

/**
 * Signs an operator in (`POST /api/v1/platform/auth/login`) and keeps the
 * token in memory until it expires. Rejects with {@link ApiError}
 * (`InvalidCredentials`, `RateLimited`, `NetworkError`).
 */
export const operatorSignIn = async (email: string, password: string): Promise<void> => {
  const client = await clientOf(PlatformApi)
  const token = await runClient(client.platform.login({ payload: { email, password: Redacted.make(password) } }))
  if (timer !== undefined) clearTimeout(timer)
  session = { token: token.access_token, email, expiresAt: Date.now() + token.expires_in * 1000 }
  ended = undefined
  timer = setTimeout(() => end("expired"), token.expires_in * 1000)
  for (const l of listeners) l()
}

/** Signs out: forgets the token (it stays valid on the server until its expiry). */
export const operatorSignOut = () => end("signedOut")

/**
 * Runs `f` with the typed client of `group`, authenticated as the operator.
 * Without a live session, or on a 401, the session ends as `expired` and
 * the call rejects with `Unauthorized`; other failures reject with their
 * {@link ApiError}.
 */
export const platformCall = async <G extends HttpApiGroup.HttpApiGroup.Any, A, E>(
  group: G,
  f: (client: HttpApiClient.Client<G, never, never>) => Effect.Effect<A, E>
): Promise<A> => {
  if (!session || Date.now() >= session.expiresAt) {
    if (session) end("expired")
    throw new ApiError("Unauthorized", "The operator session has ended.", undefined, 401)
  }
  const client = await clientOf(group)
  try {
    return await runClient(f(client))
  } catch (e) {
    if (e instanceof ApiError && e.tag === "Unauthorized") end("expired")
    throw e
  }
}
