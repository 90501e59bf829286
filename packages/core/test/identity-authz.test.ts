/**
 * Issue 15 §4 "Authorization gaps", through the public core API
 * (`UserAdmin`, `AccessAdmin`, `Account`, `Mfa`), on SQLite and Postgres:
 *
 * - step-up on every path that hands out administrator power: creating an
 *   `admin`/`dev` user, minting an API key, adding a member to a team that
 *   grants roles — refused (`Forbidden`, `mfa:step-up`) for a `user` actor
 *   without a recent MFA verification, nothing written; allowed after it;
 * - MFA enrolment needs the current password (a bearer token alone cannot
 *   bind a second factor); an administrator's MFA reset (`UserAdmin.resetMfa`)
 *   is permission-checked, step-up-guarded and audited;
 * - a user's `school_id` must name a live school of the tenant (it lands in
 *   the JWT `school_id` claim);
 * - a user's device identifiers (the NFC credential) are shown only to the
 *   user and to `users:write` holders; other readers get `devices: []` and
 *   `devices_hidden: true`.
 */
import * as NodeCrypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  AccessAdmin,
  Account,
  type Actor,
  Audit,
  Auth,
  CreateApiKey,
  CreateSchool,
  CreateUser,
  Identity,
  Mfa,
  policyUse,
  UserAdmin,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Option, Redacted, Schema } from "effect"
import {
  ADMIN_PASSWORD,
  adminSession,
  asTenant,
  auditCount,
  totpAt as codeAt,
  inTenant,
  onboardWithAdmin,
  outboxCount,
  recordStepUp,
  type TenantRef,
  testCore
} from "./support.js"

const PASSWORD = ADMIN_PASSWORD
const as = inTenant
const onboard = onboardWithAdmin

/** A `CreateUser` of `user_type` with a fresh e-mail (and extra fields). */
const newUserInput = (user_type: string, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(CreateUser)({
    email: `${NodeCrypto.randomUUID()}@authz.example.edu`,
    given_name: "N",
    family_name: "U",
    user_type,
    ...extra
  })

/** Creates a user as the operator; answers its id. */
const newUser = (tenant: TenantRef, user_type = "student", extra: Record<string, unknown> = {}) =>
  UserAdmin.create(newUserInput(user_type, extra)).pipe(
    policyUse("users:write"),
    Effect.map((u) => u.id),
    as(tenant)
  )

/** Audit rows of the tenant and outbox rows, to show that nothing was written. */
const writes = (tenant: TenantRef) => Effect.all([auditCount(tenant), outboxCount()])

/** The id of a role of `tenant` by name. */
const roleId = (tenant: TenantRef, name: string) =>
  AccessAdmin.findRoleByName(name).pipe(
    policyUse("roles:read"),
    Effect.map((r) => Option.getOrThrow(r).id),
    as(tenant)
  )

/** A team of `tenant` granting the role `role` (set up by the operator). */
const teamWithRole = (tenant: TenantRef, role: string) =>
  Effect.gen(function* () {
    const team = yield* AccessAdmin.createTeam({ name: `Team ${role}` }).pipe(policyUse("teams:write"), as(tenant))
    yield* AccessAdmin.assignTeamRole(team.id, yield* roleId(tenant, role)).pipe(policyUse("roles:write"), as(tenant))
    return team.id
  })

/** A school of `tenant` (created by the operator); answers its id. */
const newSchool = (tenant: TenantRef, name = "Lycée") =>
  Academics.use((a) => a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name }))).pipe(
    Effect.map((school) => school.id as string),
    as(tenant)
  )

const keyInput = (permissions: ReadonlyArray<string>) =>
  Schema.decodeUnknownSync(CreateApiKey)({ name: `key ${permissions.join(" ")}`, permissions })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`authorization gaps (issue 15 §4) on ${dialect}`, (it) => {
    it.effect("issue 15 §4: creating an admin user without a recent MFA fails mfa:step-up and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-admin-none")
        const admin = yield* adminSession(t)
        const before = yield* writes(t)
        for (const type of ["admin", "dev"]) {
          const input = newUserInput(type)
          const error = yield* Effect.flip(UserAdmin.create(input).pipe(policyUse("users:write"), as(t, admin)))
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
          const found = yield* UserAdmin.list({ q: input.email }).pipe(policyUse("users:read"), as(t))
          expect(found.items).toEqual([])
        }
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect("issue 15 §4: creating an admin user succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-admin-done")
        const admin = yield* adminSession(t)
        yield* recordStepUp(t, admin)
        const made = yield* UserAdmin.create(newUserInput("admin")).pipe(policyUse("users:write"), as(t, admin))
        expect(made.user_type).toBe("admin")
      })
    )

    it.effect(
      "issue 15 §4: setting another user's password without a recent MFA fails mfa:step-up; the old one still works",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-password-none")
          const admin = yield* adminSession(t)
          const studentId = yield* newUser(t, "student", { password: "old password of the student" })
          const before = yield* writes(t)
          const error = yield* Effect.flip(
            UserAdmin.resetPassword(UserId.make(studentId), Redacted.make("a new password chosen by the admin")).pipe(
              policyUse("users:write"),
              as(t, admin)
            )
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
          expect(yield* writes(t)).toEqual(before)
        })
    )

    it.effect("issue 15 §4: setting another user's password succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-password-done")
        const admin = yield* adminSession(t)
        const studentId = yield* newUser(t, "student", { password: "old password of the student" })
        yield* recordStepUp(t, admin)
        yield* UserAdmin.resetPassword(
          UserId.make(studentId),
          Redacted.make("a new password chosen by the admin")
        ).pipe(policyUse("users:write"), as(t, admin))
        const audit = yield* asTenant(
          t,
          Audit.use((a) => a.list({ targetId: studentId }))
        )
        expect(audit.items.map((e) => e.action)).toContain("user.password_reset")
      })
    )

    it.effect("issue 15 §4: creating a teacher needs no step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-teacher")
        const admin = yield* adminSession(t)
        const made = yield* UserAdmin.create(newUserInput("teacher")).pipe(policyUse("users:write"), as(t, admin))
        expect(made.user_type).toBe("teacher")
      })
    )

    it.effect("issue 15 §4: minting an API key without a recent MFA fails mfa:step-up and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-none")
        const admin = yield* adminSession(t)
        const before = yield* writes(t)
        for (const scope of [["*:*"], ["users:read"]]) {
          const error = yield* Effect.flip(
            UserAdmin.createApiKey(keyInput(scope)).pipe(policyUse("apikeys:write"), as(t, admin))
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        }
        expect(yield* writes(t)).toEqual(before)
        expect(yield* UserAdmin.listApiKeys.pipe(policyUse("apikeys:read"), as(t))).toEqual([])
      })
    )

    it.effect("issue 15 §4: minting an API key succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-done")
        const admin = yield* adminSession(t)
        yield* recordStepUp(t, admin)
        const created = yield* UserAdmin.createApiKey(keyInput(["*:*"])).pipe(policyUse("apikeys:write"), as(t, admin))
        expect(created.api_key.permissions).toEqual(["*:*"])
      })
    )

    it.effect("issue 15 §4: an API key minting a key is not asked for step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-key")
        const key: Actor = { kind: "apiKey", id: "key-1", permissions: ["apikeys:write", "users:read"] }
        const created = yield* UserAdmin.createApiKey(keyInput(["users:read"])).pipe(
          policyUse("apikeys:write"),
          as(t, key)
        )
        expect(created.api_key.permissions).toEqual(["users:read"])
      })
    )

    it.effect(
      "issue 15 §4: adding a member to a team with the admin role without a recent MFA fails mfa:step-up and writes nothing",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-team-none")
          const admin = yield* adminSession(t)
          const ops = yield* teamWithRole(t, "admin")
          const teacher = yield* newUser(t, "teacher")
          const before = yield* writes(t)
          const error = yield* Effect.flip(
            AccessAdmin.addTeamMember(ops, teacher).pipe(policyUse("teams:write"), as(t, admin))
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
          expect(yield* writes(t)).toEqual(before)
          const members = yield* AccessAdmin.listTeamMembers(ops).pipe(policyUse("teams:read"), as(t))
          expect(members.items).toEqual([])
        })
    )

    it.effect("issue 15 §4: adding a member to a team with roles succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-team-done")
        const admin = yield* adminSession(t)
        const ops = yield* teamWithRole(t, "admin")
        const teacher = yield* newUser(t, "teacher")
        yield* recordStepUp(t, admin)
        const member = yield* AccessAdmin.addTeamMember(ops, teacher).pipe(policyUse("teams:write"), as(t, admin))
        expect(member.user_id).toBe(teacher)
      })
    )

    it.effect("issue 15 §4: adding a member to a team without roles needs no step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-team-plain")
        const admin = yield* adminSession(t)
        const team = yield* AccessAdmin.createTeam({ name: "Book club" }).pipe(policyUse("teams:write"), as(t))
        const teacher = yield* newUser(t, "teacher")
        const member = yield* AccessAdmin.addTeamMember(team.id, teacher).pipe(policyUse("teams:write"), as(t, admin))
        expect(member.user_id).toBe(teacher)
      })
    )

    it.effect("issue 15 §4: MFA enrolment with a wrong password fails Forbidden and stores no secret", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-enrol-wrong")
        const admin = yield* adminSession(t)
        const error = yield* Effect.flip(
          Mfa.use((m) => m.enroll(admin.id!, Redacted.make("not the password at all"))).pipe(as(t, admin))
        )
        expect(error).toMatchObject({ _tag: "Forbidden" })
        const row = yield* asTenant(
          t,
          Identity.use((i) => i.findRow(admin.id!))
        )
        expect(Option.getOrThrow(row).mfa_secret_enc).toBeNull()
        const refused = yield* asTenant(
          t,
          Audit.use((a) => a.list({ action: "mfa.enroll_refused", targetId: admin.id! }))
        )
        expect(refused.items).toHaveLength(1)
      })
    )

    it.effect("issue 15 §4: MFA enrolment through Account with the current password answers a secret", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-enrol-ok")
        const admin = yield* adminSession(t)
        const enrolment = yield* Account.enrollTotp({ password: Redacted.make(PASSWORD) }).pipe(as(t, admin))
        expect(enrolment.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
      })
    )

    it.effect("issue 15 §4: an admin's MFA reset without a recent MFA fails mfa:step-up and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-reset-none")
        const admin = yield* adminSession(t)
        const teacher = yield* newUser(t, "teacher", { password: PASSWORD })
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          UserAdmin.resetMfa(UserId.make(teacher)).pipe(policyUse("users:write"), as(t, admin))
        )
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect(
      "issue 15 §4: an admin's MFA reset after step-up removes the secret and recovery codes, revokes sessions, audits",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-reset-done")
          const admin = yield* adminSession(t)
          yield* recordStepUp(t, admin)
          // The teacher has MFA (secret, 10 recovery codes) and a session.
          const teacherEmail = `teacher@${t.slug}.example.edu`
          const teacher = yield* newUser(t, "teacher", { email: teacherEmail, password: PASSWORD })
          const login = yield* Auth.use((a) =>
            a.login(t.slug, { login: teacherEmail, password: Redacted.make(PASSWORD) }, {})
          )
          if (login.status !== "authenticated") throw new Error("expected tokens")
          const { secret } = yield* Mfa.use((m) => m.enroll(teacher, Redacted.make(PASSWORD))).pipe(as(t))
          yield* Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.confirm(teacher, c))).pipe(as(t))

          const reset = yield* UserAdmin.resetMfa(UserId.make(teacher)).pipe(policyUse("users:write"), as(t, admin))
          expect(reset).toMatchObject({ user_id: teacher, sessions_revoked: 1 })
          const row = Option.getOrThrow(
            yield* asTenant(
              t,
              Identity.use((i) => i.findRow(teacher))
            )
          )
          expect(row).toMatchObject({ mfa_enabled: false, mfa_secret_enc: null })
          expect(
            yield* asTenant(
              t,
              Mfa.use((m) => m.recoveryCodesLeft(teacher))
            )
          ).toBe(0)
          expect(
            yield* asTenant(
              t,
              Auth.use((a) => a.listSessions(teacher, null))
            )
          ).toEqual([])
          const audited = yield* asTenant(
            t,
            Audit.use((a) => a.list({ action: "mfa.reset", targetId: teacher }))
          )
          expect(audited.items).toHaveLength(1)
          expect(audited.items[0]).toMatchObject({ actor_id: admin.id })
        })
    )

    it.effect(
      "issue 15 §4: an MFA reset of a user holding more than the caller fails Forbidden naming the permission",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-reset-held")
          const head = yield* adminSession(t)
          const clerk: Actor = { kind: "apiKey", id: "key-clerk", permissions: ["users:read", "users:write"] }
          const error = yield* Effect.flip(
            UserAdmin.resetMfa(UserId.make(head.id!)).pipe(policyUse("users:write"), as(t, clerk))
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
        })
    )

    it.effect("issue 15 §4: an MFA reset of a user who does not exist fails UserNotFound", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-reset-nobody")
        const nobody = NodeCrypto.randomUUID()
        const error = yield* Effect.flip(UserAdmin.resetMfa(UserId.make(nobody)).pipe(policyUse("users:write"), as(t)))
        expect(error).toMatchObject({ _tag: "UserNotFound" })
      })
    )

    it.effect(
      "issue 15 §4: creating a user whose school_id names no school fails ValidationError and writes nothing",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-school-random")
          const before = yield* writes(t)
          const input = newUserInput("teacher", { school_id: NodeCrypto.randomUUID() })
          const error = yield* Effect.flip(UserAdmin.create(input).pipe(policyUse("users:write"), as(t)))
          expect(error).toMatchObject({ _tag: "ValidationError", issues: [{ field: "school_id" }] })
          expect(yield* writes(t)).toEqual(before)
        })
    )

    it.effect("issue 15 §4: creating a user with another tenant's school fails ValidationError", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-school-a")
        const other = yield* onboard("authz-school-b")
        const foreign = yield* newSchool(other)
        const input = newUserInput("teacher", { school_id: foreign })
        const error = yield* Effect.flip(UserAdmin.create(input).pipe(policyUse("users:write"), as(t)))
        expect(error).toMatchObject({ _tag: "ValidationError", issues: [{ field: "school_id" }] })
      })
    )

    it.effect("issue 15 §4: creating a user with a school of the tenant keeps the school_id", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-school-own")
        const school = yield* newSchool(t)
        const made = yield* UserAdmin.create(newUserInput("teacher", { school_id: school })).pipe(
          policyUse("users:write"),
          as(t)
        )
        expect(made.school_id).toBe(school)
      })
    )

    it.effect("issue 15 §4: moving a user to another tenant's school fails ValidationError and changes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-school-move-a")
        const other = yield* onboard("authz-school-move-b")
        const own = yield* newSchool(t)
        const foreign = yield* newSchool(other)
        const teacher = yield* newUser(t, "teacher", { school_id: own })
        for (const school_id of [foreign, NodeCrypto.randomUUID()]) {
          const error = yield* Effect.flip(
            UserAdmin.update(UserId.make(teacher), { school_id }).pipe(policyUse("users:write"), as(t))
          )
          expect(error).toMatchObject({ _tag: "ValidationError", issues: [{ field: "school_id" }] })
        }
        expect((yield* UserAdmin.get(UserId.make(teacher)).pipe(policyUse("users:read"), as(t))).school_id).toBe(own)
      })
    )

    it.effect("issue 15 §4: moving a user to another school of the tenant, or to none, is allowed", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-school-move-ok")
        const first = yield* newSchool(t, "First")
        const second = yield* newSchool(t, "Second")
        const teacher = yield* newUser(t, "teacher", { school_id: first })
        const moved = yield* UserAdmin.update(UserId.make(teacher), { school_id: second }).pipe(
          policyUse("users:write"),
          as(t)
        )
        expect(moved.school_id).toBe(second)
        const none = yield* UserAdmin.update(UserId.make(teacher), { school_id: null }).pipe(
          policyUse("users:write"),
          as(t)
        )
        expect(none.school_id).toBeNull()
      })
    )

    it.effect("issue 15 §4: a teacher (users:read) reading a student gets no device identifiers", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-devices-teacher")
        const student = yield* newUser(t, "student", { devices: ["nfc:04a2b3c4"] })
        const teacherId = yield* newUser(t, "teacher")
        const teacher: Actor = { kind: "user", id: teacherId, userType: "teacher" }
        const one = yield* UserAdmin.get(UserId.make(student)).pipe(policyUse("users:read"), as(t, teacher))
        expect(one).toMatchObject({ devices: [], devices_hidden: true })
        const viaAccount = yield* Account.user(UserId.make(student)).pipe(as(t, teacher))
        expect(viaAccount).toMatchObject({ devices: [], devices_hidden: true })
        const page = yield* UserAdmin.list({ user_type: "student" }).pipe(policyUse("users:read"), as(t, teacher))
        expect(page.items.map((u) => u.devices)).toEqual([[]])
        expect(JSON.stringify(page)).not.toContain("04a2b3c4")
      })
    )

    it.effect("issue 15 §4: a read-only API key gets no device identifiers", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-devices-key")
        const student = yield* newUser(t, "student", { devices: ["nfc:04a2b3c4"] })
        const key: Actor = { kind: "apiKey", id: "key-ro", permissions: ["users:read"] }
        const one = yield* UserAdmin.get(UserId.make(student)).pipe(policyUse("users:read"), as(t, key))
        expect(one).toMatchObject({ devices: [], devices_hidden: true })
      })
    )

    it.effect("issue 15 §4: the student themselves and a users:write holder see the device identifiers", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-devices-shown")
        const student = yield* newUser(t, "student", { devices: ["nfc:04a2b3c4"] })
        const self: Actor = { kind: "user", id: student, userType: "student" }
        const own = yield* Account.user(UserId.make(student)).pipe(as(t, self))
        expect(own.devices).toEqual(["nfc:04a2b3c4"])
        expect(own.devices_hidden).toBeUndefined()
        const admin = yield* adminSession(t)
        const managed = yield* UserAdmin.get(UserId.make(student)).pipe(policyUse("users:read"), as(t, admin))
        expect(managed.devices).toEqual(["nfc:04a2b3c4"])
      })
    )
  })
}
