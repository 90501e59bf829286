/**
 * The CLI's administrative writes of issue 15 §4 and §6, run in process
 * (`run` from main.ts) against a throwaway database of each dialect, so the
 * Postgres path is covered without a process per command: `signet user
 * password`, `signet user mfa-reset`, `signet user require-action`, `signet
 * user phone clear` and `signet attendance mark`.
 */
import * as Crypto from "node:crypto"
import {
  Academics,
  Attendance,
  Audit,
  Auth,
  Core,
  CourseId,
  CreateTenant,
  CreateUser,
  CurrentActor,
  CurrentTenant,
  Db,
  Identity,
  Mfa,
  Phones,
  systemActor,
  Tenancy,
  type TenantId
} from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect, Option, Redacted, Schema } from "effect"
import { generate } from "otplib"
import { afterEach, describe, expect, it, vi } from "vitest"
import { run } from "../src/main.js"

const PASSWORD = "correct horse battery staple"
const saved = { ...process.env }

afterEach(() => {
  process.env = { ...saved }
  process.exitCode = undefined
  vi.restoreAllMocks()
})

/** A database of `dialect` with a tenant `slug` (a school, a group with one student, a running course), the CLI pointed at it. */
const withSchool = async <A>(
  dialect: "sqlite" | "pg",
  slug: string,
  body: (ctx: {
    readonly core: ReturnType<typeof Core.layer>
    readonly tenant: { readonly id: TenantId; readonly slug: string }
    readonly studentId: string
    readonly courseId: string
  }) => Promise<A>
) => {
  const db = await makeTestDatabase(dialect)
  try {
    process.env.DATABASE_URL = db.url
    process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
    delete process.env.SIGNET_CONFIG
    const core = Core.layer({ databaseUrl: db.url, pgPoolSize: 2 })
    const made = await Effect.runPromise(
      Effect.gen(function* () {
        const t = yield* Tenancy.use((x) => x.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))
        const tenant = { id: t.id as TenantId, slug }
        return yield* Db.tenantTx(
          Effect.gen(function* () {
            const student = yield* Identity.use((i) =>
              i.create(
                Schema.decodeUnknownSync(CreateUser)({
                  email: `ana@${slug}.example.edu`,
                  given_name: "Ana",
                  family_name: "S",
                  user_type: "student",
                  password: PASSWORD
                })
              )
            )
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "Hugo" })
            const group = yield* a.createGroup({ school_id: school.id, name: "2A" })
            yield* a.setMembers(group.id, [student.id])
            const now = Date.now()
            const course = yield* a.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: new Date(now - 5 * 60_000).toISOString(),
              end_at: new Date(now + 55 * 60_000).toISOString(),
              group_ids: [group.id]
            })
            return { tenant, studentId: student.id as string, courseId: course.id as string }
          })
        ).pipe(Effect.provideService(CurrentTenant, tenant))
      }).pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(core), Effect.scoped)
    )
    return await body({ core, ...made })
  } finally {
    await db.dispose()
  }
}

/** Runs the CLI in process; answers what it printed. */
const cli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  await Effect.runPromise(run(["node", "signet", ...args]) as Effect.Effect<void>)
  expect(process.exitCode ?? 0).toBe(0)
  return out.join("\n")
}

for (const dialect of testDialects()) {
  describe(`CLI administrative writes on ${dialect}`, () => {
    it("signet user password --temporary sets a temporary password: it signs in asking for a new one; the old one no longer does", async () => {
      await withSchool(dialect, "cli-password", async ({ core, studentId }) => {
        await cli([
          "user",
          "password",
          "--tenant",
          "cli-password",
          "--password",
          "a brand new passphrase 42",
          "--temporary",
          studentId
        ])
        const login = (password: string) =>
          Effect.runPromise(
            Auth.use((a) =>
              a.login("cli-password", { login: "ana@cli-password.example.edu", password: Redacted.make(password) }, {})
            ).pipe(Effect.either, Effect.provide(core), Effect.scoped)
          )
        // Issue 18: a password an administrator set is temporary — the user must choose their own.
        expect(await login("a brand new passphrase 42")).toMatchObject({
          _tag: "Right",
          right: { status: "actions_required", actions: ["update_password"] }
        })
        expect((await login(PASSWORD))._tag).toBe("Left")
      })
    }, 120_000)

    it("signet user mfa-reset turns a user's MFA off, revokes their sessions and audits the reset", async () => {
      await withSchool(dialect, "cli-mfa", async ({ core, studentId, tenant }) => {
        const inTenant = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
          Effect.runPromise(
            eff.pipe(
              Db.tenantTx,
              Effect.provideService(CurrentTenant, tenant),
              Effect.provideService(CurrentActor, systemActor),
              Effect.provide(core),
              Effect.scoped
            ) as Effect.Effect<A, E, never>
          )
        // The student has TOTP on and a live session.
        await Effect.runPromise(
          Auth.use((a) =>
            a.login("cli-mfa", { login: "ana@cli-mfa.example.edu", password: Redacted.make(PASSWORD) }, {})
          ).pipe(Effect.provide(core), Effect.scoped)
        )
        const { secret } = await inTenant(Mfa.use((m) => m.enroll(studentId, Redacted.make(PASSWORD))))
        const code = await generate({ secret })
        await inTenant(Mfa.use((m) => m.confirm(studentId, code)))

        expect(await cli(["user", "mfa-reset", "--tenant", "cli-mfa", studentId])).toContain("1 sessions revoked")

        const row = Option.getOrThrow(await inTenant(Identity.use((i) => i.findRow(studentId))))
        expect(row).toMatchObject({ mfa_enabled: false, mfa_secret_enc: null })
        expect(await inTenant(Mfa.use((m) => m.recoveryCodesLeft(studentId)))).toBe(0)
        expect(await inTenant(Auth.use((a) => a.listSessions(studentId, null)))).toEqual([])
        const audited = await inTenant(Audit.use((a) => a.list({ action: "mfa.reset", targetId: studentId })))
        expect(audited.items.map((e) => e.actor_kind)).toEqual(["system"])
      })
    }, 120_000)

    it("signet user require-action makes the next sign-in answer actions_required (issue 18)", async () => {
      await withSchool(dialect, "cli-ra", async ({ core, studentId }) => {
        const printed = await cli([
          "user",
          "require-action",
          "--tenant",
          "cli-ra",
          "--user",
          studentId,
          "--action",
          "update_password"
        ])
        expect(printed).toContain("required at next sign-in: update_password")
        const login = await Effect.runPromise(
          Auth.use((a) =>
            a.login("cli-ra", { login: "ana@cli-ra.example.edu", password: Redacted.make(PASSWORD) }, {})
          ).pipe(Effect.provide(core), Effect.scoped)
        )
        expect(login).toMatchObject({ status: "actions_required", actions: ["update_password"] })
        expect(await cli(["user", "require-action", "--tenant", "cli-ra", "--user", studentId, "--clear"])).toContain(
          "no required action"
        )
      })
    }, 120_000)

    it("signet user phone clear removes a user's phone number, audited (issue 18 SMS)", async () => {
      await withSchool(dialect, "cli-phone", async ({ core, studentId, tenant }) => {
        const asStudent = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
          Effect.runPromise(
            eff.pipe(
              Effect.provideService(CurrentTenant, tenant),
              Effect.provideService(CurrentActor, { kind: "user", id: studentId, userType: "student" }),
              Effect.provide(core),
              Effect.scoped
            ) as Effect.Effect<A, E, never>
          )
        await asStudent(
          Phones.use((p) => p.setPhoneNumber({ phone_number: "+33612345099", password: Redacted.make(PASSWORD) }))
        )
        expect((await asStudent(Phones.use((p) => p.phoneStatus))).phone_number).toBe("+33612345099")
        expect(await cli(["user", "phone", "clear", "--tenant", "cli-phone", studentId])).toContain(
          "phone number cleared"
        )
        expect((await asStudent(Phones.use((p) => p.phoneStatus))).phone_number).toBeNull()
        const audited = await Effect.runPromise(
          Audit.use((a) => a.list({ action: "account.phone_number_cleared", targetId: studentId })).pipe(
            Db.tenantTx,
            Effect.provideService(CurrentTenant, tenant),
            Effect.provideService(CurrentActor, systemActor),
            Effect.provide(core),
            Effect.scoped
          )
        )
        expect(audited.items).toHaveLength(1)
      })
    }, 120_000)

    it("signet attendance mark records the student's result as an ADMIN mark", async () => {
      await withSchool(dialect, "cli-mark", async ({ core, courseId, tenant }) => {
        const printed = await cli([
          "attendance",
          "mark",
          "--tenant",
          "cli-mark",
          "--course",
          courseId,
          "--student",
          "ana@cli-mark.example.edu",
          "--status",
          "PRESENT",
          "--json"
        ])
        expect(printed).toContain("PRESENT")
        const signatures = await Effect.runPromise(
          Attendance.use((a) => a.listSignatures(CourseId.make(courseId))).pipe(
            Db.tenantTx,
            Effect.provideService(CurrentTenant, tenant),
            Effect.provideService(CurrentActor, systemActor),
            Effect.provide(core),
            Effect.scoped
          )
        )
        expect(signatures.map((s) => s.method)).toEqual(["ADMIN"])
      })
    }, 120_000)
  })
}
