import { expect, layer } from "@effect/vitest"
import { PutPlatformCredential } from "@signet/contracts/integrations/OAuthDomain"
import { CurrentActor as CurrentActorTag } from "@signet/contracts/kernel/Context"
import { Auth, Events, OAuthAdmin, OAuthBindings } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { Effect, Exit, Redacted, Schema } from "effect"
import { testCore, user } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

const REDIRECT = "http://127.0.0.1/oauth/callback"
const CLIENT = OAUTH_TEST_CLIENT

const oauthServer = oauthTestServer([REDIRECT])
const browse = (url: string) => followRedirects(url, REDIRECT)

/** The provider's userinfo for `token`: its status. */
const userinfo = (issuer: string, token: string) =>
  Effect.promise(() => fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status))

const credential = (issuer: string, scopes = ["openid", "offline_access"]) =>
  Schema.decodeUnknownSync(PutPlatformCredential)({ issuer, ...CLIENT, scopes })

const USER = "01900000-0000-7000-8000-00000000a11c"

/** Registers the credential "lms" and binds USER through the browser; answers the callback URL used. */
const bind = (issuer: string) =>
  Effect.gen(function* () {
    const o = yield* OAuthBindings
    yield* o.configure({ allowHttpLoopback: true })
    yield* o.putCredential("lms", credential(issuer))
    const started = yield* o.start(USER, "lms", REDIRECT)
    const callback = yield* browse(started.authorization_url)
    const binding = yield* o.complete(callback)
    return { callback, binding }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`OAuth bindings on ${dialect}`, (it) => {
    it.scoped(
      "the authorization-code flow binds the user: an active binding whose access token the provider accepts",
      () =>
        Effect.gen(function* () {
          const { state } = yield* oauthServer
          yield* inFreshTenant(
            "oab-bind",
            Effect.gen(function* () {
              const { binding } = yield* bind(state.issuer)
              expect(binding).toMatchObject({ provider: "lms", user_id: USER, subject: "alice", status: "active" })
              expect(binding.has_refresh_token).toBe(true)
              const token = yield* OAuthBindings.use((o) => o.accessToken(USER, "lms"))
              expect(yield* userinfo(state.issuer, Redacted.value(token))).toBe(200)
            })
          )
        })
    )

    it.scoped("a callback's state works once: the same redirect again, or a made-up state, is refused", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        yield* inFreshTenant(
          "oab-once",
          Effect.gen(function* () {
            const { callback } = yield* bind(state.issuer)
            const again = yield* Effect.exit(OAuthBindings.use((o) => o.complete(callback)))
            expect(again).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "OAuthStateInvalid" })))
            const forged = `${REDIRECT}?code=x&state=made-up`
            const made = yield* Effect.exit(OAuthBindings.use((o) => o.complete(forged)))
            expect(Exit.isFailure(made) && JSON.stringify(made.cause)).toContain("OAuthStateInvalid")
          })
        )
      })
    )

    it.scoped("another tenant cannot complete a tenant's binding request", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        const started = yield* inFreshTenant(
          "oab-home",
          Effect.gen(function* () {
            const o = yield* OAuthBindings
            yield* o.configure({ allowHttpLoopback: true })
            yield* o.putCredential("lms", credential(state.issuer))
            return yield* o.start(USER, "lms", REDIRECT)
          })
        )
        const callback = yield* browse(started.authorization_url)
        const elsewhere = yield* inFreshTenant("oab-away", Effect.exit(OAuthBindings.use((o) => o.complete(callback))))
        expect(Exit.isFailure(elsewhere) && JSON.stringify(elsewhere.cause)).toContain("OAuthStateInvalid")
      })
    )

    it.scoped("an access token about to expire is refreshed before it is handed out", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        state.accessTtl = 30
        yield* inFreshTenant(
          "oab-refresh",
          Effect.gen(function* () {
            yield* bind(state.issuer)
            state.accessTtl = 3600
            const token = yield* OAuthBindings.use((o) => o.accessToken(USER, "lms"))
            const binding = yield* OAuthBindings.use((o) => o.getBinding(USER, "lms"))
            expect(binding.refreshed_at).not.toBeNull()
            expect(yield* userinfo(state.issuer, Redacted.value(token))).toBe(200)
          })
        )
      })
    )

    it.scoped("the refresh job's round refreshes the tenant's tokens that expire within 15 minutes", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        state.accessTtl = 300
        yield* inFreshTenant(
          "oab-job",
          Effect.gen(function* () {
            yield* bind(state.issuer)
            const round = yield* OAuthBindings.use((o) => o.refreshDue)
            expect(round).toEqual({ refreshed: 1, failed: 0 })
          })
        )
      })
    )

    it.scoped("unbinding revokes the grant at the provider and removes the binding", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        state.accessTtl = 3600
        yield* inFreshTenant(
          "oab-unbind",
          Effect.gen(function* () {
            yield* bind(state.issuer)
            const token = Redacted.value(yield* OAuthBindings.use((o) => o.accessToken(USER, "lms")))
            yield* OAuthBindings.use((o) => o.unbind(USER, "lms"))
            expect(yield* userinfo(state.issuer, token)).toBe(401)
            const gone = yield* Effect.exit(OAuthBindings.use((o) => o.getBinding(USER, "lms")))
            expect(Exit.isFailure(gone) && JSON.stringify(gone.cause)).toContain("OAuthBindingNotFound")
          })
        )
      })
    )

    it.scoped("another user's access token needs oauth:use: a user without it is refused", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        yield* inFreshTenant(
          "oab-perm",
          Effect.gen(function* () {
            yield* bind(state.issuer)
            const other = { kind: "user", id: "01900000-0000-7000-8000-0000000000b0" } as const
            const refused = yield* Effect.exit(
              OAuthAdmin.accessToken(USER, "lms").pipe(Effect.provideService(CurrentActorTag, other))
            )
            expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("oauth:use")
          })
        )
      })
    )

    it.scoped("a deleted user's bindings are revoked and removed (event signet.user.deleted)", () =>
      Effect.gen(function* () {
        const { state } = yield* oauthServer
        yield* inFreshTenant(
          "oab-gone",
          Effect.gen(function* () {
            const o = yield* OAuthBindings
            yield* o.configure({ allowHttpLoopback: true })
            yield* o.putCredential("lms", credential(state.issuer))
            const someone = yield* user("gone@oab.example.edu", "teacher")
            const started = yield* o.start(someone.id, "lms", REDIRECT)
            yield* o.complete(yield* browse(started.authorization_url))
            const token = Redacted.value(yield* o.accessToken(someone.id, "lms"))
            yield* Auth.use((a) => a.deleteUser(someone.id))
            const events = yield* Events
            while ((yield* events.dispatchOnce) > 0);
            expect(yield* o.listBindings(someone.id)).toEqual([])
            expect(yield* userinfo(state.issuer, token)).toBe(401)
          })
        )
      })
    )

    it.effect(
      "an issuer that is plain http off loopback, or http at all by default, is refused and nothing stored",
      () =>
        inFreshTenant(
          "oab-issuer",
          Effect.gen(function* () {
            const o = yield* OAuthBindings
            yield* o.configure({ allowHttpLoopback: false })
            for (const issuer of ["http://127.0.0.1:9/", "http://idp.example.org", "https://u:p@idp.example.org"]) {
              const refused = yield* Effect.exit(o.putCredential("lms", credential(issuer)))
              expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("ValidationError")
            }
            expect(yield* o.listCredentials).toEqual([])
          })
        )
    )
  })
}
