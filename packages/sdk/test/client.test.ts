import { expect, layer } from "@effect/vitest"
import { Conflict } from "@signet/core/api"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

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

        // An API key scoped to users:read.
        const key = yield* run(() => admin.apiKeys.create({ name: "directory sync", permissions: ["users:read"] }))
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
  }
)
