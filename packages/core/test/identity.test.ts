import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  Auth,
  CreateTenant,
  CreateUser,
  Crypto,
  Identity,
  KEY_REFRESH_MS,
  SessionId,
  SigningKeys,
  signingKeyColumn,
  Tenancy,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, DateTime, Duration, Effect, Redacted, Schema, TestClock } from "effect"
import * as Jose from "jose"
import { asTenant, auditCount, testActor, testCore } from "./support.js"

const PASSWORD = "correct horse battery staple"
const pw = (s: string) => Redacted.make(s)

const onboard = (slug: string) =>
  Tenancy.use((t) =>
    t.create(
      Schema.decodeUnknownSync(CreateTenant)({
        slug,
        name: slug,
        admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
      })
    )
  ).pipe(Effect.provide(testActor))

const login = (slug: string, login: string, password: string) =>
  Auth.use((a) => a.login(slug, { login, password: pw(password) }, { ip: "203.0.113.9", userAgent: "vitest" }))

const tokensOf = (r: { status: string; tokens?: any }) => {
  if (r.status !== "authenticated") throw new Error("expected tokens")
  return r.tokens as { access_token: string; refresh_token: string; session_id: string; user: { id: string } }
}

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Identity on ${dialect}`, (it) => {
    it.effect("onboarding creates the first admin, who can log in; the access token carries the claims", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("id-alpha")
        const result = tokensOf(yield* login("id-alpha", "ADMIN@id-alpha.example.edu", PASSWORD))
        const claims = yield* Auth.use((a) => a.validateToken(result.access_token))
        expect(claims).toMatchObject({
          sub: result.user.id,
          tid: tenant.id,
          tenant_slug: "id-alpha",
          user_type: "admin",
          sid: result.session_id,
          plan: "free",
          iss: "signet",
          aud: "signet-api"
        })
        expect(claims.exp - claims.iat).toBe(900)
        const header = Jose.decodeProtectedHeader(result.access_token)
        expect(header).toMatchObject({ alg: "ES256", typ: "at+jwt" })
        const jwks = yield* SigningKeys.use((k) => k.jwks)
        expect(jwks.keys.map((k) => k.kid)).toContain(header.kid)
        expect(JSON.stringify(jwks)).not.toMatch(/"d":/) // no private material
      })
    )

    it.effect("password policy: length, e-mail, breached list; users are unique per tenant", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("id-bravo")
        const create = (input: Record<string, unknown>) =>
          asTenant(
            tenant,
            Identity.use((i) => i.create(Schema.decodeUnknownSync(CreateUser)(input)))
          ).pipe(Effect.provide(testActor))
        const base = {
          email: "samuel@bravo.example.edu",
          given_name: "Sam",
          family_name: "Student",
          user_type: "student"
        }
        for (const bad of ["short", "password1234", "samuel-is-the-best-user", "iloveyou"]) {
          const e = yield* Effect.flip(create({ ...base, password: bad }))
          expect(e._tag).toBe("ValidationError")
        }
        const sam = yield* create({ ...base, password: PASSWORD, student_number: "S-1", devices: ["nfc-1"] })
        expect(sam).toMatchObject({ user_type: "student", student_number: "S-1", devices: ["nfc-1"], status: "active" })
        expect(yield* Effect.flip(create({ ...base, email: "SAMUEL@bravo.example.edu" }))).toMatchObject({
          _tag: "Conflict",
          field: "email"
        })
        const e2 = yield* Effect.flip(
          create({ ...base, email: "t@bravo.example.edu", user_type: "teacher", student_number: "X" })
        )
        expect(e2._tag).toBe("ValidationError")
        expect(
          yield* asTenant(
            tenant,
            Identity.use((i) => i.validateStudentDevice(sam.id, "nfc-1"))
          )
        ).toBe(true)
        expect(
          yield* asTenant(
            tenant,
            Identity.use((i) => i.validateStudentDevice(sam.id, "other"))
          )
        ).toBe(false)
        expect(
          yield* asTenant(
            tenant,
            Identity.use((i) => i.exists(sam.id))
          )
        ).toBe(true)
        expect(
          (yield* asTenant(
            tenant,
            Identity.use((i) => i.getLite(sam.id))
          )).firstname
        ).toBe("Sam")
        // Another tenant cannot see Sam.
        const other = yield* onboard("id-bravo-2")
        expect(
          (yield* Effect.flip(
            asTenant(
              other,
              Identity.use((i) => i.get(sam.id))
            )
          ))._tag
        ).toBe("UserNotFound")
        expect(
          yield* asTenant(
            other,
            Identity.use((i) => i.exists(sam.id))
          )
        ).toBe(false)
      })
    )

    it.effect("one generic failure for unknown users, wrong passwords and locked accounts; lockout after 5", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("id-charlie")
        const admin = "admin@id-charlie.example.edu"
        const unknown = yield* Effect.flip(login("id-charlie", "nobody@id-charlie.example.edu", PASSWORD))
        const wrong = yield* Effect.flip(login("id-charlie", admin, "wrong password here"))
        expect(unknown).toEqual(wrong)
        expect(wrong._tag).toBe("InvalidCredentials")
        for (let i = 0; i < 4; i++) yield* Effect.flip(login("id-charlie", admin, "wrong password here"))
        // Locked now: even the right password fails, with the same answer.
        expect(yield* Effect.flip(login("id-charlie", admin, PASSWORD))).toEqual(wrong)
        const users = yield* asTenant(
          tenant,
          Identity.use((i) => i.list({ user_type: "admin" }))
        )
        expect(users.items[0]!.status).toBe("locked")
        yield* TestClock.adjust(Duration.minutes(16))
        expect((yield* login("id-charlie", admin, PASSWORD)).status).toBe("authenticated")
        // tenant + default roles + first admin + its admin role + 1 unknown + 5 wrong (the 5th is
        // user.locked) + 1 refused + 1 login
        expect(yield* auditCount(tenant)).toBe(12)
      })
    )

    it.effect("refresh rotates; a reused token revokes the session family; concurrent refreshes: one wins", () =>
      Effect.gen(function* () {
        yield* onboard("id-delta")
        const first = tokensOf(yield* login("id-delta", "admin@id-delta.example.edu", PASSWORD))
        const second = yield* Auth.use((a) => a.refresh("id-delta", first.refresh_token, {}))
        expect(second.session_id).toBe(first.session_id)
        expect(second.refresh_token).not.toBe(first.refresh_token)
        yield* Auth.use((a) => a.validateToken(second.access_token))
        // Replay of the first (already used) token: refused, and the whole session is revoked.
        expect((yield* Effect.flip(Auth.use((a) => a.refresh("id-delta", first.refresh_token, {}))))._tag).toBe(
          "Unauthorized"
        )
        expect((yield* Effect.flip(Auth.use((a) => a.refresh("id-delta", second.refresh_token, {}))))._tag).toBe(
          "Unauthorized"
        )
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(second.access_token))))._tag).toBe("Unauthorized")

        const fresh = tokensOf(yield* login("id-delta", "admin@id-delta.example.edu", PASSWORD))
        const results = yield* Effect.all(
          Array.from({ length: 5 }, () =>
            Effect.either(Auth.use((a) => a.refresh("id-delta", fresh.refresh_token, {})))
          ),
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r._tag === "Right")).toHaveLength(1)
      })
    )

    it.effect("sessions: list, revoke others, logout; password change signs out other sessions", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("id-echo")
        const a = tokensOf(yield* login("id-echo", "admin@id-echo.example.edu", PASSWORD))
        const b = tokensOf(yield* login("id-echo", "admin@id-echo.example.edu", PASSWORD))
        const c = tokensOf(yield* login("id-echo", "admin@id-echo.example.edu", PASSWORD))
        const userId = UserId.make(a.user.id)
        const sessions = yield* asTenant(
          tenant,
          Auth.use((s) => s.listSessions(userId, a.session_id))
        )
        expect(sessions).toHaveLength(3)
        expect(sessions.find((s) => s.current)?.id).toBe(a.session_id)
        yield* asTenant(
          tenant,
          Auth.use((s) => s.revokeSession(userId, SessionId.make(c.session_id)))
        ).pipe(Effect.provide(testActor))
        expect((yield* Effect.flip(Auth.use((s) => s.validateToken(c.access_token))))._tag).toBe("Unauthorized")
        const changed = yield* asTenant(
          tenant,
          Auth.use((s) => s.changePassword(userId, a.session_id, pw(PASSWORD), pw("a whole new passphrase")))
        ).pipe(Effect.provide(testActor))
        expect(changed.other_sessions_revoked).toBe(1)
        yield* Auth.use((s) => s.validateToken(a.access_token))
        expect((yield* Effect.flip(Auth.use((s) => s.validateToken(b.access_token))))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(login("id-echo", "admin@id-echo.example.edu", PASSWORD)))._tag).toBe(
          "InvalidCredentials"
        )
        expect((yield* login("id-echo", "admin@id-echo.example.edu", "a whole new passphrase")).status).toBe(
          "authenticated"
        )
        const wrongCurrent = yield* Effect.flip(
          asTenant(
            tenant,
            Auth.use((s) => s.changePassword(userId, null, pw("nope nope nope"), pw("another new passphrase")))
          ).pipe(Effect.provide(testActor))
        )
        expect(wrongCurrent._tag).toBe("ValidationError")
      })
    )

    it.effect("token attacks: alg none, HS256 with the public key, unknown kid, wrong typ/aud, tampered, expired", () =>
      Effect.gen(function* () {
        yield* onboard("id-foxtrot")
        const good = tokensOf(yield* login("id-foxtrot", "admin@id-foxtrot.example.edu", PASSWORD)).access_token
        const [h, p, s] = good.split(".") as [string, string, string]
        const payload = JSON.parse(Buffer.from(p, "base64url").toString())
        const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
        const header = Jose.decodeProtectedHeader(good)
        const jwks = yield* SigningKeys.use((k) => k.jwks)
        const pub = jwks.keys[0]!
        const hsKey = new TextEncoder().encode(JSON.stringify(pub))
        const forged = [
          `${enc({ alg: "none", typ: "at+jwt", kid: header.kid })}.${p}.`,
          yield* Effect.promise(() =>
            new Jose.SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: header.kid! }).sign(hsKey)
          ),
          `${enc({ ...header, kid: "../../etc/passwd" })}.${p}.${s}`,
          `${enc({ ...header, kid: "x' OR '1'='1" })}.${p}.${s}`,
          `${enc({ ...header, typ: "JWT" })}.${p}.${s}`,
          `${h}.${enc({ ...payload, user_type: "dev", roles: ["admin"] })}.${s}`,
          `${h}.${p}.${s.slice(0, -4)}AAAA`,
          "not-a-jwt"
        ]
        for (const token of forged) {
          expect((yield* Effect.flip(Auth.use((a) => a.validateToken(token))))._tag).toBe("Unauthorized")
        }
        const mfaTyped = yield* SigningKeys.use((k) => k.sign("mfa", { sub: payload.sub, tid: payload.tid }))
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(mfaTyped.token))))._tag).toBe("Unauthorized")
        yield* Auth.use((a) => a.validateToken(good))
        yield* TestClock.adjust(Duration.minutes(16))
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(good))))._tag).toBe("Unauthorized")
      })
    )

    it.effect("key rotation: old tokens keep verifying, new ones use the new kid", () =>
      Effect.gen(function* () {
        yield* onboard("id-golf")
        const before = tokensOf(yield* login("id-golf", "admin@id-golf.example.edu", PASSWORD)).access_token
        const kid = yield* SigningKeys.use((k) => k.rotate())
        const after = tokensOf(yield* login("id-golf", "admin@id-golf.example.edu", PASSWORD)).access_token
        expect(Jose.decodeProtectedHeader(after).kid).toBe(kid)
        expect(Jose.decodeProtectedHeader(before).kid).not.toBe(kid)
        yield* Auth.use((a) => a.validateToken(before))
        yield* Auth.use((a) => a.validateToken(after))
        expect((yield* SigningKeys.use((k) => k.jwks)).keys.length).toBeGreaterThanOrEqual(2)
        // The retired key verifies for as long as the longest-lived token it signed (15 min)
        // — a second rotation 11 minutes later must not cut off access tokens still valid.
        const old = (yield* SigningKeys.use((k) => k.list)).find(
          (k) => k.kid === Jose.decodeProtectedHeader(before).kid
        )
        const now = yield* Clock.currentTimeMillis
        expect(DateTime.toEpochMillis(old!.retire_after!) - now).toBeGreaterThanOrEqual(15 * 60 * 1000)
      })
    )

    it.effect("per-tenant keys: a tenant's tokens use its own key, which vouches for no other tenant", () =>
      Effect.gen(function* () {
        const kilo = yield* onboard("id-kilo")
        const lima = yield* onboard("id-lima")
        const adminOf = (slug: string) =>
          Effect.map(login(slug, `admin@${slug}.example.edu`, PASSWORD), (r) => tokensOf(r).access_token)
        const kidOf = (token: string) => Jose.decodeProtectedHeader(token).kid
        const platformToken = yield* adminOf("id-kilo")
        const platformKids = (yield* SigningKeys.use((k) => k.jwks)).keys.map((k) => k.kid)
        expect(platformKids).toContain(kidOf(platformToken))

        const kid = yield* SigningKeys.use((k) => k.rotate("EdDSA", undefined, kilo.id))
        const own = yield* adminOf("id-kilo")
        expect(Jose.decodeProtectedHeader(own)).toMatchObject({ kid, alg: "EdDSA" })
        const other = yield* adminOf("id-lima")
        expect(platformKids).toContain(kidOf(other))
        // Every one verifies: the tenant's, the tenant's platform-signed one from before, another tenant's.
        for (const token of [own, platformToken, other]) yield* Auth.use((a) => a.validateToken(token))
        // The platform JWKS does not publish the tenant's key; the tenant's lists it first, then the platform's.
        expect((yield* SigningKeys.use((k) => k.jwks)).keys.map((k) => k.kid)).not.toContain(kid)
        const kiloJwks = (yield* SigningKeys.use((k) => k.jwksFor(kilo.id))).keys.map((k) => k.kid)
        expect(kiloJwks).toEqual([kid, ...platformKids])
        expect((yield* SigningKeys.use((k) => k.list)).find((k) => k.kid === kid)).toMatchObject({
          tenant_id: kilo.id,
          retire_after: null
        })

        // A token of another tenant signed with this tenant's key is refused.
        const row = (yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ private_key_enc: string }>`SELECT private_key_enc FROM signing_keys WHERE kid = ${kid}`
        ))[0]!
        const privateJwk = JSON.parse(
          (yield* Effect.flatMap(Crypto.Envelope, (e) =>
            e.decrypt(row.private_key_enc, signingKeyColumn.aad({ kid }))
          )).toString("utf8")
        )
        const payload = Jose.decodeJwt(other)
        const forged = yield* Effect.promise(async () =>
          new Jose.SignJWT({ ...payload, tid: lima.id })
            .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
            .sign(await Jose.importJWK(privateJwk, "EdDSA"))
        )
        expect(yield* Effect.flip(Auth.use((a) => a.validateToken(forged)))).toMatchObject({ _tag: "Unauthorized" })

        // Back to the platform key: new tokens use it, the tenant's keep verifying until they expire.
        expect(yield* SigningKeys.use((k) => k.dropTenantKeys(kilo.id))).toBe(1)
        const again = yield* adminOf("id-kilo")
        expect(platformKids).toContain(kidOf(again))
        yield* Auth.use((a) => a.validateToken(own))
        expect(yield* SigningKeys.use((k) => k.dropTenantKeys(kilo.id))).toBe(0)
      })
    )

    it.effect("a key rotated by another process signs here within KEY_REFRESH_MS", () =>
      Effect.gen(function* () {
        // Two instances on one database, as two processes (a server and `signet keys rotate`).
        const here = yield* SigningKeys.pipe(Effect.provide(SigningKeys.Default))
        const elsewhere = yield* SigningKeys.pipe(Effect.provide(SigningKeys.Default))
        const kidOf = (kind: "access" | "operator") =>
          Effect.map(here.sign(kind, { sub: "someone" }), (t) => Jose.decodeProtectedHeader(t.token).kid)
        const before = yield* kidOf("operator")
        const kid = yield* elsewhere.rotate()
        expect(yield* kidOf("operator")).toBe(before)
        yield* TestClock.adjust(KEY_REFRESH_MS + 1_000)
        expect(yield* kidOf("operator")).toBe(kid)
      })
    )

    it.effect("disabling a user revokes their sessions and blocks login; admin reset revokes all sessions", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("id-hotel")
        const t = tokensOf(yield* login("id-hotel", "admin@id-hotel.example.edu", PASSWORD))
        yield* asTenant(
          tenant,
          Auth.use((a) => a.resetPassword(UserId.make(t.user.id), pw("fresh reset passphrase")))
        ).pipe(Effect.provide(testActor))
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(t.access_token))))._tag).toBe("Unauthorized")
        const t2 = tokensOf(yield* login("id-hotel", "admin@id-hotel.example.edu", "fresh reset passphrase"))
        yield* asTenant(
          tenant,
          Auth.use((a) => a.disableUser(UserId.make(t2.user.id)))
        ).pipe(Effect.provide(testActor))
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(t2.access_token))))._tag).toBe("Unauthorized")
        expect(
          (yield* Effect.flip(login("id-hotel", "admin@id-hotel.example.edu", "fresh reset passphrase")))._tag
        ).toBe("InvalidCredentials")
      })
    )
  })
}
