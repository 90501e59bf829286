/**
 * Issue 19 §2 "an 'SSO only' policy per tenant": the tenant-wide policy
 * over REST — password, passkey and e-mail code sign-in refused with 403
 * `TenantSsoRequired` for every account but the break-glass ones; turning it
 * on without an SSO connection or an active break-glass account, or
 * unmarking the last break-glass account, refused (409, no lock-out);
 * changes audited; another tenant's users cannot be marked.
 */
import { expect, layer } from "@effect/vitest"
import { SoftwareAuthenticator, testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect } from "effect"

const CONNECTION = {
  issuer: "https://idp.example/",
  client_id: "c",
  client_secret: "s",
  scopes: ["openid", "email"],
  domains: ["idp.example"],
  provisioning: "link_only",
  sso_only: false
}

/** Creates an active teacher with a password in `slug`; answers its id. */
const person = (slug: string, name: string) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/users`, {
      body: {
        email: `${name}@${slug}.example.edu`,
        given_name: name,
        family_name: "X",
        user_type: "teacher",
        password: TEST_PASSWORD
      }
    }),
    (r) => {
      expect(r.status, r.text).toBe(201)
      return r.body.id as string
    }
  )

const login = (slug: string, name: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/login`, {
    auth: false,
    body: { login: `${name}@${slug}.example.edu`, password: TEST_PASSWORD }
  })

/** The operator's calls on the policy of `slug`. */
const policy = (slug: string) => ({
  get: call("GET", `/api/v1/tenants/${slug}/sso/policy`),
  set: (sso_only: boolean) => call("PUT", `/api/v1/tenants/${slug}/sso/policy`, { body: { sso_only } }),
  mark: (userId: string) => call("PUT", `/api/v1/tenants/${slug}/sso/break-glass/${userId}`),
  unmark: (userId: string) => call("DELETE", `/api/v1/tenants/${slug}/sso/break-glass/${userId}`),
  connect: call("PUT", `/api/v1/tenants/${slug}/sso/connections/idp`, { body: CONNECTION })
})

/** A tenant with an SSO connection, a break-glass teacher `keeper` and a teacher `ann`, policy on. */
const ssoOnlyTenant = (slug: string) =>
  Effect.gen(function* () {
    const admin = yield* onboardTenant(slug)
    const p = policy(slug)
    const keeper = yield* person(slug, "keeper")
    const ann = yield* person(slug, "ann")
    expect((yield* p.connect).status).toBe(200)
    expect((yield* p.mark(keeper)).status).toBe(200)
    const on = yield* p.set(true)
    expect(on.status, on.text).toBe(200)
    return { admin, keeper, ann, p }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 180_000, excludeTestServices: true })(
    `Tenant-wide SSO-only policy over HTTP on ${dialect} (issue 19 §2)`,
    (it) => {
      it.effect("with the policy on, a password login answers 403 TenantSsoRequired", () =>
        Effect.gen(function* () {
          yield* ssoOnlyTenant("tsso-pw")
          const res = yield* login("tsso-pw", "ann")
          expect(expectProblem(res, 403).code).toBe("TenantSsoRequired")
        })
      )

      it.effect("a wrong password still answers the generic 401 (the policy tells nothing without it)", () =>
        Effect.gen(function* () {
          yield* ssoOnlyTenant("tsso-wrong")
          const res = yield* call("POST", "/api/v1/tenants/tsso-wrong/auth/login", {
            auth: false,
            body: { login: "ann@tsso-wrong.example.edu", password: "not the password" }
          })
          expectProblem(res, 401)
        })
      )

      it.effect("a break-glass account still signs in with its password", () =>
        Effect.gen(function* () {
          yield* ssoOnlyTenant("tsso-keeper")
          const res = yield* login("tsso-keeper", "keeper")
          expect(res.status, res.text).toBe(200)
          expect(res.body.status).toBe("authenticated")
        })
      )

      it.effect("with the policy off again, passwords work again", () =>
        Effect.gen(function* () {
          const { p } = yield* ssoOnlyTenant("tsso-off")
          const off = yield* p.set(false)
          expect(off.body.sso_only).toBe(false)
          expect((yield* login("tsso-off", "ann")).status).toBe(200)
        })
      )

      it.effect("a passkey sign-in of a non-break-glass account answers 403 TenantSsoRequired", () =>
        Effect.gen(function* () {
          const slug = "tsso-passkey"
          const { url } = yield* TestServer
          yield* onboardTenant(slug)
          const p = policy(slug)
          const keeper = yield* person(slug, "keeper")
          yield* person(slug, "ann")
          const token = (yield* login(slug, "ann")).body.tokens.access_token as string
          const auth = new SoftwareAuthenticator()
          const options = yield* call("POST", `/api/v1/tenants/${slug}/me/passkeys/options`, {
            auth: token,
            body: { password: TEST_PASSWORD }
          })
          const created = yield* call("POST", `/api/v1/tenants/${slug}/me/passkeys`, {
            auth: token,
            body: { credential: auth.register(options.body.options, url), name: "Laptop" }
          })
          expect(created.status, created.text).toBe(201)
          yield* p.connect
          yield* p.mark(keeper)
          expect((yield* p.set(true)).status).toBe(200)
          const signInOptions = yield* call("POST", `/api/v1/tenants/${slug}/auth/passkey/options`, {
            auth: false,
            body: {}
          })
          const credential = auth.authenticate(signInOptions.body.options, url)
          const res = yield* call("POST", `/api/v1/tenants/${slug}/auth/passkey`, { auth: false, body: { credential } })
          expect(expectProblem(res, 403).code).toBe("TenantSsoRequired")
        })
      )

      it.effect("turning the policy on without an SSO connection answers 409 and leaves it off", () =>
        Effect.gen(function* () {
          yield* onboardTenant("tsso-noconn")
          const p = policy("tsso-noconn")
          yield* p.mark(yield* person("tsso-noconn", "keeper"))
          expectProblem(yield* p.set(true), 409)
          expect((yield* p.get).body.sso_only).toBe(false)
        })
      )

      it.effect("turning the policy on without a break-glass account answers 409 and leaves it off", () =>
        Effect.gen(function* () {
          yield* onboardTenant("tsso-noglass")
          const p = policy("tsso-noglass")
          yield* p.connect
          expectProblem(yield* p.set(true), 409)
          expect((yield* p.get).body.sso_only).toBe(false)
        })
      )

      it.effect("a disabled break-glass account does not count: turning the policy on answers 409", () =>
        Effect.gen(function* () {
          yield* onboardTenant("tsso-disabled")
          const p = policy("tsso-disabled")
          yield* p.connect
          const keeper = yield* person("tsso-disabled", "keeper")
          yield* p.mark(keeper)
          const disabled = yield* call("POST", `/api/v1/tenants/tsso-disabled/users/${keeper}/disable`)
          expect(disabled.status, disabled.text).toBe(200)
          expectProblem(yield* p.set(true), 409)
        })
      )

      it.effect("the last break-glass account cannot be unmarked while the policy is on (409)", () =>
        Effect.gen(function* () {
          const { p, keeper } = yield* ssoOnlyTenant("tsso-last")
          expectProblem(yield* p.unmark(keeper), 409)
          expect((yield* p.get).body.break_glass.map((a: { user_id: string }) => a.user_id)).toEqual([keeper])
        })
      )

      it.effect("marking, unmarking and switching are audited", () =>
        Effect.gen(function* () {
          const { p, ann } = yield* ssoOnlyTenant("tsso-audit")
          yield* p.mark(ann)
          yield* p.unmark(ann)
          const log = yield* call("GET", "/api/v1/tenants/tsso-audit/audit-logs?limit=100")
          const actions = log.body.items.map((e: { action: string }) => e.action)
          expect(actions).toEqual(
            expect.arrayContaining(["sso.break_glass.marked", "sso.break_glass.unmarked", "sso.policy.updated"])
          )
        })
      )

      it.effect("a teacher cannot read or change the policy (403)", () =>
        Effect.gen(function* () {
          const { p } = yield* ssoOnlyTenant("tsso-teacher")
          const keeperToken = (yield* login("tsso-teacher", "keeper")).body.tokens.access_token as string
          expectProblem(yield* call("GET", "/api/v1/tenants/tsso-teacher/sso/policy", { auth: keeperToken }), 403)
          const off = yield* call("PUT", "/api/v1/tenants/tsso-teacher/sso/policy", {
            auth: keeperToken,
            body: { sso_only: false }
          })
          expectProblem(off, 403)
          expect((yield* p.get).body.sso_only).toBe(true)
        })
      )

      it.effect("another tenant's user cannot be marked (404)", () =>
        Effect.gen(function* () {
          yield* onboardTenant("tsso-iso-a")
          yield* onboardTenant("tsso-iso-b")
          const stranger = yield* person("tsso-iso-b", "bob")
          expectProblem(yield* policy("tsso-iso-a").mark(stranger), 404)
        })
      )
    }
  )

  layer(testServerWithMail(dialect), { timeout: 180_000, excludeTestServices: true })(
    `Tenant-wide SSO-only policy and e-mail codes on ${dialect} (issue 19 §2)`,
    (it) => {
      it.effect("a code mailed before the policy was turned on is refused with 403 TenantSsoRequired", () =>
        Effect.gen(function* () {
          const slug = `tsso-code-${dialect}`
          const email = `admin@${slug}.example.edu`
          const access = yield* onboardTenant(slug)
          yield* verifyOwnEmail(slug, access, email)
          yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.email_code_sign_in`, { body: { value: true } })
          const sent = yield* call("POST", `/api/v1/tenants/${slug}/auth/email-code`, {
            auth: false,
            body: { login: email }
          })
          expect(sent.status, sent.text).toBe(202)
          let code: string | undefined
          for (let i = 0; i < 600 && code === undefined; i++) {
            const mails = (yield* MailSink).to(email).filter((m) => m.subject?.includes("sign-in code"))
            code = mails.length > 0 ? /^(\d{6})$/m.exec(mails[0]!.text ?? "")?.[1] : undefined
            if (code === undefined) yield* Effect.sleep("50 millis")
          }
          const p = policy(slug)
          yield* p.connect
          yield* p.mark(yield* person(slug, "keeper"))
          expect((yield* p.set(true)).status).toBe(200)
          const res = yield* call("POST", `/api/v1/tenants/${slug}/auth/email-code/verify`, {
            auth: false,
            body: { login: email, code }
          })
          expect(expectProblem(res, 403).code).toBe("TenantSsoRequired")
        })
      )
    }
  )
}
