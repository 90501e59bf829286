/**
 * The Promise facade of `@signet/sdk` for integrators who don't use Effect
 * (issue 7 §3): `createSignetClient({ baseUrl, tenant, credentials })`.
 *
 * - Authentication: a password login (with the TOTP step when the account has
 *   MFA), an API key (`sg_…`), existing tokens, or the operator token.
 *   Access tokens are refreshed automatically shortly before they expire and
 *   once more when the server answers 401 (refresh tokens rotate on every use).
 * - Errors: a failed call rejects with the server's own tagged error
 *   (`err._tag === "Conflict"`, `err instanceof Conflict`), the same classes as
 *   the REST problem details and the Effect client.
 * - Everything the REST API offers is reachable through `client.raw` (the
 *   Effect `HttpApiClient`); the facade names the common operations.
 *
 * ```ts
 * import { createSignetClient } from "@signet/sdk"
 * const signet = createSignetClient({
 *   baseUrl: "http://127.0.0.1:8080",
 *   tenant: "demo-school",
 *   credentials: { login: "admin@demo-school.example.edu", password: process.env.PASSWORD! }
 * })
 * const school = await signet.academics.createSchool({ name: "Lycée Hugo" })
 * const roll = await signet.attendance.roll(courseId)
 * ```
 *
 * @module
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { type ApiKeyId, FieldIssue, SignetApi, type UserId, ValidationError } from "@signet/contracts"
import { Cause, Effect, Exit, ParseResult, Redacted, Schema } from "effect"

/** How the client authenticates. */
export type Credentials =
  | {
      /** E-mail or username, and password (`POST …/auth/login`). */
      readonly login: string
      readonly password: string
      /** Asked for the TOTP code when the account has MFA. */
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
 * A payload as the facade takes it: plain values, i.e. strings where the
 * contracts hold secrets as `Redacted` (`password`, `current_password`,
 * `new_password`, …). A `Redacted` is accepted too.
 */
export type Plain<T> =
  T extends Redacted.Redacted<infer A>
    ? A | Redacted.Redacted<A>
    : T extends Uint8Array
      ? T
      : T extends ReadonlyArray<infer U>
        ? ReadonlyArray<Plain<U>>
        : T extends object
          ? { readonly [K in keyof T]: Plain<T[K]> }
          : T

type Raw = Effect.Effect.Success<ReturnType<typeof rawClient>>
type Fn = (...args: ReadonlyArray<any>) => Effect.Effect<any, any, any>
type Group<G extends keyof Raw> = Raw[G]
/** The `payload` argument of a REST endpoint. */
type PayloadOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Parameters<Group<G>[E]>[0] extends { readonly payload: infer P }
    ? P
    : never
  : never
/** A REST endpoint's payload as the facade takes it (see {@link Plain}). */
type PlainOf<G extends keyof Raw, E extends keyof Group<G>> = Plain<PayloadOf<G, E>>
/** The `urlParams` argument of a REST endpoint. */
type ParamsOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Parameters<Group<G>[E]>[0] extends { readonly urlParams: infer P }
    ? P
    : never
  : never
/** The success value of a REST endpoint. */
type ResultOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Effect.Effect.Success<ReturnType<Group<G>[E]>>
  : never

const rawClient = (baseUrl: string, token: () => string | undefined) =>
  HttpApiClient.make(SignetApi, {
    baseUrl,
    transformClient: (client) =>
      HttpClient.mapRequest(client, (request) => {
        const t = token()
        return t ? HttpClientRequest.bearerToken(request, t) : request
      })
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** Replaces every `Redacted` in a plain value by its content (the schema wraps it again). */
const unwrapRedacted = (value: unknown): unknown =>
  Redacted.isRedacted(value)
    ? Redacted.value(value)
    : Array.isArray(value)
      ? value.map(unwrapRedacted)
      : value !== null && typeof value === "object" && !(value instanceof Uint8Array)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapRedacted(v)]))
        : value

/**
 * The facade's payloads are decoded here with the endpoint's own schema
 * before anything is sent: secrets become `Redacted`, and a bad value rejects
 * with the same `ValidationError` (`issues[]` with dotted field paths) the
 * server answers — never quoting the value.
 */
const decodePayload = <G extends keyof Raw, E extends keyof Group<G>>(
  group: G,
  endpoint: E,
  input: unknown
): Effect.Effect<PayloadOf<G, E>, ValidationError> => {
  const schema = (
    SignetApi.groups as unknown as Record<
      string,
      { endpoints: Record<string, { payloadSchema: { _tag: string; value?: Schema.Schema.AnyNoContext } }> }
    >
  )[group as string]?.endpoints[endpoint as string]?.payloadSchema
  if (!schema || schema._tag !== "Some" || !schema.value) return Effect.succeed(input as PayloadOf<G, E>)
  return Schema.decodeUnknown(schema.value)(unwrapRedacted(input), { onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map(
        (issue) =>
          new FieldIssue({
            field: issue.path.map(String).join(".") || "body",
            // The formatter quotes the value it got ("actual …"): a password must not travel into a log.
            message: issue.message.replace(/,?\s*actual[\s\S]*$/, "").trim() || "is invalid"
          })
      )
      return new ValidationError({
        message: issues.map((i) => `${i.field}: ${i.message}`).join("; ") || "invalid input",
        issues
      })
    })
  ) as Effect.Effect<PayloadOf<G, E>, ValidationError>
}

/** Runs an Effect, rejecting with the failure itself (the tagged error), not a wrapper. */
const toPromise = async <A>(effect: Effect.Effect<A, unknown>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * Creates a Signet client. Nothing is sent until the first call; with a
 * password the first call logs in. Every method returns a Promise that
 * rejects with the server's tagged error (`Unauthorized`, `Forbidden`,
 * `ValidationError`, `Conflict`, `…NotFound`, …).
 */
export const createSignetClient = (options: SignetClientOptions) => {
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
   * Logs in with a password (and the TOTP code when asked). Called on the
   * first request when the credentials are a password; call it yourself to
   * switch users. Answers the user.
   */
  const login = async (loginName: string, password: string, totp?: () => Promise<string>) => {
    const r = await raw()
    const result = await toPromise(
      r.auth.login({ path: { slug }, payload: { login: loginName, password: Redacted.make(password) } })
    )
    if (result.status === "authenticated") {
      await store(result.tokens)
      return result.tokens.user
    }
    if (!totp) throw new Error("this account has MFA: pass credentials.totp to answer the TOTP challenge")
    const tokens = await toPromise(
      r.auth.mfa({ path: { slug }, payload: { mfa_token: result.mfa_token, code: await totp() } })
    )
    await store(tokens)
    return tokens.user
  }

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
        if (state.access === undefined) await login(creds.login, creds.password, creds.totp)
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
  // The SDK takes ids as plain strings; the paths' ids are branded (UserId, ApiKeyId): one cast here,
  // the id's shape is still checked when the request is encoded (and by the server).
  const withId = (id: string) => ({ path: { slug, id: id as UserId & ApiKeyId } })

  return {
    /** The Effect REST client underneath (every endpoint; `{ path: { slug } }` is yours to pass). */
    raw,
    login,
    /** Ends the session (`POST …/auth/logout`) and forgets the tokens. */
    logout: async () => {
      await call((r) => r.session.logout({ path }))
      state.access = undefined
      state.refresh = undefined
    },
    /** The signed-in user (`GET …/me`). */
    me: () => call((r) => r.session.me({ path })),
    /** The current access token (after the first call), e.g. to hand to another component. */
    accessToken: () => state.access,

    /**
     * The signed-in user's TOTP second factor (RFC 6238). Once confirmed,
     * password logins answer a challenge that {@link login} completes with
     * `credentials.totp`.
     */
    mfa: {
      /**
       * Starts enrolment with the user's current password (a token alone cannot
       * bind a second factor): the base32 secret, its `otpauth://` URI and the
       * URI as an SVG QR code, to show the user. Nothing changes until
       * confirmed. Rejects with `Forbidden` on a wrong password, `RateLimited`
       * past the account's login budget.
       * @example `const { qr_svg } = await signet.mfa.enrollTotp(password)`
       */
      enrollTotp: (password: string) =>
        callWith("session", "enrollTotp", { password }, (r, payload) => r.session.enrollTotp({ path, payload })),
      /**
       * Confirms enrolment with a first code from the authenticator; answers
       * ten single-use recovery codes (show them once). Rejects with
       * `ValidationError` on a wrong code.
       * @example `const { recovery_codes } = await signet.mfa.confirmTotp("123456")`
       */
      confirmTotp: (code: string) => call((r) => r.session.confirmTotp({ path, payload: { code } })),
      /** Re-verifies the second factor on this session before a sensitive operation. */
      stepUp: (code: string) => call((r) => r.session.stepUp({ path, payload: { code } })),
      /** Turns MFA off: the password and a current code or a recovery code. */
      disable: (input: PlainOf<"session", "disableMfa">) =>
        callWith("session", "disableMfa", input, (r, payload) => r.session.disableMfa({ path, payload }))
    },

    /** Platform tenants (operator token). */
    tenants: {
      /** Onboards a tenant. @example `await signet.tenants.create({ slug: "lycee-hugo", name: "Lycée Hugo" })` */
      create: (input: PlainOf<"tenants", "create">) =>
        callWith("tenants", "create", input, (r, payload) => r.tenants.create({ payload })),
      /** One tenant by slug. */
      get: (tenantSlug: string) => call((r) => r.tenants.get({ path: { slug: tenantSlug } })),
      /** A page of tenants. */
      list: (params: ParamsOf<"tenants", "list"> = {}) => call((r) => r.tenants.list({ urlParams: params }))
    },
    /** Tenant users. */
    users: {
      /** A page of users (filters: `user_type`, `status`, `school_id`, `q`). */
      list: (params: ParamsOf<"users", "list"> = {}) => call((r) => r.users.list({ path, urlParams: params })),
      /** Creates a user. @example `await signet.users.create({ email, given_name, family_name, user_type: "teacher" })` */
      create: (input: PlainOf<"users", "create">) =>
        callWith("users", "create", input, (r, payload) => r.users.create({ path, payload })),
      get: (id: string) => call((r) => r.users.get(withId(id))),
      update: (id: string, patch: PlainOf<"users", "update">) =>
        callWith("users", "update", patch, (r, payload) => r.users.update({ ...withId(id), payload })),
      disable: (id: string) => call((r) => r.users.disable(withId(id))),
      /**
       * Resets a user's MFA (lost authenticator): removes their TOTP secret and
       * recovery codes and revokes their sessions (`users:write`; a signed-in
       * administrator needs a recent step-up, `signet.mfa.stepUp`).
       */
      resetMfa: (id: string) => call((r) => r.users.resetMfa(withId(id)))
    },
    /** API keys (shown once at creation). */
    apiKeys: {
      create: (input: PlainOf<"apikeys", "create">) =>
        callWith("apikeys", "create", input, (r, payload) => r.apikeys.create({ path, payload })),
      list: () => call((r) => r.apikeys.list({ path })),
      revoke: (id: string) => call((r) => r.apikeys.revoke(withId(id)))
    },
    /** Roles and assignments (RBAC). */
    roles: {
      list: (params: ParamsOf<"access", "listRoles"> = {}) =>
        call((r) => r.access.listRoles({ path, urlParams: params })),
      create: (input: PlainOf<"access", "createRole">) =>
        callWith("access", "createRole", input, (r, payload) => r.access.createRole({ path, payload })),
      /** Gives a user a role. */
      assign: (userId: string, roleId: string) =>
        call((r) =>
          r.access.assignRole({
            path: { slug, userId },
            payload: { role_id: roleId }
          } as unknown as Parameters<Raw["access"]["assignRole"]>[0])
        ),
      /** Why a user has (or lacks) a permission. */
      explain: (userId: string, permission: string) =>
        call((r) =>
          r.access.explainPermission({
            path: { slug, userId, permission }
          } as unknown as Parameters<Raw["access"]["explainPermission"]>[0])
        )
    },
    /** Schools, classrooms, groups, courses, rosters and timetables. */
    academics: {
      createSchool: (input: PlainOf<"academics", "createSchool">) =>
        callWith("academics", "createSchool", input, (r, payload) => r.academics.createSchool({ path, payload })),
      listSchools: (params: ParamsOf<"academics", "listSchools"> = {}) =>
        call((r) => r.academics.listSchools({ path, urlParams: params })),
      createClassroom: (input: PlainOf<"academics", "createClassroom">) =>
        callWith("academics", "createClassroom", input, (r, payload) => r.academics.createClassroom({ path, payload })),
      createGroup: (input: PlainOf<"academics", "createGroup">) =>
        callWith("academics", "createGroup", input, (r, payload) => r.academics.createGroup({ path, payload })),
      listGroups: (params: ParamsOf<"academics", "listGroups"> = {}) =>
        call((r) => r.academics.listGroups({ path, urlParams: params })),
      /** Replaces a group's students. */
      setMembers: (groupId: string, studentIds: ReadonlyArray<string>) =>
        call((r) => r.academics.setMembers({ ...withId(groupId), payload: { student_ids: studentIds } })),
      createCourse: (input: PlainOf<"academics", "createCourse">) =>
        callWith("academics", "createCourse", input, (r, payload) => r.academics.createCourse({ path, payload })),
      getCourse: (id: string) => call((r) => r.academics.getCourse(withId(id))),
      listCourses: (params: ParamsOf<"academics", "listCourses"> = {}) =>
        call((r) => r.academics.listCourses({ path, urlParams: params })),
      /**
       * Imports a OneRoster 1.1/1.2 bulk set (a zip of CSV files); all-or-nothing.
       * @example `await signet.academics.importRoster(fs.readFileSync("roster.zip"))`
       */
      importRoster: (zip: Uint8Array, options: { readonly dryRun?: boolean } = {}) =>
        call((r) =>
          r.academics.importRoster({
            path,
            payload: zip,
            urlParams: options.dryRun ? { dry_run: true } : {}
          } as any)
        ) as Promise<ResultOf<"academics", "importRoster">>,
      /** Imports an iCalendar timetable into a school's courses (LOCATION → classroom code). */
      importTimetable: (schoolId: string, ics: string) =>
        call((r) =>
          r.academics.importTimetable({ ...withId(schoolId), payload: ics, urlParams: {} } as any)
        ) as Promise<ResultOf<"academics", "importTimetable">>
    },
    /** Signatures, rolls, QR codes, excuses and reports. */
    attendance: {
      /**
       * `CreateSignatureAttempt`: a refusal resolves with `status: "REFUSED"` and a `reason_code`.
       * @example `await signet.attendance.sign({ course_id, method: "QR", qr_code: "12345678" })`
       */
      sign: (input: PlainOf<"attendance", "createSignatureAttempt">) =>
        callWith("attendance", "createSignatureAttempt", input, (r, payload) =>
          r.attendance.createSignatureAttempt({ path, payload })
        ),
      /** A course's roll. */
      roll: (courseId: string) => call((r) => r.attendance.getRoll(withId(courseId))),
      /** The teacher's roll call. */
      markRoll: (courseId: string, marks: PayloadOf<"attendance", "markRoll">["marks"]) =>
        call((r) => r.attendance.markRoll({ ...withId(courseId), payload: { marks } })),
      /** The course's current QR code and image (teachers' screens). */
      qrCode: (courseId: string) => call((r) => r.attendance.getQrCode(withId(courseId))),
      /** Report of a school, group or course over a date range. */
      report: (params: ParamsOf<"attendance", "report">) =>
        call((r) => r.attendance.report({ path, urlParams: params })),
      /** The same report as CSV text. */
      reportCsv: (params: ParamsOf<"attendance", "reportCsv">) =>
        call((r) => r.attendance.reportCsv({ path, urlParams: params })),
      submitExcuse: (input: PlainOf<"attendance", "submitExcuse">) =>
        callWith("attendance", "submitExcuse", input, (r, payload) => r.attendance.submitExcuse({ path, payload })),
      decideExcuse: (excuseId: string, decision: PlainOf<"attendance", "decideExcuse">) =>
        callWith("attendance", "decideExcuse", decision, (r, payload) =>
          r.attendance.decideExcuse({ ...withId(excuseId), payload })
        ),
      /** Closes ended courses now (unmarked students become ABSENT). */
      close: () => call((r) => r.attendance.closeExpiredCourses({ path }))
    },
    /** Classroom beacons (registry side). */
    beacons: {
      /** A one-time enrolment code for `signet-beacon enroll`. */
      createEnrolmentCode: (input: PlainOf<"beacons", "createEnrolmentCode">) =>
        callWith("beacons", "createEnrolmentCode", input, (r, payload) =>
          r.beacons.createEnrolmentCode({ path, payload })
        ),
      list: (params: ParamsOf<"beacons", "listBeacons"> = {}) =>
        call((r) => r.beacons.listBeacons({ path, urlParams: params })),
      revoke: (id: string) => call((r) => r.beacons.revokeBeacon(withId(id))),
      /** A student's presence token for one of their registered devices. */
      presenceToken: (deviceIdentifier: string) =>
        call((r) => r.beacons.presenceToken({ path, payload: { device_identifier: deviceIdentifier } }))
    }
  }
}

/** The client returned by {@link createSignetClient}. */
export type SignetClient = ReturnType<typeof createSignetClient>
