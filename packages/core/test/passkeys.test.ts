/**
 * Passkeys (issue 18 "Passkeys / WebAuthn") through the core services on
 * SQLite and Postgres, with the software authenticator of
 * `SoftwareAuthenticator` (`@signet/core/testing`): registration, passwordless sign-in, second
 * factor, step-up, and the refusals (replay, wrong origin, removed,
 * foreign-tenant and cloned credentials, another user's challenge).
 */
import { SqlClient } from "@effect/sql"
import { expect, layer, it as plainIt } from "@effect/vitest"
import {
  Account,
  type Actor,
  Auth,
  Passkeys,
  policyUse,
  relyingPartyOf,
  Tenancy,
  UserAdmin,
  WebAuthnCredential
} from "@signet/core"
import { SoftwareAuthenticator, testDialects } from "@signet/core/testing"
import { Effect, Redacted, Schema } from "effect"
import {
  ADMIN_PASSWORD,
  adminSession,
  asTenant,
  auditCount,
  inTenant,
  onboardWithAdmin,
  operator,
  recordStepUp,
  type TenantRef,
  testActor,
  testCore,
  user
} from "./support.js"

/** The origin the core uses when no `PasskeyOrigin` is provided. */
const ORIGIN = "http://localhost"

/** A software authenticator's JSON decoded by the contract's schema, as REST decodes a body. */
const asCredential = Schema.decodeUnknownSync(WebAuthnCredential)

/** Registers a passkey for `actor` (password re-authentication) with `auth`; answers the stored passkey. */
const registerPasskey = (tenant: TenantRef, actor: Actor, auth: SoftwareAuthenticator, name = "Laptop") =>
  Effect.gen(function* () {
    const { options } = yield* Account.passkeyOptions(Redacted.make(ADMIN_PASSWORD)).pipe(inTenant(tenant, actor))
    return yield* Account.registerPasskey(asCredential(auth.register(options, ORIGIN)), name).pipe(
      inTenant(tenant, actor)
    )
  })

/** Passwordless sign-in options, answered by `auth` at `origin`. */
const assertion = (tenant: TenantRef, auth: SoftwareAuthenticator, tamper = {}, mfaToken?: string) =>
  Effect.gen(function* () {
    const { options } = yield* Passkeys.use((p) => p.signInOptions(tenant.slug, mfaToken, {}))
    return asCredential(auth.authenticate(options, ORIGIN, tamper))
  })

const signIn = (tenant: TenantRef, credential: WebAuthnCredential, mfaToken?: string) =>
  Passkeys.use((p) => p.signIn(tenant.slug, credential, mfaToken, {}))

/** The stored counter and flags of a credential. */
const stored = (tenant: TenantRef, credentialId: string) =>
  asTenant(
    tenant,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ counter: number | string; last_used_at: unknown }>`SELECT counter, last_used_at FROM webauthn_credentials
        WHERE credential_id = ${credentialId}`.pipe(Effect.orDie)
    )
  ).pipe(
    Effect.map((rows) => (rows[0] ? { counter: Number(rows[0].counter), used: rows[0].last_used_at !== null } : null))
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`passkeys on ${dialect}`, (it) => {
    it.effect("register, then passwordless sign-in opens an MFA-verified session and advances the counter", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-signin")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator({ backupEligible: true })
        const passkey = yield* registerPasskey(tenant, actor, auth)
        expect(passkey.backup_eligible).toBe(true)
        expect(passkey.backed_up).toBe(true)
        expect(passkey.transports).toEqual(["internal", "hybrid"])
        const tokens = yield* Effect.flatMap(assertion(tenant, auth), (c) => signIn(tenant, c))
        expect(tokens.user.id).toBe(actor.id)
        expect(yield* stored(tenant, passkey.credential_id)).toEqual({ counter: 1, used: true })
        // The new session counts as a recent MFA verification (step-up).
        yield* Auth.use((a) => a.validateToken(tokens.access_token))
      })
    )

    it.effect("a replayed assertion (its challenge used) is refused and changes nothing", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-replay")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, actor, auth)
        const credential = yield* assertion(tenant, auth)
        yield* signIn(tenant, credential)
        const replay = yield* Effect.flip(signIn(tenant, credential))
        expect(replay._tag).toBe("Unauthorized")
        expect(yield* stored(tenant, passkey.credential_id)).toEqual({ counter: 1, used: true })
      })
    )

    it.effect("an assertion made for another origin or RP ID is refused", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-origin")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, actor, auth)
        const wrongOrigin = yield* Effect.flip(
          Effect.flatMap(assertion(tenant, auth, { origin: "https://evil.example" }), (c) => signIn(tenant, c))
        )
        expect(wrongOrigin._tag).toBe("Unauthorized")
        const wrongRp = yield* Effect.flip(
          Effect.flatMap(assertion(tenant, auth, { rpId: "evil.example" }), (c) => signIn(tenant, c))
        )
        expect(wrongRp._tag).toBe("Unauthorized")
        expect(yield* stored(tenant, passkey.credential_id)).toEqual({ counter: 0, used: false })
      })
    )

    it.effect("a cloned authenticator (counter not above the stored one) is refused", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-clone")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, actor, auth)
        yield* Effect.flatMap(assertion(tenant, auth, { counter: 5 }), (c) => signIn(tenant, c))
        const clone = yield* Effect.flip(
          Effect.flatMap(assertion(tenant, auth, { counter: 3 }), (c) => signIn(tenant, c))
        )
        expect(clone._tag).toBe("Unauthorized")
        expect((yield* stored(tenant, passkey.credential_id))?.counter).toBe(5)
      })
    )

    it.effect("a removed passkey no longer signs in", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-remove")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, actor, auth)
        yield* Account.removePasskey(passkey.id).pipe(inTenant(tenant, actor))
        expect(yield* Account.passkeys.pipe(inTenant(tenant, actor))).toEqual([])
        const refused = yield* Effect.flip(Effect.flatMap(assertion(tenant, auth), (c) => signIn(tenant, c)))
        expect(refused._tag).toBe("Unauthorized")
      })
    )

    it.effect("a disabled user's passkey is refused with the generic failure", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-disabled")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, actor, auth)
        yield* UserAdmin.disable(actor.id as never).pipe(policyUse("users:write"), inTenant(tenant))
        const refused = yield* Effect.flip(Effect.flatMap(assertion(tenant, auth), (c) => signIn(tenant, c)))
        expect(refused).toMatchObject({ _tag: "Unauthorized", message: "passkey sign-in failed" })
        expect(yield* stored(tenant, passkey.credential_id)).toEqual({ counter: 0, used: false })
      })
    )

    it.effect("another tenant's credential is a generic failure", () =>
      Effect.gen(function* () {
        const home = yield* onboardWithAdmin("pk-home")
        const other = yield* onboardWithAdmin("pk-other")
        const actor = yield* adminSession(home)
        const auth = new SoftwareAuthenticator()
        yield* registerPasskey(home, actor, auth)
        const before = yield* auditCount(other)
        const refused = yield* Effect.flip(Effect.flatMap(assertion(other, auth), (c) => signIn(other, c)))
        expect(refused).toMatchObject({ _tag: "Unauthorized", message: "passkey sign-in failed" })
        // Only the refusal's audit row was written in the other tenant.
        expect(yield* auditCount(other)).toBe(before + 1)
      })
    )

    it.effect("a passkey is accepted as the login's second step where TOTP is", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-mfa")
        const actor = yield* adminSession(tenant)
        yield* recordStepUp(tenant, actor)
        const auth = new SoftwareAuthenticator()
        yield* registerPasskey(tenant, actor, auth)
        const login = yield* Auth.use((a) =>
          a.login(
            tenant.slug,
            { login: `head@${tenant.slug}.example.edu`, password: Redacted.make(ADMIN_PASSWORD) },
            {}
          )
        )
        if (login.status !== "mfa_required") throw new Error("expected the MFA step")
        const { options } = yield* Passkeys.use((p) => p.signInOptions(tenant.slug, login.mfa_token, {}))
        expect((options["allowCredentials"] as Array<unknown>).length).toBe(1)
        const tokens = yield* signIn(tenant, asCredential(auth.authenticate(options, ORIGIN)), login.mfa_token)
        expect(tokens.user.id).toBe(actor.id)
      })
    )

    it.effect("issue 18: pending required actions stop a passwordless passkey sign-in before any session", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-actions")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        yield* registerPasskey(tenant, actor, auth)
        yield* UserAdmin.setRequiredActions(actor.id as never, ["update_password"]).pipe(
          policyUse("users:write"),
          inTenant(tenant, operator)
        )
        const sessions = asTenant(
          tenant,
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM user_sessions WHERE user_id = ${actor.id}`.pipe(
              Effect.orDie
            )
          )
        ).pipe(Effect.map((rows) => Number(rows[0]!.n)))
        const before = yield* sessions
        const failed = yield* Effect.flip(Effect.flatMap(assertion(tenant, auth), (c) => signIn(tenant, c)))
        if (failed._tag !== "SignInActionsRequired")
          throw new Error(`expected SignInActionsRequired, got ${failed._tag}`)
        expect(failed.actions).toEqual(["update_password"])
        expect(failed.action_token.length).toBeGreaterThan(20)
        expect(yield* sessions).toBe(before)
        // The action token completes as after a password login.
        yield* Auth.use((a) =>
          a.actionPassword(tenant.slug, failed.action_token, Redacted.make("a brand new passphrase here"), {})
        )
        const pair = yield* Auth.use((a) => a.completeActions(tenant.slug, failed.action_token, {}))
        expect(pair.user.id).toBe(actor.id)
      })
    )

    it.effect("a second-step challenge of another user is refused", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-mfa-other")
        const admin = yield* adminSession(tenant)
        yield* recordStepUp(tenant, admin)
        const login = yield* Auth.use((a) =>
          a.login(
            tenant.slug,
            { login: `head@${tenant.slug}.example.edu`, password: Redacted.make(ADMIN_PASSWORD) },
            {}
          )
        )
        if (login.status !== "mfa_required") throw new Error("expected the MFA step")
        // A teacher's passkey answers the admin's second-step challenge.
        yield* user("t@pk-mfa-other.example.edu", "teacher", { password: ADMIN_PASSWORD }).pipe(inTenant(tenant))
        const teacherLogin = yield* Auth.use((a) =>
          a.login(tenant.slug, { login: "t@pk-mfa-other.example.edu", password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (teacherLogin.status !== "authenticated") throw new Error("expected tokens")
        const teacher: Actor = {
          kind: "user",
          id: teacherLogin.tokens.user.id,
          sessionId: teacherLogin.tokens.session_id,
          userType: "teacher"
        }
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, teacher, auth)
        const { options } = yield* Passkeys.use((p) => p.signInOptions(tenant.slug, login.mfa_token, {}))
        const forged = asCredential(auth.authenticate(options, ORIGIN, { credentialId: passkey.credential_id }))
        expect((yield* Effect.flip(signIn(tenant, forged, login.mfa_token)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("a registration challenge of another user is refused", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-reg-other")
        const admin = yield* adminSession(tenant)
        yield* user("t@pk-reg-other.example.edu", "teacher", { password: ADMIN_PASSWORD }).pipe(inTenant(tenant))
        const login = yield* Auth.use((a) =>
          a.login(tenant.slug, { login: "t@pk-reg-other.example.edu", password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const teacher: Actor = { kind: "user", id: login.tokens.user.id, sessionId: login.tokens.session_id }
        const { options } = yield* Account.passkeyOptions(Redacted.make(ADMIN_PASSWORD)).pipe(inTenant(tenant, admin))
        const credential = asCredential(new SoftwareAuthenticator().register(options, ORIGIN))
        const refused = yield* Effect.flip(Account.registerPasskey(credential, "x").pipe(inTenant(tenant, teacher)))
        expect(refused._tag).toBe("ValidationError")
        expect(yield* Account.passkeys.pipe(inTenant(tenant, teacher))).toEqual([])
      })
    )

    it.effect("registration needs the password or a recent MFA verification", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-reauth")
        const actor = yield* adminSession(tenant)
        const noProof = yield* Effect.flip(Account.passkeyOptions(undefined).pipe(inTenant(tenant, actor)))
        expect(noProof).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        const wrong = yield* Effect.flip(
          Account.passkeyOptions(Redacted.make("not the password")).pipe(inTenant(tenant, actor))
        )
        expect(wrong._tag).toBe("Forbidden")
        yield* recordStepUp(tenant, actor)
        const { options } = yield* Account.passkeyOptions(undefined).pipe(inTenant(tenant, actor))
        expect(options["attestation"]).toBe("none")
        expect(options["authenticatorSelection"]).toMatchObject({ residentKey: "required" })
      })
    )

    it.effect("list and rename own passkeys; another user's passkey is not found", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-rename")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        const first = yield* registerPasskey(tenant, actor, auth, "Phone")
        yield* registerPasskey(tenant, actor, auth, "Key")
        const renamed = yield* Account.renamePasskey(first.id, "  Work phone ").pipe(inTenant(tenant, actor))
        expect(renamed.name).toBe("Work phone")
        const names = (yield* Account.passkeys.pipe(inTenant(tenant, actor))).map((p) => p.name)
        expect(names).toEqual(["Work phone", "Key"])
        yield* user("t@pk-rename.example.edu", "teacher", { password: ADMIN_PASSWORD }).pipe(inTenant(tenant))
        const login = yield* Auth.use((a) =>
          a.login(tenant.slug, { login: "t@pk-rename.example.edu", password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const teacher: Actor = { kind: "user", id: login.tokens.user.id, sessionId: login.tokens.session_id }
        const foreign = yield* Effect.flip(Account.renamePasskey(first.id, "mine").pipe(inTenant(tenant, teacher)))
        expect(foreign._tag).toBe("PasskeyNotFound")
      })
    )

    it.effect("step-up accepts a passkey assertion bound to the session", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-stepup")
        const actor = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        yield* registerPasskey(tenant, actor, auth)
        expect((yield* Effect.flip(Account.passkeyOptions(undefined).pipe(inTenant(tenant, actor))))._tag).toBe(
          "Forbidden"
        )
        const { options } = yield* Account.passkeyStepUpOptions.pipe(inTenant(tenant, actor))
        const credential = asCredential(auth.authenticate(options, ORIGIN))
        yield* Account.passkeyStepUp(credential).pipe(inTenant(tenant, actor))
        // The session is now freshly verified: a passkey can be added without the password.
        yield* Account.passkeyOptions(undefined).pipe(inTenant(tenant, actor))
        // The same assertion again: its challenge is spent.
        const replay = yield* Effect.flip(Account.passkeyStepUp(credential).pipe(inTenant(tenant, actor)))
        expect(replay._tag).toBe("ValidationError")
      })
    )

    it.effect("an administrator lists and removes a user's passkeys; another tenant's user is not found", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-admin")
        const other = yield* onboardWithAdmin("pk-admin-other")
        const admin = yield* adminSession(tenant)
        yield* recordStepUp(tenant, admin)
        const auth = new SoftwareAuthenticator()
        const passkey = yield* registerPasskey(tenant, admin, auth)
        const userId = admin.id as never
        const listed = yield* UserAdmin.listPasskeys(userId).pipe(policyUse("users:read"), inTenant(tenant))
        expect(listed.map((p) => p.id)).toEqual([passkey.id])
        const foreign = yield* Effect.flip(
          UserAdmin.listPasskeys(userId).pipe(policyUse("users:read"), inTenant(other))
        )
        expect(foreign._tag).toBe("UserNotFound")
        yield* UserAdmin.removePasskey(userId, passkey.id).pipe(policyUse("users:write"), inTenant(tenant, admin))
        expect(yield* UserAdmin.listPasskeys(userId).pipe(policyUse("users:read"), inTenant(tenant))).toEqual([])
      })
    )

    it.effect(
      "an administrator with a passkey is not asked to enrol MFA when the tenant requires it, but asked the passkey",
      () =>
        Effect.gen(function* () {
          const tenant = yield* onboardWithAdmin("pk-required")
          yield* Tenancy.use((x) => x.putSetting(tenant.slug, "auth.mfa_required_for_admins", true)).pipe(
            Effect.provide(testActor)
          )
          const login = () =>
            Auth.use((a) =>
              a.login(
                tenant.slug,
                { login: `head@${tenant.slug}.example.edu`, password: Redacted.make(ADMIN_PASSWORD) },
                {}
              )
            )
          const claimsOf = (l: Effect.Effect.Success<ReturnType<typeof login>>) =>
            l.status === "authenticated" ? Auth.use((a) => a.validateToken(l.tokens.access_token)) : Effect.die("mfa")
          const before = yield* Effect.flatMap(login(), claimsOf)
          expect(before.mfa_enroll).toBe(true)
          const auth = new SoftwareAuthenticator()
          yield* registerPasskey(tenant, yield* adminSession(tenant), auth)
          // The passkey is now the second step of every password sign-in, and its session is not restricted.
          const second = yield* login()
          if (second.status !== "mfa_required") throw new Error(`expected mfa_required, got ${second.status}`)
          const pair = yield* Effect.flatMap(assertion(tenant, auth, {}, second.mfa_token), (c) =>
            signIn(tenant, c, second.mfa_token)
          )
          const after = yield* Auth.use((a) => a.validateToken(pair.access_token))
          expect(after.mfa_enroll).toBeUndefined()
        })
    )

    it.effect("an administrator's MFA reset removes the user's passkeys too", () =>
      Effect.gen(function* () {
        const tenant = yield* onboardWithAdmin("pk-reset")
        const admin = yield* adminSession(tenant)
        const auth = new SoftwareAuthenticator()
        yield* registerPasskey(tenant, admin, auth)
        const userId = admin.id as never
        yield* UserAdmin.resetMfa(userId).pipe(policyUse("users:write"), inTenant(tenant))
        expect(yield* UserAdmin.listPasskeys(userId).pipe(policyUse("users:read"), inTenant(tenant))).toEqual([])
        const refused = yield* Effect.flip(Effect.flatMap(assertion(tenant, auth), (c) => signIn(tenant, c)))
        expect(refused._tag).toBe("Unauthorized")
      })
    )
  })
}

plainIt(
  "the relying party is the request's origin when it is the tenant's custom domain, else the public origin",
  () => {
    const tenant = { name: "School", custom_domain: "attendance.school.example" }
    const configured = "https://signet.example.com"
    expect(relyingPartyOf(tenant, { configured, request: "https://attendance.school.example" })).toEqual({
      rpId: "attendance.school.example",
      origin: "https://attendance.school.example",
      name: "School"
    })
    expect(relyingPartyOf(tenant, { configured, request: "https://evil.example" }).rpId).toBe("signet.example.com")
    expect(relyingPartyOf({ name: "S", custom_domain: null }, { configured, request: null }).origin).toBe(configured)
  }
)
