import { expect, layer } from "@effect/vitest"
import { Operators } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"
import * as Jose from "jose"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"

const onboard = (slug: string) =>
  call("POST", "/api/v1/tenants", {
    body: {
      slug,
      name: slug,
      admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
    }
  })

const login = (slug: string, login: string, password = PASSWORD) =>
  call("POST", `/api/v1/tenants/${slug}/auth/login`, { auth: false, body: { login, password, device_label: "laptop" } })

const adminToken = (slug: string) =>
  Effect.map(login(slug, `admin@${slug}.example.edu`), (r) => {
    if (r.status !== 200) throw new Error(r.text)
    return r.body.tokens as { access_token: string; refresh_token: string; session_id: string; user: { id: string } }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Identity over HTTP on ${dialect}`,
    (it) => {
      it.effect("login, me, sessions, refresh, logout", () =>
        Effect.gen(function* () {
          expect((yield* onboard("web-alpha")).status).toBe(201)
          const t = yield* adminToken("web-alpha")
          const me = yield* call("GET", "/api/v1/tenants/web-alpha/me", { auth: t.access_token })
          expect(me.body).toMatchObject({ email: "admin@web-alpha.example.edu", user_type: "admin" })
          const sessions = yield* call("GET", "/api/v1/tenants/web-alpha/auth/sessions", { auth: t.access_token })
          expect(sessions.body).toHaveLength(1)
          expect(sessions.body[0]).toMatchObject({ device_label: "laptop", current: true, ip: "127.0.0.1" })
          const refreshed = yield* call("POST", "/api/v1/tenants/web-alpha/auth/refresh", {
            auth: false,
            body: { refresh_token: t.refresh_token }
          })
          expect(refreshed.status).toBe(200)
          const replay = yield* call("POST", "/api/v1/tenants/web-alpha/auth/refresh", {
            auth: false,
            body: { refresh_token: t.refresh_token }
          })
          expectProblem(replay, 401)
          // The replay revoked the family: the rotated pair is dead too.
          expectProblem(yield* call("GET", "/api/v1/tenants/web-alpha/me", { auth: refreshed.body.access_token }), 401)
          const t2 = yield* adminToken("web-alpha")
          expect((yield* call("POST", "/api/v1/tenants/web-alpha/auth/logout", { auth: t2.access_token })).status).toBe(
            204
          )
          expectProblem(yield* call("GET", "/api/v1/tenants/web-alpha/me", { auth: t2.access_token }), 401)
          const jwks = yield* call("GET", "/.well-known/jwks.json", { auth: false })
          expect(jwks.body.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", use: "sig", alg: "ES256" })
          expect(jwks.body.keys[0].d).toBeUndefined()
          // A tenant's JWKS: its own keys (none here) and the platform's. An unknown tenant answers the
          // platform's keys too, so the endpoint does not tell which tenants exist (issue 15 §2).
          const tenantJwks = yield* call("GET", "/api/v1/tenants/web-alpha/jwks.json", { auth: false })
          expect(tenantJwks.body.keys.map((k: any) => k.kid)).toEqual(jwks.body.keys.map((k: any) => k.kid))
          const unknown = yield* call("GET", "/api/v1/tenants/no-such-school/jwks.json", { auth: false })
          expect(unknown.status).toBe(200)
          expect(unknown.body).toEqual(tenantJwks.body)
        })
      )

      it.effect(
        "unknown user and wrong password look the same; the sixth wrong password finds the account locked",
        () =>
          Effect.gen(function* () {
            yield* onboard("web-bravo")
            const unknown = yield* login("web-bravo", "ghost@web-bravo.example.edu")
            const wrong = yield* login("web-bravo", "admin@web-bravo.example.edu", "not the password!")
            const strip = (b: any) => ({ ...b, request_id: undefined })
            expect(unknown.status).toBe(401)
            expect(strip(unknown.body)).toEqual(strip(wrong.body))
            for (let i = 0; i < 4; i++) yield* login("web-bravo", "admin@web-bravo.example.edu", "not the password!")
            const locked = yield* login("web-bravo", "admin@web-bravo.example.edu")
            expect(strip(locked.body)).toEqual(strip(wrong.body))
            const audit = yield* call("GET", "/api/v1/tenants/web-bravo/audit-logs?action=user.locked")
            expect(audit.body.items).toHaveLength(1)
            // The status filter matches the status users are shown with.
            const emails = (status: string) =>
              Effect.map(call("GET", `/api/v1/tenants/web-bravo/users?status=${status}`), (r) =>
                r.body.items.map((u: { email: string }) => u.email)
              )
            expect(yield* emails("locked")).toEqual(["admin@web-bravo.example.edu"])
            expect(yield* emails("active")).not.toContain("admin@web-bravo.example.edu")
          })
      )

      it.effect("token attacks answer 401", () =>
        Effect.gen(function* () {
          yield* onboard("web-charlie")
          const t = yield* adminToken("web-charlie")
          const [h, p, s] = t.access_token.split(".") as [string, string, string]
          const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
          const header = Jose.decodeProtectedHeader(t.access_token)
          const payload = JSON.parse(Buffer.from(p, "base64url").toString())
          const jwks = (yield* call("GET", "/.well-known/jwks.json", { auth: false })).body
          const hs = yield* Effect.promise(() =>
            new Jose.SignJWT(payload)
              .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: header.kid! })
              .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])))
          )
          for (const token of [
            `${enc({ alg: "none", typ: "at+jwt", kid: header.kid })}.${p}.`,
            hs,
            `${enc({ ...header, kid: "../../../etc/passwd" })}.${p}.${s}`,
            `${enc({ ...header, kid: "1' OR '1'='1" })}.${p}.${s}`,
            `${h}.${enc({ ...payload, aud: "other" })}.${s}`,
            `${h}.${enc({ ...payload, iss: "evil" })}.${s}`,
            `${h}.${enc({ ...payload, exp: 1 })}.${s}`,
            `${h}.${enc({ ...payload, user_type: "dev" })}.${s}`,
            t.refresh_token
          ]) {
            expectProblem(yield* call("GET", "/api/v1/tenants/web-charlie/me", { auth: token }), 401)
          }
        })
      )

      it.effect("user administration: create, list, update refuses smuggled fields, students are forbidden", () =>
        Effect.gen(function* () {
          yield* onboard("web-delta")
          const admin = yield* adminToken("web-delta")
          const created = yield* call("POST", "/api/v1/tenants/web-delta/users", {
            auth: admin.access_token,
            body: {
              email: "stu@web-delta.example.edu",
              given_name: "Stu",
              family_name: "Dent",
              user_type: "student",
              password: "student passphrase 42",
              student_number: "2026-001",
              devices: ["phone-abc"]
            }
          })
          expect(created.status).toBe(201)
          const stuId = created.body.id
          const list = yield* call("GET", "/api/v1/tenants/web-delta/users?user_type=student", {
            auth: admin.access_token
          })
          expect(list.body.items.map((u: any) => u.id)).toEqual([stuId])
          const smuggled = expectProblem(
            yield* call("PATCH", `/api/v1/tenants/web-delta/users/${stuId}`, {
              auth: admin.access_token,
              body: { given_name: "Stuart", user_type: "admin", role: "admin", tenant_id: "x" }
            }),
            400
          )
          expect(smuggled.issues.map((i: any) => i.field).sort()).toEqual(["role", "tenant_id", "user_type"])
          const unchanged = yield* call("GET", `/api/v1/tenants/web-delta/users/${stuId}`, { auth: admin.access_token })
          expect(unchanged.body).toMatchObject({ given_name: "Stu", user_type: "student" })
          const stu = (yield* login("web-delta", "stu@web-delta.example.edu", "student passphrase 42")).body.tokens
          expectProblem(yield* call("GET", "/api/v1/tenants/web-delta/users", { auth: stu.access_token }), 403)
          expect(
            (yield* call("GET", `/api/v1/tenants/web-delta/users/${stuId}`, { auth: stu.access_token })).status
          ).toBe(200)
          expectProblem(
            yield* call("GET", `/api/v1/tenants/web-delta/users/${admin.user.id}`, { auth: stu.access_token }),
            403
          )
          const pw = yield* call("POST", "/api/v1/tenants/web-delta/me/password", {
            auth: stu.access_token,
            body: { current_password: "student passphrase 42", new_password: "an even better passphrase" }
          })
          expect(pw.body).toEqual({ other_sessions_revoked: 0 })
        })
      )

      it.effect("another tenant's user answers 404; a token used on another tenant's path answers 404", () =>
        Effect.gen(function* () {
          yield* onboard("web-echo")
          yield* onboard("web-foxtrot")
          const echo = yield* adminToken("web-echo")
          const fox = yield* adminToken("web-foxtrot")
          const r1 = expectProblem(
            yield* call("GET", `/api/v1/tenants/web-echo/users/${fox.user.id}`, { auth: echo.access_token }),
            404
          )
          expect(JSON.stringify(r1)).not.toContain("web-foxtrot")
          expectProblem(
            yield* call("GET", `/api/v1/tenants/web-foxtrot/users/${fox.user.id}`, { auth: echo.access_token }),
            404
          )
          expectProblem(yield* call("GET", "/api/v1/tenants/web-foxtrot/users", { auth: echo.access_token }), 404)
        })
      )

      it.effect("API keys: scoped permissions, shown once, revocable, never another tenant's", () =>
        Effect.gen(function* () {
          yield* onboard("web-keys")
          yield* onboard("web-keys-2")
          const admin = yield* adminToken("web-keys")
          // Minted by the operator: a user minting a key needs step-up (issue 15 §4, identity-authz-http).
          const created = yield* call("POST", "/api/v1/tenants/web-keys/api-keys", {
            body: { name: "roster sync", permissions: ["users:read"] }
          })
          expect(created.status).toBe(201)
          const key = created.body.key as string
          expect(key).toMatch(/^sg_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/)
          const list = yield* call("GET", "/api/v1/tenants/web-keys/api-keys", { auth: admin.access_token })
          // The secret is what follows the 12-character prefix (it may itself contain "_").
          expect(list.text).not.toContain(key.slice("sg_".length + 12 + 1))
          expect(list.body[0]).toMatchObject({ name: "roster sync", permissions: ["users:read"], active: true })
          expect((yield* call("GET", "/api/v1/tenants/web-keys/users", { auth: key })).status).toBe(200)
          const denied = expectProblem(
            yield* call("POST", "/api/v1/tenants/web-keys/users", {
              auth: key,
              body: { email: "x@web-keys.example.edu", given_name: "X", family_name: "Y", user_type: "teacher" }
            }),
            403
          )
          expect(denied.permission).toBe("users:write")
          expectProblem(yield* call("GET", "/api/v1/tenants/web-keys-2/users", { auth: key }), 401)
          expectProblem(yield* call("GET", "/api/v1/tenants/web-keys/users", { auth: `${key.slice(0, -2)}xx` }), 401)
          const used = (yield* call("GET", "/api/v1/tenants/web-keys/api-keys", { auth: admin.access_token })).body[0]
          expect(used.last_used_at).not.toBeNull()
          const revoked = yield* call("DELETE", `/api/v1/tenants/web-keys/api-keys/${created.body.api_key.id}`, {
            auth: admin.access_token
          })
          expect(revoked.body.active).toBe(false)
          expectProblem(yield* call("GET", "/api/v1/tenants/web-keys/users", { auth: key }), 401)
          expectProblem(
            yield* call("POST", "/api/v1/tenants/web-keys/api-keys", {
              body: { name: "bad", permissions: ["not a permission"] }
            }),
            400
          )
        })
      )

      it.effect("tenant policy: admins must enrol MFA before anything else; then log in with a second factor", () =>
        Effect.gen(function* () {
          yield* onboard("web-mfa")
          yield* call("PUT", "/api/v1/tenants/web-mfa/settings/auth.mfa_required_for_admins", { body: { value: true } })
          const t = yield* adminToken("web-mfa")
          const blocked = expectProblem(
            yield* call("GET", "/api/v1/tenants/web-mfa/users", { auth: t.access_token }),
            403
          )
          expect(blocked.permission).toBe("mfa:enroll")
          expect((yield* call("GET", "/api/v1/tenants/web-mfa/me", { auth: t.access_token })).status).toBe(200)
          // Registering a passkey is an enrolment step too (issue 18): its options are reachable.
          const passkeyStart = yield* call("POST", "/api/v1/tenants/web-mfa/me/passkeys/options", {
            auth: t.access_token,
            body: { password: PASSWORD }
          })
          expect(passkeyStart.status).toBe(200)
          expect(passkeyStart.body.options.challenge).toBeTypeOf("string")
          // The policy follows the admin role, not only the admin type: a teacher given it must enrol too.
          const teacher = yield* call("POST", "/api/v1/tenants/web-mfa/users", {
            body: {
              email: "teacher@web-mfa.example.edu",
              given_name: "T",
              family_name: "U",
              user_type: "teacher",
              password: PASSWORD
            }
          })
          const adminRole = (yield* call("GET", "/api/v1/tenants/web-mfa/roles")).body.items.find(
            (r: { name: string }) => r.name === "admin"
          )
          expect(
            (yield* call("POST", `/api/v1/tenants/web-mfa/users/${teacher.body.id}/roles`, {
              body: { role_id: adminRole.id }
            })).status
          ).toBe(200)
          const promoted = (yield* login("web-mfa", "teacher@web-mfa.example.edu")).body.tokens
          expect(
            expectProblem(yield* call("GET", "/api/v1/tenants/web-mfa/users", { auth: promoted.access_token }), 403)
              .permission
          ).toBe("mfa:enroll")
          const enrol = yield* call("POST", "/api/v1/tenants/web-mfa/me/mfa/totp", {
            auth: t.access_token,
            body: { password: PASSWORD }
          })
          expect(enrol.body.qr_svg).toContain("<svg")
          const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
          const confirmed = yield* call("POST", "/api/v1/tenants/web-mfa/me/mfa/totp/confirm", {
            auth: t.access_token,
            body: { code }
          })
          expect(confirmed.body.recovery_codes).toHaveLength(10)
          const first = yield* login("web-mfa", "admin@web-mfa.example.edu")
          expect(first.body).toMatchObject({ status: "mfa_required" })
          const wrong = yield* call("POST", "/api/v1/tenants/web-mfa/auth/mfa", {
            auth: false,
            body: { mfa_token: first.body.mfa_token, code: "000000" }
          })
          expectProblem(wrong, 401)
          const second = yield* call("POST", "/api/v1/tenants/web-mfa/auth/mfa", {
            auth: false,
            body: { mfa_token: first.body.mfa_token, recovery_code: confirmed.body.recovery_codes[0] }
          })
          expect(second.status).toBe(200)
          expect((yield* call("GET", "/api/v1/tenants/web-mfa/users", { auth: second.body.access_token })).status).toBe(
            200
          )
        })
      )

      it.effect("platform operators log in and manage tenants; their actions are audited under their id", () =>
        Effect.gen(function* () {
          const ops = yield* Operators.use((o) =>
            o.create({
              email: "ops@platform.example.org",
              name: "Ops",
              password: Redacted.make("platform operator passphrase")
            })
          )
          const wrong = yield* call("POST", "/api/v1/platform/auth/login", {
            auth: false,
            body: { email: "ops@platform.example.org", password: "not it at all" }
          })
          expectProblem(wrong, 401)
          const ok = yield* call("POST", "/api/v1/platform/auth/login", {
            auth: false,
            body: { email: "ops@platform.example.org", password: "platform operator passphrase" }
          })
          expect(ok.status).toBe(200)
          expect(Jose.decodeProtectedHeader(ok.body.access_token).typ).toBe("signet-operator+jwt")
          const created = yield* call("POST", "/api/v1/tenants", {
            auth: ok.body.access_token,
            body: { slug: "by-operator", name: "x" }
          })
          expect(created.status).toBe(201)
          const audit = yield* call("GET", "/api/v1/tenants/by-operator/audit-logs?action=tenant.create", {
            auth: ok.body.access_token
          })
          expect(audit.body.items[0]).toMatchObject({ actor_kind: "operator", actor_id: ops.id })
          // Also on the tenant's own routes (they were recorded as "bootstrap").
          const user = yield* call("POST", "/api/v1/tenants/by-operator/users", {
            auth: ok.body.access_token,
            body: { email: "t@by-operator.example.edu", given_name: "T", family_name: "U", user_type: "teacher" }
          })
          expect(user.status).toBe(201)
          const userAudit = yield* call("GET", "/api/v1/tenants/by-operator/audit-logs?action=user.create", {
            auth: ok.body.access_token
          })
          expect(userAudit.body.items[0]).toMatchObject({ actor_kind: "operator", actor_id: ops.id })
          // An operator token is not a tenant user token, and a user token is not an operator token.
          yield* Operators.use((o) => o.setStatus("ops@platform.example.org", "disabled"))
          expectProblem(yield* call("GET", "/api/v1/tenants", { auth: ok.body.access_token }), 401)
        })
      )

      it.effect("onboarding with a weak admin password is a 400 and creates nothing", () =>
        Effect.gen(function* () {
          const weak = yield* call("POST", "/api/v1/tenants", {
            body: {
              slug: "web-weak",
              name: "x",
              admin: { email: "a@web-weak.example.edu", password: "password", given_name: "A", family_name: "B" }
            }
          })
          const problem = expectProblem(weak, 400)
          expect(problem.issues[0].field).toBe("password")
          expectProblem(yield* call("GET", "/api/v1/tenants/web-weak"), 404)
        })
      )

      it.effect("a suspended tenant's users are refused with a clear error", () =>
        Effect.gen(function* () {
          yield* onboard("web-golf")
          const t = yield* adminToken("web-golf")
          yield* call("POST", "/api/v1/tenants/web-golf/suspend")
          const refused = expectProblem(
            yield* call("GET", "/api/v1/tenants/web-golf/me", { auth: t.access_token }),
            403
          )
          expect(refused.code).toBe("TenantSuspended")
          expectProblem(yield* login("web-golf", "admin@web-golf.example.edu"), 403)
        })
      )
    }
  )
}

layer(testServer("sqlite", {}, { SIGNET_RATE_LOGIN_IP: "6/60", SIGNET_RATE_LOGIN_ACCOUNT: "3/60" }), {
  timeout: 120_000,
  excludeTestServices: true
})("Login rate limits", (it) => {
  it.effect("per account and per address; X-Forwarded-For from an untrusted peer does not bypass", () =>
    Effect.gen(function* () {
      yield* onboard("web-limits")
      const statuses: Array<number> = []
      for (let i = 0; i < 4; i++)
        statuses.push((yield* login("web-limits", "admin@web-limits.example.edu", "wrong-ish password")).status)
      expect(statuses).toEqual([401, 401, 401, 429])
      const limited = yield* login("web-limits", "admin@web-limits.example.edu")
      const problem = expectProblem(limited, 429)
      expect(problem.code).toBe("RateLimited")
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(limited.headers.get("ratelimit-limit")).toBe("3")
      expect(limited.headers.get("ratelimit-remaining")).toBe("0")
      // Per address: other accounts, forged X-Forwarded-For each time — the 7th attempt from this peer is refused.
      const more: Array<number> = []
      for (let i = 0; i < 2; i++) {
        const r = yield* call("POST", "/api/v1/tenants/web-limits/auth/login", {
          auth: false,
          headers: { "x-forwarded-for": `198.51.100.${i + 1}` },
          body: { login: `user${i}@web-limits.example.edu`, password: "whatever password" }
        })
        more.push(r.status)
      }
      expect(more).toEqual([401, 429])
    })
  )
})
