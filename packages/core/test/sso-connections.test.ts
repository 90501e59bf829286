/**
 * SSO connections (issue 19 §2): admin CRUD with the client secret
 * encrypted and never answered, `sso:read`/`sso:write`, one connection per
 * domain, the per-tenant limit, discovery, and tenant isolation.
 */

import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { MAX_SSO_CONNECTIONS, PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Auth, Db, policyUse, SsoAdmin, SsoConnections } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Exit, Redacted, Schema } from "effect"
import { testCore, user } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

const SECRET = "s3cret-never-answered"
const put = (domains: ReadonlyArray<string>, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(PutSsoConnection)({
    issuer: "https://accounts.google.com",
    client_id: "client-1",
    client_secret: SECRET,
    scopes: ["openid", "email", "profile"],
    domains,
    provisioning: "jit",
    ...extra
  })

/** The facade with its permission checked against the actor (as the server does). */
const R = {
  list: () => SsoAdmin.list().pipe(policyUse("sso:read")),
  get: (name: string) => SsoAdmin.get(name).pipe(policyUse("sso:read"))
}
const W = {
  put: (name: string, input: PutSsoConnection) => SsoAdmin.put(name, input).pipe(policyUse("sso:write")),
  delete: (name: string) => SsoAdmin.delete(name).pipe(policyUse("sso:write"))
}

const failsWith = (exit: Exit.Exit<unknown, unknown>, text: string) =>
  expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain(text)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`SSO connections on ${dialect}`, (it) => {
    it.effect("a connection is stored with its secret encrypted, and answered without it", () =>
      inFreshTenant(
        "sso-crud",
        Effect.gen(function* () {
          const created = yield* W.put("google", put(["school.example"], { sso_only: true }))
          expect(created).toMatchObject({
            name: "google",
            domains: ["school.example"],
            provisioning: "jit",
            default_user_type: "teacher",
            sso_only: true
          })
          const listed = yield* R.list()
          expect(listed.map((c) => c.name)).toStrictEqual(["google"])
          expect(JSON.stringify([created, listed, yield* R.get("google")])).not.toContain(SECRET)
          const sql = yield* SqlClient.SqlClient
          const stored = yield* Db.tenantTx(sql`SELECT client_secret_enc FROM sso_connections`)
          expect(stored).toHaveLength(1)
          expect(JSON.stringify(stored)).not.toContain(SECRET)
          const replaced = yield* W.put("google", put(["school.example"], { provisioning: "link_only" }))
          expect(replaced.provisioning).toBe("link_only")
          expect(replaced.created_at).toStrictEqual(created.created_at)
          yield* W.delete("google")
          failsWith(yield* Effect.exit(R.get("google")), "SsoConnectionNotFound")
          failsWith(yield* Effect.exit(W.delete("google")), "SsoConnectionNotFound")
        })
      )
    )

    it.effect("an issuer must be https and the scopes must ask for openid and email", () =>
      inFreshTenant(
        "sso-valid",
        Effect.gen(function* () {
          const http = put(["a.example"], { issuer: "http://idp.example" })
          failsWith(yield* Effect.exit(W.put("x", http)), "issuer")
          failsWith(yield* Effect.exit(W.put("x", put(["a.example"], { scopes: ["openid"] }))), "scopes")
        })
      )
    )

    it.effect("a domain is served by one connection; discovery answers it", () =>
      inFreshTenant(
        "sso-domain",
        Effect.gen(function* () {
          yield* W.put("google", put(["school.example"], { sso_only: true }))
          failsWith(yield* Effect.exit(W.put("entra", put(["school.example"]))), "Conflict")
          expect(yield* SsoAdmin.discover("Ann@School.Example")).toMatchObject({ connection: "google", sso_only: true })
          expect(yield* SsoAdmin.discover("ann@other.example")).toMatchObject({ connection: null, sso_only: false })
        })
      )
    )

    it.effect(`at most ${MAX_SSO_CONNECTIONS} connections per tenant`, () =>
      inFreshTenant(
        "sso-limit",
        Effect.gen(function* () {
          for (let i = 0; i < MAX_SSO_CONNECTIONS; i++) yield* W.put(`c${i}`, put([`d${i}.example`]))
          failsWith(yield* Effect.exit(W.put("one-more", put(["more.example"]))), "Conflict")
          yield* W.put("c0", put(["d0.example"]))
        })
      )
    )

    it.effect("reading needs sso:read and writing sso:write: a teacher is refused both", () =>
      inFreshTenant(
        "sso-perm",
        Effect.gen(function* () {
          yield* W.put("google", put(["school.example"]))
          const teacher = yield* user("t@sso-perm.example", "teacher")
          const asTeacher = Effect.provideService(CurrentActor, { kind: "user", id: teacher.id })
          failsWith(yield* Effect.exit(asTeacher(R.list())), "sso:read")
          failsWith(yield* Effect.exit(asTeacher(W.put("x", put(["x.example"])))), "sso:write")
          failsWith(yield* Effect.exit(asTeacher(W.delete("google"))), "sso:write")
        })
      )
    )

    it.effect("another tenant's connection answers 404 and discovery there finds nothing", () =>
      Effect.gen(function* () {
        yield* inFreshTenant("sso-home", W.put("google", put(["home.example"])))
        yield* inFreshTenant(
          "sso-away",
          Effect.gen(function* () {
            failsWith(yield* Effect.exit(R.get("google")), "SsoConnectionNotFound")
            failsWith(yield* Effect.exit(W.delete("google")), "SsoConnectionNotFound")
            expect(yield* R.list()).toStrictEqual([])
            expect((yield* SsoConnections.use((s) => s.discover("a@home.example"))).connection).toBeNull()
          })
        )
      })
    )

    it.effect("sso_only: a password login of the domain answers SsoRequired, by e-mail or username (issue 19 §2)", () =>
      inFreshTenant(
        "sso-only",
        Effect.gen(function* () {
          const { slug } = yield* CurrentTenant
          const password = "plum-kettle-orbit-9941"
          yield* user("ann@school.example", "teacher", { password, username: "ann.staff" })
          yield* user("bob@other.example", "teacher", { password })
          const login = (name: string) =>
            Auth.use((a) => a.login(slug, { login: name, password: Redacted.make(password) }, { ip: "203.0.113.7" }))
          expect((yield* login("ann@school.example")).status).toBe("authenticated")
          yield* W.put("google", put(["school.example"], { sso_only: true }))
          for (const name of ["ann@school.example", "ANN@School.Example", "ann.staff"])
            failsWith(yield* Effect.exit(login(name)), "SsoRequired")
          // A wrong password for a username still answers the generic failure (nothing learned).
          const wrong = Auth.use((a) =>
            a.login(slug, { login: "ann.staff", password: Redacted.make("wrong-password-123") }, { ip: "203.0.113.7" })
          )
          failsWith(yield* Effect.exit(wrong), "InvalidCredentials")
          expect((yield* login("bob@other.example")).status).toBe("authenticated")
          yield* W.put("google", put(["school.example"], { sso_only: false }))
          expect((yield* login("ann@school.example")).status).toBe("authenticated")
        })
      )
    )
  })
}
