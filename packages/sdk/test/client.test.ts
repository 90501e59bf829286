import { expect, layer } from "@effect/vitest"
import { Conflict } from "@signet/contracts"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"
const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "Promise facade against a real server",
  (it) => {
    it.effect("operator, password, API key and student clients; tagged errors; automatic refresh", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-facade",
          credentials: { operatorToken: server.token }
        })
        const tenant = yield* run(() =>
          operator.tenants.create({
            slug: "sdk-facade",
            name: "Facade School",
            admin: {
              email: "admin@facade.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        expect(tenant.slug).toBe("sdk-facade")

        // Password credentials: the first call logs in; refreshLeewaySeconds beyond the token's life refreshes every call.
        const admin = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-facade",
          credentials: { login: "admin@facade.example.edu", password: PASSWORD },
          refreshLeewaySeconds: 3600
        })
        const school = yield* run(() => admin.academics.createSchool({ name: "Hugo", code: "HUGO" }))
        const firstToken = admin.accessToken()
        const dup = yield* run(() =>
          admin.academics.createSchool({ name: "Again", code: "HUGO" }).then(
            () => null,
            (e: unknown) => e
          )
        )
        expect(dup).toBeInstanceOf(Conflict)
        expect((dup as Conflict)._tag).toBe("Conflict")
        expect(admin.accessToken()).not.toBe(firstToken)

        const student = yield* run(() =>
          admin.users.create({
            email: "s@facade.example.edu",
            given_name: "S",
            family_name: "T",
            user_type: "student",
            password: Redacted.make(PASSWORD)
          })
        )
        const group = yield* run(() => admin.academics.createGroup({ school_id: school.id, name: "2A" }))
        yield* run(() => admin.academics.setMembers(group.id, [student.id]))
        const course = yield* run(() =>
          admin.academics.createCourse({
            school_id: school.id,
            name: "Maths",
            start_at: iso(-3),
            end_at: iso(57),
            group_ids: [group.id]
          })
        )

        // A student signs by QR through their own client.
        const pupil = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-facade",
          credentials: { login: "s@facade.example.edu", password: PASSWORD }
        })
        const code = (yield* run(() => admin.attendance.qrCode(course.id))).code
        const signed = yield* run(() => pupil.attendance.sign({ course_id: course.id, method: "QR", qr_code: code }))
        expect(signed.status).toBe("ACCEPTED")
        const refused = yield* run(() =>
          pupil.attendance.sign({ course_id: course.id, method: "QR", qr_code: "00000000" })
        )
        expect(refused).toMatchObject({ existing: true, signature_id: signed.signature_id })
        expect((yield* run(() => admin.attendance.roll(course.id))).counts.PRESENT).toBe(1)
        const forbidden = yield* run(() =>
          pupil.users.list().then(
            () => null,
            (e: unknown) => e
          )
        )
        expect(forbidden).toMatchObject({ _tag: "Forbidden" })

        // An API key scoped to users:read (minted by the operator: a user needs step-up, issue 15 §4).
        const key = yield* run(() => operator.apiKeys.create({ name: "directory sync", permissions: ["users:read"] }))
        const sync = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-facade",
          credentials: { apiKey: key.key }
        })
        const users = yield* run(() => sync.users.list({ user_type: "student" }))
        expect(users.items.map((u) => u.email)).toEqual(["s@facade.example.edu"])
        const denied = yield* run(() =>
          sync.academics.createSchool({ name: "X" }).then(
            () => null,
            (e: unknown) => e
          )
        )
        expect(denied).toMatchObject({ _tag: "Forbidden" })
      })
    )

    it.effect("TOTP enrolment through the facade, then password logins with the MFA step", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const failure = (f: () => Promise<unknown>) =>
          run(() =>
            f().then(
              () => null,
              (e: unknown) => e as { _tag?: string; message?: string }
            )
          )
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-mfa",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-mfa",
            name: "MFA School",
            admin: {
              email: "admin@mfa.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const credentials = { login: "admin@mfa.example.edu", password: PASSWORD }
        const admin = createSignetClient({ baseUrl: server.url, tenant: "sdk-mfa", credentials })
        const enrolment = yield* run(() => admin.mfa.enrollTotp(PASSWORD))
        expect(enrolment.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
        expect(enrolment.qr_svg).toContain("<svg")
        // The code of the step `offset` steps from now (30 s steps).
        const code = (offset: number) =>
          generate({ secret: enrolment.secret, epoch: Math.floor(Date.now() / 1000) + 30 * offset })
        const current = yield* run(() => code(0))
        const wrong = String((Number(current) + 500_000) % 1_000_000).padStart(6, "0")
        expect(yield* failure(() => admin.mfa.confirmTotp(wrong))).toMatchObject({ _tag: "ValidationError" })
        const { recovery_codes } = yield* run(async () => admin.mfa.confirmTotp(await code(0)))
        expect(recovery_codes).toHaveLength(10)
        expect((yield* run(() => admin.me())).mfa_enabled).toBe(true)

        // Without a TOTP callback a password login stops at the challenge, with a message saying what to pass.
        const noTotp = createSignetClient({ baseUrl: server.url, tenant: "sdk-mfa", credentials })
        expect((yield* failure(() => noTotp.me()))?.message).toMatch(/credentials\.totp/)
        // A wrong code is refused like any failed login.
        const badTotp = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-mfa",
          credentials: { ...credentials, totp: async () => wrong }
        })
        expect(yield* failure(() => badTotp.me())).toMatchObject({ _tag: "Unauthorized" })
        // With the callback the login completes (the next step's code: a used step is not accepted twice).
        let asked = 0
        const withTotp = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-mfa",
          credentials: {
            ...credentials,
            totp: () => {
              asked++
              return code(1)
            }
          }
        })
        expect((yield* run(() => withTotp.me())).email).toBe("admin@mfa.example.edu")
        yield* run(() => withTotp.me())
        expect(asked).toBe(1)
      })
    )
  }
)
