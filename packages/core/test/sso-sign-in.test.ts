/**
 * Signing in through an SSO connection (issue 19 §2) against a real OpenID
 * Connect IdP on loopback (`oidc-provider`): the code flow with PKCE, state
 * and nonce through `openid-client`; who is admitted (verified e-mail in the
 * connection's domains), who signs in (linked subject, matching e-mail, or a
 * `jit` user), and what is refused and changes nothing.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Auth, Db, policyUse, SsoConnections, SsoSignIn, Tenancy, UserAdmin, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { Effect, Exit, Schema } from "effect"
import { testCore, user } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

const REDIRECT = "http://127.0.0.1/sso/callback"
const CLIENT = { ip: "203.0.113.9", userAgent: "test" }
const idp = oauthTestServer([REDIRECT])

type Idp = Effect.Effect.Success<typeof idp>["state"]

/** Registers the connection "idp" (domain school.example) at the test IdP. */
const connect = (issuer: string, extra: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const c = yield* SsoConnections
    yield* c.configure({ allowHttpLoopback: true })
    yield* c.put(
      "idp",
      Schema.decodeUnknownSync(PutSsoConnection)({
        issuer,
        ...OAUTH_TEST_CLIENT,
        scopes: ["openid", "email", "profile"],
        domains: ["school.example"],
        provisioning: "jit",
        ...extra
      })
    )
  })

/** Signs `sub` (with `claims`) in at the IdP and back; answers the callback URL. */
const throughIdp = (state: Idp, sub: string, claims: Record<string, unknown>) =>
  Effect.gen(function* () {
    state.accountId = sub
    state.claims = claims
    const slug = (yield* CurrentTenant).slug
    const started = yield* SsoSignIn.use((s) => s.start(slug, { connection: "idp", redirect_uri: REDIRECT }, CLIENT))
    return yield* followRedirects(started.authorization_url, REDIRECT)
  })

/** A whole sign-in: the IdP, then `complete` (its exit). */
const signIn = (state: Idp, sub: string, claims: Record<string, unknown>) =>
  Effect.gen(function* () {
    const callback = yield* throughIdp(state, sub, claims)
    const slug = (yield* CurrentTenant).slug
    return yield* Effect.exit(SsoSignIn.use((s) => s.complete(slug, callback, CLIENT)))
  })

const verified = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  email_verified: true,
  given_name: "Ada",
  family_name: "Lovelace",
  ...extra
})

const refusedWith = (exit: Exit.Exit<unknown, unknown>, reason: string) =>
  expect(exit).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "SsoSignInRefused", reason })))

const countUsers = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Db.tenantTx(sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM users`)
).pipe(Effect.map((r) => Number(r[0]!.n)))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SSO sign-in on ${dialect} (issue 19 §2)`, (it) => {
    it.scoped("a jit connection creates an unknown person as its default user type and opens their session", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-jit",
          Effect.gen(function* () {
            yield* connect(state.issuer)
            const exit = yield* signIn(state, "ada-sub", verified("Ada@School.example"))
            expect(Exit.isSuccess(exit), JSON.stringify(exit)).toBe(true)
            const { tokens, return_to } = Exit.isSuccess(exit) ? exit.value : (undefined as never)
            expect(tokens.user).toMatchObject({
              email: "Ada@School.example",
              given_name: "Ada",
              family_name: "Lovelace",
              user_type: "teacher"
            })
            expect(return_to).toBeNull()
            const claims = yield* Auth.use((a) => a.validateToken(tokens.access_token))
            expect(claims.sub).toBe(tokens.user.id)
          })
        )
      })
    )

    it.scoped("an existing user is matched by the verified e-mail, and later by the IdP's subject", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-match",
          Effect.gen(function* () {
            const existing = yield* user("grace@school.example", "teacher")
            yield* connect(state.issuer, { provisioning: "link_only" })
            const first = yield* signIn(state, "grace-sub", verified("grace@school.example"))
            expect(Exit.isSuccess(first) && first.value.tokens.user.id).toBe(existing.id)
            // The address changed at the IdP: the link by subject still finds her.
            const second = yield* signIn(state, "grace-sub", verified("grace.hopper@school.example"))
            expect(Exit.isSuccess(second) && second.value.tokens.user.id).toBe(existing.id)
          })
        )
      })
    )

    it.scoped("linking by e-mail and unlinking are audited; after unlinking, the e-mail links again", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-audit",
          Effect.gen(function* () {
            const existing = yield* user("rosa@school.example", "teacher")
            yield* connect(state.issuer, { provisioning: "link_only" })
            yield* signIn(state, "rosa-sub", verified("rosa@school.example"))
            yield* signIn(state, "rosa-sub", verified("rosa@school.example"))
            yield* SsoSignIn.use((s) => s.unlink(existing.id, "idp"))
            const again = yield* signIn(state, "rosa-sub", verified("rosa@school.example"))
            expect(Exit.isSuccess(again) && again.value.tokens.user.id).toBe(existing.id)
            const sql = yield* SqlClient.SqlClient
            const actions = yield* Db.tenantTx(
              sql<{ action: string }>`SELECT action FROM audit_logs WHERE target_id = ${existing.id}
                AND action LIKE 'sso.identity.%' ORDER BY seq`
            )
            expect(actions.map((a) => a.action)).toEqual([
              "sso.identity.linked",
              "sso.identity.unlinked",
              "sso.identity.linked"
            ])
            const links = yield* SsoSignIn.use((s) => s.identitiesOf(existing.id))
            expect(links).toMatchObject([{ connection: "idp", subject: "rosa-sub" }])
          })
        )
      })
    )

    it.scoped("a link_only connection refuses a person without an account, and creates nobody", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-linkonly",
          Effect.gen(function* () {
            yield* connect(state.issuer, { provisioning: "link_only" })
            const before = yield* countUsers
            refusedWith(yield* signIn(state, "eve-sub", verified("eve@school.example")), "no_account")
            expect(yield* countUsers).toBe(before)
          })
        )
      })
    )

    it.scoped("an e-mail the IdP has not verified is refused, even of an existing user", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-unverified",
          Effect.gen(function* () {
            yield* user("alan@school.example", "teacher")
            yield* connect(state.issuer)
            const exit = yield* signIn(state, "mallory", verified("alan@school.example", { email_verified: false }))
            refusedWith(exit, "email_unverified")
          })
        )
      })
    )

    it.scoped("Entra ID's xms_edov stands for email_verified", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-entra",
          Effect.gen(function* () {
            yield* connect(state.issuer)
            const exit = yield* signIn(state, "entra-oid", { email: "lin@school.example", xms_edov: true })
            expect(Exit.isSuccess(exit) && exit.value.tokens.user.email).toBe("lin@school.example")
          })
        )
      })
    )

    it.scoped("an e-mail outside the connection's domains is refused", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-domain",
          Effect.gen(function* () {
            yield* user("admin@other.example", "admin")
            yield* connect(state.issuer)
            refusedWith(yield* signIn(state, "x-sub", verified("admin@other.example")), "domain_not_served")
          })
        )
      })
    )

    it.scoped("an IdP whose discovery names another issuer than the connection's is refused (mix-up)", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-issuer",
          Effect.gen(function* () {
            // The same server under another name: its metadata says 127.0.0.1, the connection localhost.
            yield* connect(state.issuer.replace("127.0.0.1", "localhost"))
            const slug = (yield* CurrentTenant).slug
            const exit = yield* Effect.exit(
              SsoSignIn.use((s) => s.start(slug, { connection: "idp", redirect_uri: REDIRECT }, CLIENT))
            )
            // openid-client compares the metadata's `issuer` with the one asked for (RFC 8414 §3.3).
            expect(exit).toStrictEqual(
              Exit.fail(
                expect.objectContaining({
                  _tag: "OAuthProviderError",
                  reason: "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED"
                })
              )
            )
            const sql = yield* SqlClient.SqlClient
            const pending = yield* Db.tenantTx(
              sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM sso_sign_in_states`
            )
            expect(Number(pending[0]!.n)).toBe(0)
          })
        )
      })
    )

    it.scoped("a disabled account is refused", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-disabled",
          Effect.gen(function* () {
            const u = yield* user("ken@school.example", "teacher")
            yield* Auth.use((a) => a.disableUser(u.id as UserId))
            yield* connect(state.issuer)
            refusedWith(yield* signIn(state, "ken-sub", verified("ken@school.example")), "account_disabled")
          })
        )
      })
    )

    it.scoped("a callback works once: the same redirect again is refused", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-once",
          Effect.gen(function* () {
            yield* connect(state.issuer)
            const callback = yield* throughIdp(state, "ada-sub", verified("ada@school.example"))
            const slug = (yield* CurrentTenant).slug
            const first = yield* Effect.exit(SsoSignIn.use((s) => s.complete(slug, callback, CLIENT)))
            expect(Exit.isSuccess(first)).toBe(true)
            const again = yield* Effect.exit(SsoSignIn.use((s) => s.complete(slug, callback, CLIENT)))
            expect(again).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "OAuthStateInvalid" })))
          })
        )
      })
    )

    it.scoped("another tenant cannot complete a tenant's sign-in", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        const callback = yield* inFreshTenant(
          "sso-home",
          Effect.zipRight(connect(state.issuer), throughIdp(state, "ada-sub", verified("ada@school.example")))
        )
        const away = yield* inFreshTenant(
          "sso-away",
          Effect.gen(function* () {
            yield* connect(state.issuer)
            const slug = (yield* CurrentTenant).slug
            return yield* Effect.exit(SsoSignIn.use((s) => s.complete(slug, callback, CLIENT)))
          })
        )
        expect(away).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "OAuthStateInvalid" })))
      })
    )

    it.scoped("issue 18: a tenant requiring MFA of teachers stops an SSO sign-in without IdP MFA, no session", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-actions",
          Effect.gen(function* () {
            const existing = yield* user("mary@school.example", "teacher")
            yield* connect(state.issuer, { provisioning: "link_only" })
            const slug = (yield* CurrentTenant).slug
            yield* Tenancy.use((x) => x.putSetting(slug, "auth.mfa_required_user_types", ["teacher"]))
            const exit = yield* signIn(state, "mary-sub", verified("mary@school.example"))
            expect(exit).toStrictEqual(
              Exit.fail(
                expect.objectContaining({
                  _tag: "SignInActionsRequired",
                  actions: ["configure_mfa"],
                  action_token: expect.any(String)
                })
              )
            )
            const sql = yield* SqlClient.SqlClient
            const rows = yield* Db.tenantTx(
              sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM user_sessions WHERE user_id = ${existing.id}`
            ).pipe(Effect.orDie)
            expect(Number(rows[0]!.n)).toBe(0)
          })
        )
      })
    )

    it.scoped("issue 18: update_password is not asked of an SSO sign-in (the IdP owns the credential)", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-actions-pw",
          Effect.gen(function* () {
            const existing = yield* user("joan@school.example", "teacher")
            yield* connect(state.issuer, { provisioning: "link_only" })
            yield* UserAdmin.setRequiredActions(existing.id as UserId, ["update_password"]).pipe(
              policyUse("users:write")
            )
            const exit = yield* signIn(state, "joan-sub", verified("joan@school.example"))
            expect(Exit.isSuccess(exit) && exit.value.tokens.user.id).toBe(existing.id)
            // The action stays for a password sign-in.
            const left = yield* UserAdmin.requiredActions(existing.id as UserId).pipe(policyUse("users:read"))
            expect(left.actions).toEqual(["update_password"])
          })
        )
      })
    )

    it.scoped("a return path must be a path of this server", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "sso-return",
          Effect.gen(function* () {
            yield* connect(state.issuer)
            const slug = (yield* CurrentTenant).slug
            const start = (return_to: string) =>
              Effect.exit(
                SsoSignIn.use((s) => s.start(slug, { connection: "idp", redirect_uri: REDIRECT, return_to }, CLIENT))
              )
            for (const bad of ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
              expect(yield* start(bad)).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "ValidationError" })))
            expect(Exit.isSuccess(yield* start(`/t/${slug}/teacher`))).toBe(true)
          })
        )
      })
    )
  })
}
