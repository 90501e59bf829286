/**
 * SSO connections over HTTP (issue 19 §2): an admin registers, lists and
 * deletes a connection (the secret never answered), a teacher is refused,
 * discovery answers without credentials, and an sso_only domain's password
 * login answers 403 SsoRequired. Over RPC, the same operations, and
 * another tenant's connection is not found.
 */
import { expect, layer } from "@effect/vitest"
import { PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, loginToken, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect, Schema } from "effect"
import { generate } from "otplib"

const SLUG = "sso-http"
const T = `/api/v1/tenants/${SLUG}`
const SECRET = "sso-secret-never-answered"

/** Enrols TOTP for the holder of `token` (a password-only admin) and steps up with the next code. */
const stepUp = (slug: string, token: string) =>
  Effect.gen(function* () {
    const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
      auth: token,
      body: { password: TEST_PASSWORD }
    })
    const secret = enrol.body.secret as string
    const confirmed = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, {
      auth: token,
      body: { code: yield* Effect.promise(() => generate({ secret })) }
    })
    expect(confirmed.status, confirmed.text).toBe(200)
    const next = yield* Effect.promise(() => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }))
    const stepped = yield* call("POST", `/api/v1/tenants/${slug}/auth/step-up`, { auth: token, body: { code: next } })
    expect(stepped.status, stepped.text).toBe(200)
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `SSO connections over HTTP on ${dialect} (issue 19 §2)`,
    (it) => {
      it.scoped("admin CRUD without the secret, teacher refused, discovery, sso_only login refused", () =>
        Effect.gen(function* () {
          yield* TestServer
          const admin = yield* onboardTenant(SLUG)
          const body = {
            issuer: "https://login.microsoftonline.com/tid/v2.0",
            client_id: "c",
            client_secret: SECRET,
            scopes: ["openid", "email"],
            domains: ["staff.example"],
            provisioning: "link_only",
            sso_only: true
          }
          const put = yield* call("PUT", `${T}/sso/connections/entra`, { auth: admin, body })
          expect(put.status, put.text).toBe(200)
          expect(put.text).not.toContain(SECRET)
          const list = yield* call("GET", `${T}/sso/connections`, { auth: admin })
          expect(list.body).toMatchObject([{ name: "entra", sso_only: true }])
          expect(list.text).not.toContain(SECRET)

          const email = `t@${SLUG}.example.edu`
          const created = yield* call("POST", `${T}/users`, {
            auth: admin,
            body: { email, given_name: "T", family_name: "T", user_type: "teacher", password: TEST_PASSWORD }
          })
          expect(created.status, created.text).toBe(201)
          const teacher = yield* loginToken(SLUG, email)
          expect((yield* call("GET", `${T}/sso/connections`, { auth: teacher })).status).toBe(403)

          const found = yield* call("POST", `${T}/sso/discover`, { auth: false, body: { email: "x@staff.example" } })
          expect(found.body).toMatchObject({ connection: "entra", sso_only: true })

          const staff = yield* call("POST", `${T}/users`, {
            auth: admin,
            body: {
              email: "s@staff.example",
              given_name: "S",
              family_name: "S",
              user_type: "teacher",
              password: TEST_PASSWORD
            }
          })
          expect(staff.status, staff.text).toBe(201)
          const login = yield* call("POST", `${T}/auth/login`, {
            auth: false,
            body: { login: "s@staff.example", password: TEST_PASSWORD }
          })
          expect(login.status, login.text).toBe(403)
          expect(login.text).toContain("SsoRequired")

          expect((yield* call("DELETE", `${T}/sso/connections/entra`, { auth: admin })).status).toBe(204)
          expect((yield* call("GET", `${T}/sso/connections/entra`, { auth: admin })).status).toBe(404)
        })
      )

      it.scoped("an attribute mapping naming an unknown role answers 400 problem+json and stores nothing", () =>
        Effect.gen(function* () {
          yield* TestServer
          const admin = yield* onboardTenant("sso-map-http")
          const path = "/api/v1/tenants/sso-map-http/sso/connections/google"
          const body = (role: string) => ({
            issuer: "https://accounts.google.com",
            client_id: "c",
            client_secret: SECRET,
            scopes: ["openid", "email"],
            domains: ["map.example"],
            provisioning: "jit",
            attribute_mapping: { roles: { claim: "groups", values: [{ value: "staff", roles: [role] }] } }
          })
          const refused = yield* call("PUT", path, { auth: admin, body: body("no-such-role") })
          expect(refused.status, refused.text).toBe(400)
          expect(refused.headers.get("content-type")).toContain("application/problem+json")
          expect(refused.text).toContain('no role \\"no-such-role\\"')
          expect((yield* call("GET", path, { auth: admin })).status).toBe(404)
          const saved = yield* call("PUT", path, { auth: admin, body: body("teacher") })
          expect(saved.status, saved.text).toBe(200)
          expect(saved.body).toMatchObject({ attribute_mapping: { roles: { claim: "groups", sync: "on_create" } } })
        })
      )

      it.scoped(
        "over RPC: put, list, get, delete a connection; another tenant's GetSsoConnection fails not found",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            const rpcA = yield* makeRpcClient({ baseUrl: server.url, token: yield* onboardTenant("sso-rpc-a") })
            const rpcB = yield* makeRpcClient({ baseUrl: server.url, token: yield* onboardTenant("sso-rpc-b") })
            const input = Schema.decodeUnknownSync(PutSsoConnection)({
              issuer: "https://accounts.google.com",
              client_id: "c",
              client_secret: SECRET,
              scopes: ["openid", "email"],
              domains: ["rpc.example"],
              provisioning: "jit"
            })
            const put = yield* rpcA.PutSsoConnection({ connection: "google", input })
            expect(put).toMatchObject({ name: "google", domains: ["rpc.example"] })
            expect(JSON.stringify(put)).not.toContain(SECRET)
            expect((yield* rpcA.ListSsoConnections()).map((c) => c.name)).toEqual(["google"])
            expect((yield* rpcA.GetSsoConnection({ connection: "google" })).provisioning).toBe("jit")
            const other = yield* Effect.flip(rpcB.GetSsoConnection({ connection: "google" }))
            expect(other._tag).toBe("SsoConnectionNotFound")
            yield* rpcA.DeleteSsoConnection({ connection: "google" })
            expect(yield* rpcA.ListSsoConnections()).toEqual([])
          })
      )

      it.scoped(
        "over RPC: the SSO-only policy — refused on without a break-glass account, then on; the last break-glass account cannot be unmarked; another tenant's user is not found",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            const token = yield* onboardTenant("sso-rpc-pol")
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token })
            yield* onboardTenant("sso-rpc-pol-b")
            const stranger = yield* call("GET", "/api/v1/tenants/sso-rpc-pol-b/users")
            const strangerId = stranger.body.items[0].id as string
            const input = Schema.decodeUnknownSync(PutSsoConnection)({
              issuer: "https://accounts.google.com",
              client_id: "c",
              client_secret: SECRET,
              scopes: ["openid", "email"],
              domains: ["pol.example"],
              provisioning: "jit"
            })
            yield* rpc.PutSsoConnection({ connection: "google", input })
            expect(yield* rpc.GetSsoPolicy()).toMatchObject({ sso_only: false, break_glass: [] })
            // A password-only admin has no fresh MFA step-up: the policy decides who signs in.
            expect((yield* Effect.flip(rpc.PutSsoPolicy({ sso_only: false })))._tag).toBe("Forbidden")
            yield* stepUp("sso-rpc-pol", token)
            expect((yield* Effect.flip(rpc.PutSsoPolicy({ sso_only: true })))._tag).toBe("Conflict")
            const admins = yield* call("GET", "/api/v1/tenants/sso-rpc-pol/users")
            const adminId = admins.body.items[0].id as string
            const marked = yield* rpc.MarkBreakGlass({ user_id: adminId })
            expect(marked.break_glass.map((b) => b.user_id)).toEqual([adminId])
            expect((yield* rpc.PutSsoPolicy({ sso_only: true })).sso_only).toBe(true)
            expect((yield* Effect.flip(rpc.UnmarkBreakGlass({ user_id: adminId })))._tag).toBe("Conflict")
            expect((yield* Effect.flip(rpc.MarkBreakGlass({ user_id: strangerId })))._tag).toBe("UserNotFound")
            expect((yield* rpc.GetSsoPolicy()).sso_only).toBe(true)
          })
      )
    }
  )
}
