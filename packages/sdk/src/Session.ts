/**
 * The session under the Promise facade (`Client.ts`): the credentials, the
 * token state (login with the TOTP step, refresh shortly before expiry and
 * once more on a 401, single flight), and `call`/`callWith`, through which
 * every facade method reaches the REST API.
 *
 * @module
 */
import { type Effect, Redacted } from "effect"
import { decodePayload, type Group, type PayloadOf, type Raw, rawClient, toPromise } from "./Transport.js"

/** How the client authenticates. */
export type Credentials =
  | {
      /** E-mail or username, and password (`POST …/auth/login`). */
      readonly login: string
      readonly password: string
      /** Asked for the TOTP code when the account has MFA. */
      readonly totp?: (() => Promise<string>) | undefined
      /**
       * Without `totp`: answers the MFA challenge with an e-mail code instead
       * (issue 18; the tenant setting `auth.mfa_email_codes` must be on and the
       * address verified). The client asks the server to mail a 6-digit code
       * (`POST …/auth/mfa/email-code`), then calls this for it and sends it
       * (`…/email-code/verify`). Rejects with `MfaEmailCodesDisabled` (403),
       * `Unauthorized` (wrong, expired, used or burned code), `RateLimited`.
       */
      readonly emailCode?: (() => Promise<string>) | undefined
      /**
       * Without `totp` and `emailCode`: answers the MFA challenge with an SMS
       * code (issue 18 SMS; `auth.mfa_sms_codes` on, the user's phone number
       * verified): `POST …/auth/mfa/sms-code`, then this for the texted code,
       * then `…/sms-code/verify`. Rejects with `MfaSmsCodesDisabled` (403),
       * `Unauthorized`, `RateLimited`.
       */
      readonly smsCode?: (() => Promise<string>) | undefined
    }
  | {
      /**
       * Passwordless sign-in by e-mail code (issue 18; the tenant setting
       * `auth.email_code_sign_in` must be on and the address verified): the
       * client asks the server to mail a 6-digit code to `login`'s account
       * (`POST …/auth/email-code`), then calls `signInCode` for it and sends
       * it (`…/email-code/verify`). Rejects with `EmailCodeSignInDisabled`
       * (403), `Unauthorized` (unknown login; wrong, expired, used or burned
       * code), `SsoRequired`, `RateLimited`.
       */
      readonly login: string
      readonly signInCode: () => Promise<string>
      /** Asked for the TOTP code when the account has MFA (an e-mail code is no second factor here). */
      readonly totp?: (() => Promise<string>) | undefined
    }
  | {
      /**
       * Passwordless sign-in by SMS code (issue 18 SMS; the tenant setting
       * `auth.sms_code_sign_in` must be on and the number verified by exactly
       * one active user of the tenant): the client asks the server to text a
       * 6-digit code to `phoneNumber` (`POST …/auth/sms-code`; E.164, or
       * national with `region`, an ISO 3166 alpha-2 code), then calls
       * `smsSignInCode` for it and sends it (`…/sms-code/verify`). Rejects
       * with `SmsCodeSignInDisabled` (403), `ValidationError` (not a phone
       * number), `Unauthorized` (unknown number; wrong, expired, used or
       * burned code), `SsoRequired`, `RateLimited`.
       */
      readonly phoneNumber: string
      readonly region?: string | undefined
      readonly smsSignInCode: () => Promise<string>
      /** Asked for the TOTP code when the account has MFA (a texted code is no second factor here). */
      readonly totp?: (() => Promise<string>) | undefined
    }
  | { /** An API key (`sg_…`), scoped to permissions. */ readonly apiKey: string }
  | {
      /** Tokens you already hold (e.g. from your own login flow). */ readonly accessToken: string
      readonly refreshToken?: string | undefined
    }
  | { /** The operator token (platform endpoints: tenants). */ readonly operatorToken: string }

/** Options of {@link createSignetClient}. */
export interface SignetClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string
  /** The tenant (slug) the tenant-scoped methods act on. */
  readonly tenant: string
  readonly credentials?: Credentials | undefined
  /** Refresh the access token when it expires within this many seconds (default 30). */
  readonly refreshLeewaySeconds?: number | undefined
  /**
   * Called with every token pair the client receives (login, MFA step,
   * refresh). Refresh tokens rotate on every use and the previous one is then
   * dead, so an application that keeps sessions across restarts persists the
   * pair here and passes it back as `credentials: { accessToken, refreshToken }`.
   * The client waits for the returned promise before going on.
   */
  readonly onTokens?:
    | ((tokens: {
        readonly access_token: string
        readonly refresh_token: string
        readonly expires_in: number
      }) => void | Promise<void>)
    | undefined
}

/**
 * Answers a login's MFA challenge `mfa_token` with a mailed (`emailCode`) or
 * texted (`smsCode`) code: asks the server to send one, asks the caller for
 * it, exchanges it for tokens. Rejects with the server's tagged error.
 */
const answerWithCode = async (
  r: Raw,
  slug: string,
  mfa_token: string,
  ask: { readonly emailCode: () => Promise<string> } | { readonly smsCode: () => Promise<string> }
) => {
  if ("emailCode" in ask) {
    await toPromise(r.accounts.sendMfaEmailCode({ path: { slug }, payload: { mfa_token } }))
    const code = await ask.emailCode()
    return toPromise(r.accounts.verifyMfaEmailCode({ path: { slug }, payload: { mfa_token, code } }))
  }
  await toPromise(r.smsAuth.sendMfaSmsCode({ path: { slug }, payload: { mfa_token } }))
  const code = await ask.smsCode()
  return toPromise(r.smsAuth.verifyMfaSmsCode({ path: { slug }, payload: { mfa_token, code } }))
}

/**
 * The authenticated session of one client: `call(f)` runs a REST call `f`
 * with authentication (first login, refresh before expiry, one refresh and
 * retry on 401) and rejects with the server's tagged error; `callWith` first
 * decodes a plain payload with the endpoint's schema (a `ValidationError`,
 * nothing sent, when invalid). `path`/`withId(id)` are the tenant's path
 * parameters.
 */
export const makeSession = (options: SignetClientOptions) => {
  const slug = options.tenant
  const leewayMs = (options.refreshLeewaySeconds ?? 30) * 1000
  const creds = options.credentials
  const state: { access?: string | undefined; refresh?: string | undefined; expiresAt: number } = {
    access:
      creds && "apiKey" in creds
        ? creds.apiKey
        : creds && "accessToken" in creds
          ? creds.accessToken
          : creds && "operatorToken" in creds
            ? creds.operatorToken
            : undefined,
    refresh: creds && "accessToken" in creds ? creds.refreshToken : undefined,
    expiresAt: Number.POSITIVE_INFINITY
  }
  let rawPromise: Promise<Raw> | undefined
  const raw = () => (rawPromise ??= toPromise(rawClient(options.baseUrl.replace(/\/$/, ""), () => state.access)))

  const store = async (tokens: { access_token: string; refresh_token: string; expires_in: number }) => {
    state.access = tokens.access_token
    state.refresh = tokens.refresh_token
    state.expiresAt = Date.now() + tokens.expires_in * 1000
    await options.onTokens?.(tokens)
  }

  /**
   * Single flight: one login or refresh at a time for all concurrent calls.
   * Two refreshes with the same refresh token would look like a replay to the
   * server, which then revokes the session; four first calls would log in
   * four times.
   */
  let inFlight: Promise<unknown> | undefined
  const once = <A>(f: () => Promise<A>): Promise<A> => {
    if (!inFlight) inFlight = f().finally(() => (inFlight = undefined))
    return inFlight as Promise<A>
  }

  /**
   * Logs in with a password (and the TOTP code, or an e-mail code, when asked). Called on the
   * first request when the credentials are a password; call it yourself to
   * switch users. Answers the user.
   */
  const login = passwordLogin(slug, raw, store)
  const codeLogin = signInByCode(slug, raw, store)

  const refreshNow = () =>
    once(async () => {
      if (!state.refresh) return false
      const r = await raw()
      await store(await toPromise(r.auth.refresh({ path: { slug }, payload: { refresh_token: state.refresh } })))
      return true
    })

  const ensureAuth = async () => {
    if (state.access === undefined && creds && "password" in creds)
      await once(async () => {
        if (state.access === undefined)
          await login(creds.login, creds.password, creds.totp, creds.emailCode, creds.smsCode)
      })
    else if (state.access === undefined && creds && "signInCode" in creds)
      await once(async () => {
        if (state.access === undefined) await codeLogin({ email: creds.login }, creds.signInCode, creds.totp)
      })
    else if (state.access === undefined && creds && "smsSignInCode" in creds)
      await once(async () => {
        if (state.access === undefined)
          await codeLogin({ phoneNumber: creds.phoneNumber, region: creds.region }, creds.smsSignInCode, creds.totp)
      })
    else if (state.refresh && Date.now() > state.expiresAt - leewayMs) await refreshNow()
  }

  /** Runs one REST call with authentication, refresh-on-401 once, and tagged-error rejection. */
  const call = async <A>(f: (r: Raw) => Effect.Effect<A, unknown>): Promise<A> => {
    await ensureAuth()
    const r = await raw()
    const used = state.access
    try {
      return await toPromise(f(r))
    } catch (e) {
      if ((e as { _tag?: string })?._tag !== "Unauthorized") throw e
      // Another call may have refreshed meanwhile: then retry with its token, without a second refresh.
      if (state.access !== used || (await refreshNow().catch(() => false))) return await toPromise(f(r))
      throw e
    }
  }

  /** {@link call} for an endpoint with a payload: decoded first (see `decodePayload`), nothing sent when invalid. */
  const callWith = <G extends keyof Raw, E extends keyof Group<G>, A>(
    group: G,
    endpoint: E,
    input: unknown,
    f: (r: Raw, payload: PayloadOf<G, E>) => Effect.Effect<A, unknown>
  ): Promise<A> => toPromise(decodePayload(group, endpoint, input)).then((payload) => call((r) => f(r, payload)))
  const path = { slug }
  // Ids are plain strings to SDK callers (they come from earlier responses or the caller's own
  // records); the path's branded id type (`UserId`, `BeaconId`, …) is taken from the endpoint it is
  // passed to. The server validates it: a malformed id is a 400 ValidationError.
  const withId = <Id extends string = never>(id: string) => ({ path: { slug, id: id as Id } })

  /** Ends the session (`POST …/auth/logout`) and forgets the tokens. */
  const logout = async () => {
    await call((r) => r.session.logout({ path }))
    state.access = undefined
    state.refresh = undefined
  }

  return {
    slug,
    path,
    withId,
    raw,
    login,
    ...requiredActionSteps(slug, raw, store),
    logout,
    call,
    callWith,
    anonymous: anonymousCall(raw),
    /** Makes a token pair obtained elsewhere (an SSO sign-in) the session's; `onTokens` is called. */
    adopt: store,
    accessToken: () => state.access
  }
}

/**
 * The steps after a login answered `actions_required` (issue 18): the new
 * password for `update_password`, and the exchange of the action token for
 * the session once nothing is pending.
 */
const requiredActionSteps = (
  slug: string,
  raw: () => Promise<Raw>,
  store: (tokens: { access_token: string; refresh_token: string; expires_in: number }) => Promise<void>
) => {
  const path = { slug }
  /**
   * Required actions (issue 18): sets the new password for `update_password`
   * with the action token from {@link RequiredActionsPending}; answers what is
   * still pending and a fresh action token. Rejects with `ValidationError`
   * (password policy) or `Unauthorized` (bad or expired token).
   */
  const actionPassword = async (actionToken: string, newPassword: string) =>
    toPromise(
      (await raw()).auth.actionPassword({
        path,
        payload: { action_token: actionToken, new_password: Redacted.make(newPassword) }
      })
    )
  /**
   * Exchanges the action token for tokens once nothing is pending; the
   * session becomes this client's (`onTokens` is called). Answers the user.
   * Rejects with `ActionsPending` (409) naming what is left.
   */
  const completeActions = async (actionToken: string) => {
    const tokens = await toPromise((await raw()).auth.actionsComplete({ path, payload: { action_token: actionToken } }))
    await store(tokens)
    return tokens.user
  }

  /**
   * Required actions (issue 18): mails the verification link for
   * `verify_email` with the action token (`POST …/auth/actions/email-verification`);
   * once the link is opened, {@link completeActions}. Rejects with
   * `Unauthorized` (token, or `verify_email` not pending) or `RateLimited`.
   */
  const actionEmailVerification = async (actionToken: string) =>
    toPromise((await raw()).accounts.actionEmailVerification({ path, payload: { action_token: actionToken } }))
  /**
   * Required actions (issue 18): starts TOTP enrolment for `configure_mfa`
   * with the action token; answers `{ secret, otpauth_uri, qr_svg }`.
   * Rejects with `Unauthorized` (token, or `configure_mfa` not pending).
   */
  const actionTotpStart = async (actionToken: string) =>
    toPromise((await raw()).auth.actionTotpStart({ path, payload: { action_token: actionToken } }))
  /**
   * Required actions (issue 18): confirms the TOTP enrolment with a first
   * 6-digit code; answers what is left, a fresh action token and the
   * recovery codes (shown once). Rejects with `ValidationError` (wrong code).
   */
  const actionTotpConfirm = async (actionToken: string, code: string) =>
    toPromise((await raw()).auth.actionTotpConfirm({ path, payload: { action_token: actionToken, code } }))

  /**
   * Required actions (issue 18): registration options for a passkey that
   * meets `configure_mfa`, with the action token; pass `options` to
   * `navigator.credentials.create()` (or `@simplewebauthn/browser`).
   * Rejects with `Unauthorized` (token, or `configure_mfa` not pending),
   * `RateLimited` or `ValidationError` (20 passkeys already).
   */
  const actionPasskeyOptions = async (actionToken: string) =>
    toPromise((await raw()).passkeyAuth.actionPasskeyOptions({ path, payload: { action_token: actionToken } }))
  /**
   * Required actions (issue 18): registers the passkey (the
   * authenticator's answer to {@link actionPasskeyOptions}, JSON-encoded
   * as WebAuthn's `PublicKeyCredential.toJSON()`); answers what is left and
   * a fresh action token. Rejects with `ValidationError` (the answer does
   * not verify), `Unauthorized` (token).
   */
  const actionPasskeyRegister = async (
    actionToken: string,
    credential: PayloadOf<"passkeyAuth", "actionPasskeyRegister">["credential"],
    name?: string
  ) =>
    toPromise(
      (await raw()).passkeyAuth.actionPasskeyRegister({
        path,
        payload: { action_token: actionToken, credential, ...(name === undefined ? {} : { name }) }
      })
    )

  return {
    actionPassword,
    actionEmailVerification,
    actionTotpStart,
    actionTotpConfirm,
    actionPasskeyOptions,
    actionPasskeyRegister,
    completeActions
  }
}

/**
 * Thrown by a login whose account has required actions pending (issue 18):
 * no session exists yet. Complete `actions` with `actionToken` (10 minutes)
 * — `actionPassword` for `update_password`, `actionEmailVerification` for
 * `verify_email`, `actionTotpStart`/`actionTotpConfirm` (or
 * `actionPasskeyOptions`/`actionPasskeyRegister`) for `configure_mfa` — then
 * `completeActions(actionToken)`.
 */
export class RequiredActionsPending extends Error {
  constructor(
    readonly actions: ReadonlyArray<"verify_email" | "update_password" | "configure_mfa">,
    readonly actionToken: string,
    readonly expiresIn: number
  ) {
    super(`required actions pending: ${actions.join(", ")}`)
    this.name = "RequiredActionsPending"
  }
  /** From the login's `actions_required` answer. */
  static of(r: {
    readonly actions: ReadonlyArray<"verify_email" | "update_password" | "configure_mfa">
    readonly action_token: string
    readonly expires_in: number
  }) {
    return new RequiredActionsPending(r.actions, r.action_token, r.expires_in)
  }
}

/**
 * Logs in with a password: answers the challenge with `totp`, else a mailed
 * (`emailCode`) or texted (`smsCode`) code, when the account has MFA.
 * Answers the user.
 */
const passwordLogin =
  (
    slug: string,
    raw: () => Promise<Raw>,
    store: (tokens: { access_token: string; refresh_token: string; expires_in: number }) => Promise<void>
  ) =>
  async (
    loginName: string,
    password: string,
    totp?: () => Promise<string>,
    emailCode?: () => Promise<string>,
    smsCode?: () => Promise<string>
  ) => {
    const r = await raw()
    const result = await toPromise(
      r.auth.login({ path: { slug }, payload: { login: loginName, password: Redacted.make(password) } })
    )
    if (result.status === "authenticated") {
      await store(result.tokens)
      return result.tokens.user
    }
    if (result.status === "actions_required") throw RequiredActionsPending.of(result)
    if (!totp && (emailCode || smsCode)) {
      const tokens = await answerWithCode(r, slug, result.mfa_token, emailCode ? { emailCode } : { smsCode: smsCode! })
      await store(tokens)
      return tokens.user
    }
    if (!totp)
      throw new Error(
        "this account has MFA: pass credentials.totp (or credentials.emailCode / smsCode) to answer the challenge"
      )
    const tokens = await toPromise(
      r.auth.mfa({ path: { slug }, payload: { mfa_token: result.mfa_token, code: await totp() } })
    )
    await store(tokens)
    return tokens.user
  }

/** Where a passwordless sign-in code goes: an account's verified address, or a verified phone number. */
type CodeTarget = { readonly email: string } | { readonly phoneNumber: string; readonly region?: string | undefined }

/**
 * Signs in without a password: mails a code to the account's verified
 * address (or texts one to a verified number), asks `signInCode` for it,
 * and answers the challenge with `totp` when the account has MFA. Answers
 * the user.
 */
const signInByCode =
  (
    slug: string,
    raw: () => Promise<Raw>,
    store: (tokens: { access_token: string; refresh_token: string; expires_in: number }) => Promise<void>
  ) =>
  async (target: CodeTarget, signInCode: () => Promise<string>, totp?: () => Promise<string>) => {
    const r = await raw()
    const byEmail = async (email: string) => {
      await toPromise(r.accounts.sendSignInEmailCode({ path: { slug }, payload: { login: email } }))
      const code = await signInCode()
      return toPromise(r.accounts.verifySignInEmailCode({ path: { slug }, payload: { login: email, code } }))
    }
    const bySms = async (number: { readonly phone_number: string; readonly region?: string }) => {
      await toPromise(r.smsAuth.sendSignInSmsCode({ path: { slug }, payload: number }))
      const code = await signInCode()
      return toPromise(r.smsAuth.verifySignInSmsCode({ path: { slug }, payload: { ...number, code } }))
    }
    const result =
      "email" in target
        ? await byEmail(target.email)
        : await bySms({
            phone_number: target.phoneNumber,
            ...(target.region === undefined ? {} : { region: target.region })
          })
    if (result.status === "authenticated") {
      await store(result.tokens)
      return result.tokens.user
    }
    if (result.status === "actions_required") throw RequiredActionsPending.of(result)
    if (!totp) throw new Error("this account has MFA: pass credentials.totp to answer the challenge")
    const tokens = await toPromise(
      r.auth.mfa({ path: { slug }, payload: { mfa_token: result.mfa_token, code: await totp() } })
    )
    await store(tokens)
    return tokens.user
  }

/**
 * Runs one REST call without credentials (sign-in steps), payload decoded
 * first as `callWith` does; rejects with the tagged error.
 */
const anonymousCall =
  (raw: () => Promise<Raw>) =>
  <G extends keyof Raw, E extends keyof Group<G>, A>(
    group: G,
    endpoint: E,
    input: unknown,
    f: (r: Raw, payload: PayloadOf<G, E>) => Effect.Effect<A, unknown>
  ): Promise<A> =>
    toPromise(decodePayload(group, endpoint, input)).then(async (payload) => toPromise(f(await raw(), payload)))

/** The session a facade group works through (see {@link makeSession}). */
export type Session = ReturnType<typeof makeSession>
