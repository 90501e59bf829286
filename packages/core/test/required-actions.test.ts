/**
 * Issue 18: required actions (verify e-mail, set password, enrol MFA)
 * enforced at sign-in, as Keycloak does — through core, the security
 * boundary: an in-process embedder gets the same answers as REST.
 */
import { expect, layer } from "@effect/vitest"
import { Auth, Mfa, policyUse, SigningKeys, Tenancy, UserAdmin, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted, TestClock } from "effect"
import {
  ADMIN_PASSWORD,
  inTenant,
  onboardWithAdmin,
  operator,
  type TenantRef,
  testActor,
  testCore,
  totpAt,
  user
} from "./support.js"

const PASSWORD = "a long enough student password"
const NEW_PASSWORD = "another long password, brand new"

const login = (t: TenantRef, email: string, password = PASSWORD) =>
  Auth.use((a) => a.login(t.slug, { login: email, password: Redacted.make(password) }, {}))

/** A student `email` with {@link PASSWORD} in tenant `t`; answers their id. */
const student = (t: TenantRef, email: string) =>
  Effect.map(user(email, "student", { password: PASSWORD }).pipe(inTenant(t)), (u) => u.id as UserId)

const setActions = (
  t: TenantRef,
  id: UserId,
  actions: ReadonlyArray<"verify_email" | "update_password" | "configure_mfa">
) => UserAdmin.setRequiredActions(id, actions).pipe(policyUse("users:write"), inTenant(t, operator))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Required actions on ${dialect}`, (it) => {
    it.effect("a user with no pending action gets tokens exactly as before", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-none-${dialect}`)
        yield* student(t, "plain@ra.example.edu")
        const r = yield* login(t, "plain@ra.example.edu")
        expect(r.status).toBe("authenticated")
        expect(Object.keys(r).sort()).toEqual(["status", "tokens"])
      })
    )

    it.effect("admin-set update_password blocks tokens until the password is changed; completing clears it", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-pw-${dialect}`)
        const id = yield* student(t, "pw@ra.example.edu")
        const set = yield* setActions(t, id, ["update_password"])
        expect(set.actions).toEqual(["update_password"])
        const first = yield* login(t, "pw@ra.example.edu")
        if (first.status !== "actions_required") throw new Error(`expected actions_required, got ${first.status}`)
        expect(first.actions).toEqual(["update_password"])
        expect(first.expires_in).toBe(600)
        expect(first).not.toHaveProperty("tokens")
        // The action token is no access token, and no exchange while the action is pending.
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(first.action_token))))._tag).toBe("Unauthorized")
        const pending = yield* Effect.flip(Auth.use((a) => a.completeActions(t.slug, first.action_token, {})))
        expect(pending).toMatchObject({ _tag: "ActionsPending", actions: ["update_password"] })
        // The same password again is refused; a new one clears the action.
        const same = yield* Effect.flip(
          Auth.use((a) => a.actionPassword(t.slug, first.action_token, Redacted.make(PASSWORD), {}))
        )
        expect(same._tag).toBe("ValidationError")
        const progress = yield* Auth.use((a) =>
          a.actionPassword(t.slug, first.action_token, Redacted.make(NEW_PASSWORD), {})
        )
        expect(progress.actions).toEqual([])
        const pair = yield* Auth.use((a) => a.completeActions(t.slug, progress.action_token, {}))
        expect(pair.user.id).toBe(id)
        expect((yield* Auth.use((a) => a.validateToken(pair.access_token))).sub).toBe(id)
        expect(
          (yield* UserAdmin.requiredActions(id).pipe(policyUse("users:read"), inTenant(t, operator))).actions
        ).toEqual([])
        // Single use: the exchanged token is void; the next sign-in needs the new password and gets tokens.
        expect((yield* Effect.flip(Auth.use((a) => a.completeActions(t.slug, progress.action_token, {}))))._tag).toBe(
          "Unauthorized"
        )
        expect((yield* Effect.flip(login(t, "pw@ra.example.edu")))._tag).toBe("InvalidCredentials")
        expect((yield* login(t, "pw@ra.example.edu", NEW_PASSWORD)).status).toBe("authenticated")
      })
    )

    it.effect("the password step is refused when update_password is not pending, and for a foreign tenant", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-only-${dialect}`)
        const other = yield* onboardWithAdmin(`ra-other-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.require_verified_email", true)).pipe(
          Effect.provide(testActor)
        )
        yield* student(t, "only@ra.example.edu")
        const r = yield* login(t, "only@ra.example.edu")
        if (r.status !== "actions_required") throw new Error("expected actions_required")
        expect(r.actions).toEqual(["verify_email"])
        const refused = yield* Effect.flip(
          Auth.use((a) => a.actionPassword(t.slug, r.action_token, Redacted.make(NEW_PASSWORD), {}))
        )
        expect(refused._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(Auth.use((a) => a.completeActions(other.slug, r.action_token, {}))))._tag).toBe(
          "Unauthorized"
        )
      })
    )

    it.effect("a tenant requiring verified e-mail yields verify_email for unverified users", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-verify-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.require_verified_email", true)).pipe(
          Effect.provide(testActor)
        )
        const r = yield* login(t, `head@${t.slug}.example.edu`, ADMIN_PASSWORD)
        expect(r).toMatchObject({ status: "actions_required", actions: ["verify_email"] })
      })
    )

    it.effect("a tenant requiring MFA for a user type yields configure_mfa until a factor is enrolled", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-mfa-${dialect}`)
        const id = yield* student(t, "mfa@ra.example.edu")
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_required_user_types", ["student"])).pipe(
          Effect.provide(testActor)
        )
        expect(yield* login(t, "mfa@ra.example.edu")).toMatchObject({ actions: ["configure_mfa"] })
        // Teachers are not asked.
        yield* user("teach@ra.example.edu", "teacher", { password: PASSWORD }).pipe(inTenant(t))
        expect((yield* login(t, "teach@ra.example.edu")).status).toBe("authenticated")
        // Once the student has TOTP, the login asks the second factor, then answers tokens.
        const { secret } = yield* Mfa.use((m) => m.enroll(id, Redacted.make(PASSWORD))).pipe(inTenant(t))
        yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(id, c))).pipe(inTenant(t))
        const challenge = yield* login(t, "mfa@ra.example.edu")
        if (challenge.status !== "mfa_required") throw new Error("expected mfa_required")
        yield* TestClock.adjust("30 seconds")
        const code = yield* totpAt(secret)
        const pair = yield* Mfa.use((m) => m.completeLogin(t.slug, challenge.mfa_token, { code }, {}))
        expect(pair.user.id).toBe(id)
      })
    )

    it.effect("after the second factor, pending actions fail the MFA step with SignInActionsRequired", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-mfastep-${dialect}`)
        const id = yield* student(t, "step@ra.example.edu")
        const { secret } = yield* Mfa.use((m) => m.enroll(id, Redacted.make(PASSWORD))).pipe(inTenant(t))
        yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(id, c))).pipe(inTenant(t))
        yield* setActions(t, id, ["update_password"])
        const challenge = yield* login(t, "step@ra.example.edu")
        if (challenge.status !== "mfa_required") throw new Error("expected mfa_required")
        yield* TestClock.adjust("30 seconds")
        const code = yield* totpAt(secret)
        const failed = yield* Effect.flip(Mfa.use((m) => m.completeLogin(t.slug, challenge.mfa_token, { code }, {})))
        if (failed._tag !== "SignInActionsRequired")
          throw new Error(`expected SignInActionsRequired, got ${failed._tag}`)
        expect(failed.actions).toEqual(["update_password"])
        yield* Auth.use((a) => a.actionPassword(t.slug, failed.action_token, Redacted.make(NEW_PASSWORD), {}))
        const pair = yield* Auth.use((a) => a.completeActions(t.slug, failed.action_token, {}))
        const claims = yield* SigningKeys.use((k) => k.verify("access", pair.access_token))
        expect(claims.sub).toBe(id)
      })
    )

    it.effect(
      "configure_mfa: TOTP enrolled with the action token, then the exchange opens an MFA-verified session",
      () =>
        Effect.gen(function* () {
          const t = yield* onboardWithAdmin(`ra-totp-${dialect}`)
          const id = yield* student(t, "totp@ra.example.edu")
          yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_required_user_types", ["student"])).pipe(
            Effect.provide(testActor)
          )
          const r = yield* login(t, "totp@ra.example.edu")
          if (r.status !== "actions_required") throw new Error("expected actions_required")
          const started = yield* Mfa.use((m) => m.actionTotpStart(t.slug, r.action_token, {}))
          expect(started.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
          const code = yield* totpAt(started.secret)
          const done = yield* Mfa.use((m) => m.actionTotpConfirm(t.slug, r.action_token, code, {}))
          expect(done.actions).toEqual([])
          expect(done.recovery_codes.length).toBe(10)
          const pair = yield* Auth.use((a) => a.completeActions(t.slug, done.action_token, {}))
          expect(pair.user.id).toBe(id)
          expect(pair.user.mfa_enabled).toBe(true)
        })
    )

    it.effect("the TOTP steps refuse an action token whose sign-in did not ask configure_mfa", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-totp-no-${dialect}`)
        const id = yield* student(t, "nototp@ra.example.edu")
        yield* setActions(t, id, ["update_password"])
        const r = yield* login(t, "nototp@ra.example.edu")
        if (r.status !== "actions_required") throw new Error("expected actions_required")
        const refused = yield* Effect.flip(Mfa.use((m) => m.actionTotpStart(t.slug, r.action_token, {})))
        expect(refused._tag).toBe("Unauthorized")
      })
    )

    it.effect("changing one's own password (…/me/password) clears update_password", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-mepw-${dialect}`)
        const id = yield* student(t, "mepw@ra.example.edu")
        yield* setActions(t, id, ["update_password", "verify_email"])
        yield* Auth.use((a) => a.changePassword(id, null, Redacted.make(PASSWORD), Redacted.make(NEW_PASSWORD))).pipe(
          inTenant(t)
        )
        const left = yield* UserAdmin.requiredActions(id).pipe(policyUse("users:read"), inTenant(t, operator))
        expect(left.actions).toEqual(["verify_email"])
      })
    )

    it.effect("an administrator's temporary reset sets update_password; a password the user chooses clears it", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-reset-${dialect}`)
        const id = yield* student(t, "reset@ra.example.edu")
        const temporary = "a temporary password from the office"
        yield* UserAdmin.resetPassword(id, Redacted.make(temporary), { temporary: true }).pipe(
          policyUse("users:write"),
          inTenant(t, operator)
        )
        const listed = yield* UserAdmin.requiredActions(id).pipe(policyUse("users:read"), inTenant(t, operator))
        expect(listed.actions).toEqual(["update_password"])
        expect(yield* login(t, "reset@ra.example.edu", temporary)).toMatchObject({
          status: "actions_required",
          actions: ["update_password"]
        })
        // The reset link's and the invitation's path (the user's own choice) clears it.
        yield* Auth.use((a) => a.resetPassword(id, Redacted.make(NEW_PASSWORD))).pipe(inTenant(t))
        expect((yield* login(t, "reset@ra.example.edu", NEW_PASSWORD)).status).toBe("authenticated")
      })
    )

    it.effect("an administrator's reset that is not temporary signs in at once and clears update_password", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-reset-kept-${dialect}`)
        const id = yield* student(t, "kept@ra.example.edu")
        yield* setActions(t, id, ["update_password"])
        yield* UserAdmin.resetPassword(id, Redacted.make(NEW_PASSWORD)).pipe(
          policyUse("users:write"),
          inTenant(t, operator)
        )
        const listed = yield* UserAdmin.requiredActions(id).pipe(policyUse("users:read"), inTenant(t, operator))
        expect(listed.actions).toEqual([])
        expect((yield* login(t, "kept@ra.example.edu", NEW_PASSWORD)).status).toBe("authenticated")
      })
    )

    it.effect("setting actions on another tenant's user is UserNotFound", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`ra-foreign-${dialect}`)
        const other = yield* onboardWithAdmin(`ra-foreign2-${dialect}`)
        const id = yield* student(other, "far@ra.example.edu")
        expect((yield* Effect.flip(setActions(t, id, ["update_password"])))._tag).toBe("UserNotFound")
        expect(
          (yield* Effect.flip(UserAdmin.requiredActions(id).pipe(policyUse("users:read"), inTenant(t, operator))))._tag
        ).toBe("UserNotFound")
      })
    )
  })
}
