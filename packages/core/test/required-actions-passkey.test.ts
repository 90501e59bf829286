/**
 * Issue 18: the required action `configure_mfa` met with a passkey
 * registered through the sign-in's action token (Keycloak's
 * `webauthn-register` required action), through core — the security
 * boundary — with the software authenticator of `@signet/core/testing`.
 */
import { expect, layer } from "@effect/vitest"
import {
  Account,
  type Actor,
  Auth,
  Passkeys,
  policyUse,
  Tenancy,
  UserAdmin,
  type UserId,
  WebAuthnCredential
} from "@signet/core"
import { SoftwareAuthenticator, testDialects } from "@signet/core/testing"
import { Effect, Redacted, Schema } from "effect"
import { inTenant, onboardWithAdmin, operator, type TenantRef, testActor, testCore, user } from "./support.js"

const PASSWORD = "a long enough student password"
/** The origin the core uses when no `PasskeyOrigin` is provided. */
const ORIGIN = "http://localhost"
/** A software authenticator's JSON decoded by the contract's schema, as REST decodes a body. */
const asCredential = Schema.decodeUnknownSync(WebAuthnCredential)

const login = (t: TenantRef, email: string) =>
  Auth.use((a) => a.login(t.slug, { login: email, password: Redacted.make(PASSWORD) }, {}))

/** A student of `t` for whom the tenant requires MFA; answers the id and the sign-in's action token. */
const pendingStudent = (t: TenantRef, email: string) =>
  Effect.gen(function* () {
    const created = yield* user(email, "student", { password: PASSWORD }).pipe(inTenant(t))
    yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_required_user_types", ["student"])).pipe(
      Effect.provide(testActor)
    )
    const r = yield* login(t, email)
    if (r.status !== "actions_required") throw new Error(`expected actions_required, got ${r.status}`)
    expect(r.actions).toEqual(["configure_mfa"])
    return { id: created.id as UserId, token: r.action_token }
  })

const options = (t: TenantRef, token: string) => Passkeys.use((p) => p.actionPasskeyOptions(t.slug, token, {}))
const register = (t: TenantRef, token: string, credential: WebAuthnCredential) =>
  Passkeys.use((p) => p.actionPasskeyRegister(t.slug, token, credential, "Phone", {}))
const passkeysOf = (t: TenantRef, id: UserId) =>
  UserAdmin.listPasskeys(id).pipe(policyUse("users:read"), inTenant(t, operator))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Required action configure_mfa with a passkey on ${dialect}`, (it) => {
    it.effect("a passkey registered with the action token clears configure_mfa and the session is MFA-verified", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-ok-${dialect}`)
        const { id, token } = yield* pendingStudent(t, "pk@rapk.example.edu")
        const auth = new SoftwareAuthenticator()
        const started = yield* options(t, token)
        const done = yield* register(t, token, asCredential(auth.register(started.options, ORIGIN)))
        expect(done.actions).toEqual([])
        const stored = yield* passkeysOf(t, id)
        expect(stored.map((p) => p.name)).toEqual(["Phone"])
        const pair = yield* Auth.use((a) => a.completeActions(t.slug, done.action_token, {}))
        expect(pair.user.id).toBe(id)
        // Registering another passkey without a password needs a recent MFA verification on the session.
        const actor: Actor = { kind: "user", id, sessionId: pair.session_id, userType: "student" }
        const again = yield* Account.passkeyOptions(undefined).pipe(inTenant(t, actor))
        expect(again.expires_in).toBeGreaterThan(0)
      })
    )

    it.effect("the next password sign-in asks the passkey as its second step, which opens the session", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-next-${dialect}`)
        const { token } = yield* pendingStudent(t, "next@rapk.example.edu")
        const auth = new SoftwareAuthenticator()
        const started = yield* options(t, token)
        const done = yield* register(t, token, asCredential(auth.register(started.options, ORIGIN)))
        yield* Auth.use((a) => a.completeActions(t.slug, done.action_token, {}))
        const again = yield* login(t, "next@rapk.example.edu")
        if (again.status !== "mfa_required") throw new Error(`expected mfa_required, got ${again.status}`)
        const { options: asked } = yield* Passkeys.use((p) => p.signInOptions(t.slug, again.mfa_token, {}))
        const pair = yield* Passkeys.use((p) =>
          p.signIn(t.slug, asCredential(auth.authenticate(asked, ORIGIN)), again.mfa_token, {})
        )
        expect(pair.user.email).toBe("next@rapk.example.edu")
      })
    )

    it.effect("the passkey steps refuse an action token whose sign-in did not ask configure_mfa", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-no-${dialect}`)
        const created = yield* user("nomfa@rapk.example.edu", "student", { password: PASSWORD }).pipe(inTenant(t))
        yield* UserAdmin.setRequiredActions(created.id as UserId, ["update_password"]).pipe(
          policyUse("users:write"),
          inTenant(t, operator)
        )
        const r = yield* login(t, "nomfa@rapk.example.edu")
        if (r.status !== "actions_required") throw new Error("expected actions_required")
        const refused = yield* Effect.flip(options(t, r.action_token))
        expect(refused._tag).toBe("Unauthorized")
      })
    )

    it.effect("an action token of another tenant is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-a-${dialect}`)
        const other = yield* onboardWithAdmin(`rapk-b-${dialect}`)
        const { token } = yield* pendingStudent(t, "cross@rapk.example.edu")
        const refused = yield* Effect.flip(options(other, token))
        expect(refused._tag).toBe("Unauthorized")
      })
    )

    it.effect("an answer made for another origin is refused and nothing is stored", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-origin-${dialect}`)
        const { id, token } = yield* pendingStudent(t, "origin@rapk.example.edu")
        const auth = new SoftwareAuthenticator()
        const started = yield* options(t, token)
        const forged = asCredential(auth.register(started.options, ORIGIN, { origin: "https://evil.example" }))
        const refused = yield* Effect.flip(register(t, token, forged))
        expect(refused._tag).toBe("ValidationError")
        expect(yield* passkeysOf(t, id)).toEqual([])
        expect((yield* login(t, "origin@rapk.example.edu")).status).toBe("actions_required")
      })
    )

    it.effect("once a passkey meets configure_mfa, the same action token cannot add another", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`rapk-once-${dialect}`)
        const { id, token } = yield* pendingStudent(t, "once@rapk.example.edu")
        const auth = new SoftwareAuthenticator()
        const started = yield* options(t, token)
        yield* register(t, token, asCredential(auth.register(started.options, ORIGIN)))
        const refused = yield* Effect.flip(options(t, token))
        expect(refused._tag).toBe("Unauthorized")
        expect((yield* passkeysOf(t, id)).length).toBe(1)
      })
    )
  })
}
