/**
 * Issue 18: required actions enforced at sign-in, over REST and RPC —
 * admin-set actions (`PUT …/users/{id}/required-actions`), the
 * `actions_required` login answer, the action token's steps
 * (`…/auth/actions/password`, `…/auth/actions/totp[/confirm]`,
 * `…/auth/actions/email-verification`, `…/auth/actions/complete`), tenant policy.
 */
import { expect, layer } from "@effect/vitest"
import { UserId } from "@signet/contracts/identity/Domain"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"
import { generate } from "otplib"

const NEW_PASSWORD = "a brand new passphrase for sure"

/** Creates a student with {@link TEST_PASSWORD} in `slug` (as the operator); answers their id. */
const student = (slug: string, email: string) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/users`, {
      body: { email, given_name: "S", family_name: "T", user_type: "student", password: TEST_PASSWORD }
    }),
    (r) => {
      expect(r.status, r.text).toBe(201)
      return r.body.id as string
    }
  )

const login = (slug: string, email: string, password = TEST_PASSWORD) =>
  call("POST", `/api/v1/tenants/${slug}/auth/login`, { auth: false, body: { login: email, password } })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `required actions over HTTP on ${dialect}`,
    (it) => {
      it.effect("admin-set update_password: no tokens until the new password; then tokens, list cleared", () =>
        Effect.gen(function* () {
          const slug = "rah-pw"
          const admin = yield* onboardTenant(slug)
          const id = yield* student(slug, "pw@rah.example.edu")
          const set = yield* call("PUT", `/api/v1/tenants/${slug}/users/${id}/required-actions`, {
            auth: admin,
            body: { actions: ["update_password"] }
          })
          expect(set.status, set.text).toBe(200)
          expect(set.body).toEqual({ user_id: id, actions: ["update_password"] })
          const first = yield* login(slug, "pw@rah.example.edu")
          expect(first.status).toBe(200)
          expect(first.body).toMatchObject({
            status: "actions_required",
            actions: ["update_password"],
            expires_in: 600
          })
          expect(first.body.tokens).toBeUndefined()
          const actionToken = first.body.action_token as string
          // The action token is not an access token.
          expectProblem(yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: actionToken }), 401)
          const early = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/complete`, {
            auth: false,
            body: { action_token: actionToken }
          })
          expect(expectProblem(early, 409).code).toBeDefined()
          const weak = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/password`, {
            auth: false,
            body: { action_token: actionToken, new_password: "short" }
          })
          expectProblem(weak, 400)
          const done = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/password`, {
            auth: false,
            body: { action_token: actionToken, new_password: NEW_PASSWORD }
          })
          expect(done.status, done.text).toBe(200)
          expect(done.body.actions).toEqual([])
          const tokens = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/complete`, {
            auth: false,
            body: { action_token: done.body.action_token }
          })
          expect(tokens.status, tokens.text).toBe(200)
          expect(tokens.body.user.id).toBe(id)
          const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: tokens.body.access_token })
          expect(me.status).toBe(200)
          const listed = yield* call("GET", `/api/v1/tenants/${slug}/users/${id}/required-actions`, { auth: admin })
          expect(listed.body.actions).toEqual([])
          // Replaying the exchanged action token is a 401.
          const replay = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/complete`, {
            auth: false,
            body: { action_token: done.body.action_token }
          })
          expectProblem(replay, 401)
          expect((yield* login(slug, "pw@rah.example.edu", NEW_PASSWORD)).body.status).toBe("authenticated")
        })
      )

      it.effect("a user with no pending action gets tokens exactly as before", () =>
        Effect.gen(function* () {
          const slug = "rah-none"
          yield* onboardTenant(slug)
          yield* student(slug, "none@rah.example.edu")
          const r = yield* login(slug, "none@rah.example.edu")
          expect(r.status).toBe(200)
          expect(Object.keys(r.body).sort()).toEqual(["status", "tokens"])
          expect(r.body.status).toBe("authenticated")
        })
      )

      it.effect("a tenant requiring verified e-mail answers verify_email for an unverified user", () =>
        Effect.gen(function* () {
          const slug = "rah-verify"
          yield* onboardTenant(slug)
          yield* student(slug, "unverified@rah.example.edu")
          const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.require_verified_email`, {
            body: { value: true }
          })
          expect(put.status, put.text).toBe(200)
          const r = yield* login(slug, "unverified@rah.example.edu")
          expect(r.body).toMatchObject({ status: "actions_required", actions: ["verify_email"] })
        })
      )

      it.effect("configure_mfa over REST: TOTP enrolled with the action token, then the session", () =>
        Effect.gen(function* () {
          const slug = "rah-totp"
          yield* onboardTenant(slug)
          const id = yield* student(slug, "totp@rah.example.edu")
          const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.mfa_required_user_types`, {
            body: { value: ["student"] }
          })
          expect(put.status, put.text).toBe(200)
          const r = yield* login(slug, "totp@rah.example.edu")
          expect(r.body).toMatchObject({ status: "actions_required", actions: ["configure_mfa"] })
          const action_token = r.body.action_token as string
          // verify_email is not pending: the mail step refuses this token.
          const noMail = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/email-verification`, {
            auth: false,
            body: { action_token }
          })
          expectProblem(noMail, 401)
          const started = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/totp`, {
            auth: false,
            body: { action_token }
          })
          expect(started.status, started.text).toBe(200)
          expect(started.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
          const wrong = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/totp/confirm`, {
            auth: false,
            body: { action_token, code: "12345" }
          })
          expectProblem(wrong, 400)
          const code = yield* Effect.promise(() => generate({ secret: started.body.secret as string }))
          const done = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/totp/confirm`, {
            auth: false,
            body: { action_token, code }
          })
          expect(done.status, done.text).toBe(200)
          expect(done.body.actions).toEqual([])
          expect(done.body.recovery_codes).toHaveLength(10)
          const tokens = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/complete`, {
            auth: false,
            body: { action_token: done.body.action_token }
          })
          expect(tokens.status, tokens.text).toBe(200)
          expect(tokens.body.user).toMatchObject({ id, mfa_enabled: true })
        })
      )

      it.effect("verify_email over REST: the action token asks for the verification mail (202)", () =>
        Effect.gen(function* () {
          const slug = "rah-mail"
          yield* onboardTenant(slug)
          yield* student(slug, "mail@rah.example.edu")
          yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.require_verified_email`, { body: { value: true } })
          const r = yield* login(slug, "mail@rah.example.edu")
          expect(r.body).toMatchObject({ status: "actions_required", actions: ["verify_email"] })
          const sent = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/email-verification`, {
            auth: false,
            body: { action_token: r.body.action_token }
          })
          expect(sent.status, sent.text).toBe(202)
          // The TOTP step refuses a token whose sign-in did not ask configure_mfa.
          const noTotp = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/totp`, {
            auth: false,
            body: { action_token: r.body.action_token }
          })
          expectProblem(noTotp, 401)
        })
      )

      it.effect("an admin-set temporary password sets update_password; …/me/password clears the action", () =>
        Effect.gen(function* () {
          const slug = "rah-temp"
          const admin = yield* onboardTenant(slug)
          const id = yield* student(slug, "temp@rah.example.edu")
          const session = (yield* login(slug, "temp@rah.example.edu")).body.tokens.access_token as string
          const reset = yield* call("POST", `/api/v1/tenants/${slug}/users/${id}/password`, {
            body: { new_password: NEW_PASSWORD, temporary: true }
          })
          expect(reset.status, reset.text).toBe(200)
          const listed = yield* call("GET", `/api/v1/tenants/${slug}/users/${id}/required-actions`, { auth: admin })
          expect(listed.body.actions).toEqual(["update_password"])
          expect((yield* login(slug, "temp@rah.example.edu", NEW_PASSWORD)).body).toMatchObject({
            status: "actions_required",
            actions: ["update_password"]
          })
          // The reset revoked the old session; a fresh one (action cleared by the admin, set again) changes its own.
          expectProblem(yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: session }), 401)
          yield* call("PUT", `/api/v1/tenants/${slug}/users/${id}/required-actions`, {
            auth: admin,
            body: { actions: [] }
          })
          const fresh = (yield* login(slug, "temp@rah.example.edu", NEW_PASSWORD)).body.tokens.access_token as string
          yield* call("PUT", `/api/v1/tenants/${slug}/users/${id}/required-actions`, {
            auth: admin,
            body: { actions: ["update_password"] }
          })
          const changed = yield* call("POST", `/api/v1/tenants/${slug}/me/password`, {
            auth: fresh,
            body: { current_password: NEW_PASSWORD, new_password: "my very own passphrase now" }
          })
          expect(changed.status, changed.text).toBe(200)
          const after = yield* call("GET", `/api/v1/tenants/${slug}/users/${id}/required-actions`, { auth: admin })
          expect(after.body.actions).toEqual([])
        })
      )

      it.effect("setting actions on another tenant's user is a 404; a student may not set them (403)", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("rah-home")
          yield* onboardTenant("rah-away")
          const far = yield* student("rah-away", "far@rah.example.edu")
          const foreign = yield* call("PUT", `/api/v1/tenants/rah-home/users/${far}/required-actions`, {
            auth: admin,
            body: { actions: ["update_password"] }
          })
          expectProblem(foreign, 404)
          const near = yield* student("rah-home", "near@rah.example.edu")
          const asStudent = (yield* login("rah-home", "near@rah.example.edu")).body.tokens.access_token
          const refused = yield* call("PUT", `/api/v1/tenants/rah-home/users/${near}/required-actions`, {
            auth: asStudent,
            body: { actions: [] }
          })
          expectProblem(refused, 403)
          const bad = yield* call("PUT", `/api/v1/tenants/rah-home/users/${near}/required-actions`, {
            auth: admin,
            body: { actions: ["dance"] }
          })
          expectProblem(bad, 400)
        })
      )

      it.effect("over RPC: SetUserRequiredActions, Login, ActionPassword, CompleteActions", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const slug = "rah-rpc"
          yield* onboardTenant(slug)
          const id = yield* student(slug, "rpc@rah.example.edu")
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token, tenant: slug })
          const set = yield* rpc.SetUserRequiredActions({ user_id: UserId.make(id), actions: ["update_password"] })
          expect(set.actions).toEqual(["update_password"])
          expect((yield* rpc.GetUserRequiredActions({ user_id: UserId.make(id) })).actions).toEqual(["update_password"])
          const r = yield* rpc.Login({
            tenant: slug,
            request: { login: "rpc@rah.example.edu", password: Redacted.make(TEST_PASSWORD) }
          })
          if (r.status !== "actions_required") throw new Error(`expected actions_required, got ${r.status}`)
          const pending = yield* Effect.flip(rpc.CompleteActions({ tenant: slug, action_token: r.action_token }))
          expect(pending._tag).toBe("ActionsPending")
          const progress = yield* rpc.ActionPassword({
            tenant: slug,
            request: { action_token: r.action_token, new_password: Redacted.make(NEW_PASSWORD) }
          })
          expect(progress.actions).toEqual([])
          const pair = yield* rpc.CompleteActions({ tenant: slug, action_token: progress.action_token })
          expect(pair.user.id).toBe(id)
        }).pipe(Effect.scoped)
      )

      it.effect("over RPC: ActionEmailVerification, ActionTotpStart, ActionTotpConfirm", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const slug = "rah-rpc2"
          yield* onboardTenant(slug)
          const id = yield* student(slug, "rpc2@rah.example.edu")
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token, tenant: slug })
          yield* rpc.SetUserRequiredActions({ user_id: UserId.make(id), actions: ["verify_email", "configure_mfa"] })
          const r = yield* rpc.Login({
            tenant: slug,
            request: { login: "rpc2@rah.example.edu", password: Redacted.make(TEST_PASSWORD) }
          })
          if (r.status !== "actions_required") throw new Error(`expected actions_required, got ${r.status}`)
          expect(r.actions).toEqual(["verify_email", "configure_mfa"])
          const sent = yield* rpc.ActionEmailVerification({ tenant: slug, action_token: r.action_token })
          expect(sent.message).toContain("verification")
          const started = yield* rpc.ActionTotpStart({ tenant: slug, action_token: r.action_token })
          const code = yield* Effect.promise(() => generate({ secret: started.secret }))
          const done = yield* rpc.ActionTotpConfirm({ tenant: slug, request: { action_token: r.action_token, code } })
          expect(done.actions).toEqual(["verify_email"])
          expect(done.recovery_codes).toHaveLength(10)
        }).pipe(Effect.scoped)
      )
    }
  )
}
