/**
 * The user service: tenant users with their student data and registered
 * devices, passwords, and the seed's `IdentityQuery` reads (GetUserLite,
 * Exists, ValidateStudentDevice, GetUserById).
 *
 * Every operation acts on the `CurrentTenant`; every mutation runs in one
 * transaction with exactly one audit row and one CloudEvent
 * (`signet.user.created|updated|disabled|enabled|deleted|password_changed|…`).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  type CreateUser,
  type UpdateUser,
  User,
  UserLite,
  UserNotFound,
  type UserStatus,
  type UserType
} from "@signet/contracts/identity/Domain"
import { type CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Effect, Option, type Redacted, Ref, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { isUniqueViolation, tenantTx, violatedConstraint } from "../kernel/Database.js"
import { DbBool, instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { hashPassword, passwordProblem } from "./Password.js"

/** Filters of {@link Identity.list}. */
export interface ListUsers {
  readonly user_type?: UserType | undefined
  readonly status?: UserStatus | undefined
  readonly school_id?: string | undefined
  /** Case-insensitive substring of e-mail, username, given or family name. */
  readonly q?: string | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** A user row including the secret columns (never leaves the identity module). */
export const UserRow = Schema.Struct({
  tenant_id: Schema.String,
  id: Schema.String,
  email: Schema.String,
  username: Schema.NullOr(Schema.String),
  given_name: Schema.String,
  family_name: Schema.String,
  user_type: Schema.Literal("student", "teacher", "admin", "dev"),
  status: Schema.Literal("active", "disabled", "locked"),
  school_id: Schema.NullOr(Schema.String),
  student_number: Schema.NullOr(Schema.String),
  password_hash: Schema.NullOr(Schema.String),
  failed_logins: Schema.Number,
  locked_until: Schema.NullOr(Schema.String),
  mfa_enabled: DbBool,
  mfa_secret_enc: Schema.NullOr(Schema.String),
  mfa_last_step: Schema.NullOr(Schema.Number),
  last_login_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String,
  deleted_at: Schema.NullOr(Schema.String)
})
/** @see UserRow */
export type UserRow = typeof UserRow.Type
const decodeRows = Schema.decodeUnknown(Schema.Array(UserRow))

/** A user as a roster import describes it (see `Identity.rosterUpsert`). */
export interface RosterUser {
  readonly sourceId: string
  readonly userType: UserType
  readonly email: string | null
  readonly username: string | null
  readonly givenName: string
  readonly familyName: string
  readonly studentNumber: string | null
  readonly schoolId: string | null
  readonly enabled: boolean
  readonly deleted: boolean
}

/**
 * A user whose `user_type` a roster import changed (e.g. a student who became
 * a teacher): handed to the steps registered with `Identity.addRetypeStep`.
 */
export interface UserTypeChange {
  readonly id: string
  readonly from: UserType
  readonly to: UserType
}

/** Normalises an e-mail or username for uniqueness and lookup. */
export const normalize = (s: string): string => s.trim().normalize("NFKC").toLowerCase()

/**
 * The schools port (ARCHITECTURE §1: academics owns `schools`, and academics
 * imports identity, so identity asks through this function instead):
 * "is `schoolId` a live school of the `CurrentTenant`?" — false for another
 * tenant's school, a deleted one, or an id that names nothing. `Core.ts`
 * sets it from `Academics.getSchool` ({@link Identity} `setSchoolCheck`); an
 * embedder composing its own layers sets it the same way. Until it is set
 * every `school_id` is refused (fail closed).
 */
export type SchoolCheck = (schoolId: string) => Effect.Effect<boolean, never, CurrentTenant>

/** The public view of a row (status shows `locked` while a lockout runs). */
export const toUser = (row: UserRow, devices: ReadonlyArray<string>, nowMs: number): User =>
  new User(
    {
      id: row.id as User["id"],
      tenant_id: row.tenant_id as User["tenant_id"],
      email: row.email,
      username: row.username,
      given_name: row.given_name,
      family_name: row.family_name,
      user_type: row.user_type,
      status:
        row.status === "active" && row.locked_until !== null && Date.parse(row.locked_until) > nowMs
          ? "locked"
          : row.status,
      school_id: row.school_id,
      student_number: row.student_number,
      devices,
      mfa_enabled: row.mfa_enabled,
      locked_until: row.locked_until !== null && Date.parse(row.locked_until) > nowMs ? row.locked_until : null,
      last_login_at: row.last_login_at,
      created_at: row.created_at,
      updated_at: row.updated_at
      // Built from a decoded row: not validated again here (responses are encoded through the schema).
    },
    true
  )

/**
 * The user service. Methods require `CurrentTenant` (and `CurrentActor` for
 * mutations) and open their own tenant transaction.
 */
export class Identity extends Effect.Service<Identity>()("Signet/Identity", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const tenancy = yield* Tenancy
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    const now = Clock.currentTimeMillis
    const deletionSteps = yield* Ref.make<
      ReadonlyArray<(userId: string) => Effect.Effect<void, never, CurrentTenant | CurrentActor>>
    >([])

    const creationSteps = yield* Ref.make<
      ReadonlyArray<(user: User) => Effect.Effect<void, never, CurrentTenant | CurrentActor>>
    >([])

    /**
     * Registers work done in the transaction that creates a user (the access
     * module assigns the default role of the user's type).
     */
    const schoolCheck = yield* Ref.make<SchoolCheck>(() => Effect.succeed(false))
    /** Sets the schools port (see {@link SchoolCheck}). */
    const setSchoolCheck = (check: SchoolCheck) => Ref.set(schoolCheck, check)
    /**
     * A user's `school_id` must name a live school of the current tenant (issue
     * 15 §4: it lands in the JWT `school_id` claim, which other services trust).
     * @errors ValidationError (`school_id`)
     */
    const requireSchool = (schoolId: string) =>
      Effect.flatMap(Ref.get(schoolCheck), (check) =>
        Effect.flatMap(check(schoolId), (found) =>
          found ? Effect.void : Effect.fail(ValidationError.field("school_id", "names no school of this tenant"))
        )
      )

    const addCreationStep = (step: (user: User) => Effect.Effect<void, never, CurrentTenant | CurrentActor>) =>
      Ref.update(creationSteps, (s) => [...s, step])

    const bulkCreationSteps = yield* Ref.make<
      ReadonlyArray<(users: ReadonlyArray<User>) => Effect.Effect<void, never, CurrentTenant | CurrentActor>>
    >([])

    /**
     * Registers work done, once for a whole batch, in the transaction of a
     * bulk user creation (roster imports), instead of once per user.
     */
    const addBulkCreationStep = (
      step: (users: ReadonlyArray<User>) => Effect.Effect<void, never, CurrentTenant | CurrentActor>
    ) => Ref.update(bulkCreationSteps, (s) => [...s, step])

    const retypeSteps = yield* Ref.make<
      ReadonlyArray<
        (changes: ReadonlyArray<UserTypeChange>) => Effect.Effect<void, never, CurrentTenant | CurrentActor>
      >
    >([])

    /**
     * Registers work done, once per import, in the transaction of a roster
     * import that changed users' `user_type` (the access module swaps the
     * default role of the old type for the new type's).
     */
    const addRetypeStep = (
      step: (changes: ReadonlyArray<UserTypeChange>) => Effect.Effect<void, never, CurrentTenant | CurrentActor>
    ) => Ref.update(retypeSteps, (s) => [...s, step])

    /**
     * Registers work done in the transaction that deletes a user (the access
     * module removes the user's grants).
     */
    const addDeletionStep = (step: (userId: string) => Effect.Effect<void, never, CurrentTenant | CurrentActor>) =>
      Ref.update(deletionSteps, (s) => [...s, step])

    // Registered devices by user. Only students register devices (create and update refuse
    // them for other types; a roster import that retypes a student removes them), so callers
    // pass students' ids only and a page without students costs no query.
    const devicesOf = (tenantId: string, ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.succeed(new Map<string, Array<string>>())
        : sql<{ user_id: string; device_identifier: string }>`SELECT user_id, device_identifier FROM student_devices
            WHERE tenant_id = ${tenantId} AND ${sql.in("user_id", ids)} ORDER BY device_identifier`.pipe(
            Effect.orDie,
            Effect.map((rows) => {
              const m = new Map<string, Array<string>>()
              for (const r of rows) m.set(r.user_id, [...(m.get(r.user_id) ?? []), r.device_identifier])
              return m
            })
          )

    /** Reads a user row (not deleted) of the current tenant, with secrets. Internal to identity. */
    const findRow = (id: string) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        if (!/^[0-9a-f-]{36}$/i.test(id)) return Option.none<UserRow>()
        const rows =
          yield* sql`SELECT * FROM users WHERE tenant_id = ${tenant.id} AND id = ${id} AND deleted_at IS NULL`.pipe(
            Effect.flatMap(decodeRows),
            Effect.orDie
          )
        return Option.fromNullable(rows[0])
      })

    /** Finds a login by e-mail or username (not deleted). Internal to identity. */
    const findByLogin = (login: string) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const n = normalize(login)
        const rows = yield* sql`SELECT * FROM users WHERE tenant_id = ${tenant.id} AND deleted_at IS NULL
          AND (email_normalized = ${n} OR username_normalized = ${n}) ORDER BY email_normalized = ${n} DESC LIMIT 1`.pipe(
          Effect.flatMap(decodeRows),
          Effect.orDie
        )
        return Option.fromNullable(rows[0])
      })

    const present = (row: UserRow) =>
      Effect.gen(function* () {
        const devices = yield* devicesOf(row.tenant_id, row.user_type === "student" ? [row.id] : [])
        return toUser(row, devices.get(row.id) ?? [], yield* now)
      })

    const notFound = (id: string) => new UserNotFound({ message: `no user ${id}`, id })

    /** One user. @errors UserNotFound (also for another tenant's id) */
    const get = (id: string): Effect.Effect<User, UserNotFound, CurrentTenant> =>
      inTx(Effect.flatMap(findRow(id), (row) => (Option.isSome(row) ? present(row.value) : Effect.fail(notFound(id)))))

    const conflictFrom = (e: unknown) => {
      const c = violatedConstraint(e)
      const field = c.includes("username") ? "username" : c.includes("student_number") ? "student_number" : "email"
      return new Conflict({ message: `a user with this ${field.replace("_", " ")} already exists`, field })
    }

    /** Checks a new password against the tenant policy. @errors ValidationError (field `field`) */
    const checkPassword = (
      password: Redacted.Redacted<string>,
      email: string,
      username: string | null | undefined,
      field = "password"
    ) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const minLength = yield* tenancy.settingValue<number>(tenant.id, "auth.password_min_length")
        const problem = yield* passwordProblem(password, { minLength, email, username })
        if (problem) return yield* ValidationError.field(field, problem)
      })

    /**
     * Creates a user (and its registered devices). Without a password the
     * user cannot log in until an admin sets one. A `school_id` must name a
     * live school of the tenant ({@link SchoolCheck}).
     * @errors ValidationError (password policy; `school_id` naming no school of the tenant), Conflict (email, username or student number taken)
     */
    const create = (input: CreateUser): Effect.Effect<User, ValidationError | Conflict, CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        if (input.password) yield* checkPassword(input.password, input.email, input.username)
        if (input.student_number !== undefined && input.user_type !== "student") {
          return yield* ValidationError.field("student_number", "only students have a student number")
        }
        if (input.devices && input.devices.length > 0 && input.user_type !== "student") {
          return yield* ValidationError.field("devices", "only students register devices")
        }
        if (input.school_id) yield* requireSchool(input.school_id)
        const passwordHash = input.password ? yield* hashPassword(input.password) : null
        const id = yield* newUuid
        const at = instant(yield* now)
        return yield* inTx(
          Effect.gen(function* () {
            yield* sql`INSERT INTO users (tenant_id, id, email, email_normalized, username, username_normalized,
                given_name, family_name, user_type, status, school_id, student_number, password_hash,
                password_changed_at, created_at, updated_at)
              VALUES (${tenant.id}, ${id}, ${input.email}, ${normalize(input.email)}, ${input.username ?? null},
                ${input.username ? normalize(input.username) : null}, ${input.given_name}, ${input.family_name},
                ${input.user_type}, 'active', ${input.school_id ?? null}, ${input.student_number ?? null},
                ${passwordHash}, ${passwordHash ? at : null}, ${at}, ${at})`.pipe(
              Effect.catchIf(isUniqueViolation, (e) => Effect.fail(conflictFrom(e))),
              Effect.catchTag("SqlError", Effect.die)
            )
            for (const device of new Set(input.devices ?? [])) {
              yield* sql`INSERT INTO student_devices (tenant_id, user_id, device_identifier, created_at)
                VALUES (${tenant.id}, ${id}, ${device}, ${at})`.pipe(Effect.orDie)
            }
            const user = yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
            yield* audit.record({ action: "user.create", targetType: "user", targetId: id, after: user })
            for (const step of yield* Ref.get(creationSteps)) yield* step(user)
            yield* events.publish({ type: "signet.user.created", subject: id, data: user })
            return user
          })
        )
      }).pipe(Effect.withSpan("Identity.create"))

    /** Lists users with filters and cursor pagination (by id). */
    const list = (params: ListUsers = {}) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const conditions = [sql`tenant_id = ${tenant.id}`, sql`deleted_at IS NULL`]
        if (after) conditions.push(sql`id > ${after}`)
        if (params.user_type) conditions.push(sql`user_type = ${params.user_type}`)
        if (params.status) {
          // As presented (toUser): an active user inside a lockout period lists as "locked".
          const at = instant(yield* now)
          conditions.push(
            params.status === "locked"
              ? sql`(status = 'locked' OR (status = 'active' AND locked_until > ${at}))`
              : params.status === "active"
                ? sql`status = 'active' AND (locked_until IS NULL OR locked_until <= ${at})`
                : sql`status = ${params.status}`
          )
        }
        if (params.school_id) conditions.push(sql`school_id = ${params.school_id}`)
        if (params.q) {
          const like = `%${normalize(params.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`
          conditions.push(
            sql`(email_normalized LIKE ${like} ESCAPE '\\' OR username_normalized LIKE ${like} ESCAPE '\\'
              OR LOWER(given_name) LIKE ${like} ESCAPE '\\' OR LOWER(family_name) LIKE ${like} ESCAPE '\\')`
          )
        }
        return yield* inTx(
          Effect.gen(function* () {
            const rows =
              yield* sql`SELECT * FROM users WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${limit + 1}`.pipe(
                Effect.flatMap(decodeRows),
                Effect.orDie
              )
            const devices = yield* devicesOf(
              tenant.id,
              rows
                .slice(0, limit)
                .filter((r) => r.user_type === "student")
                .map((r) => r.id)
            )
            const nowMs = yield* now
            return toPage(
              rows.map((r) => toUser(r, devices.get(r.id) ?? [], nowMs)),
              limit
            )
          })
        )
      })

    /**
     * Updates profile fields (not type, status or roles: the schema refuses
     * them). Devices, when given, replace the registered set. A new
     * `school_id` must name a live school of the tenant ({@link SchoolCheck}).
     * @errors UserNotFound, Conflict, ValidationError (`school_id` naming no school of the tenant)
     */
    const update = (id: string, patch: UpdateUser) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const row = yield* Effect.flatMap(findRow(id), (r) =>
            Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(notFound(id))
          )
          if (row.user_type !== "student" && (patch.student_number || (patch.devices && patch.devices.length > 0))) {
            return yield* ValidationError.field(
              patch.student_number ? "student_number" : "devices",
              "only for students"
            )
          }
          // Checked when it changes (a school deleted since keeps its users until they are moved).
          if (patch.school_id && patch.school_id !== row.school_id) yield* requireSchool(patch.school_id)
          const before = yield* present(row)
          const at = instant(yield* now)
          const email = patch.email ?? row.email
          const username = patch.username === undefined ? row.username : patch.username
          yield* sql`UPDATE users SET email = ${email}, email_normalized = ${normalize(email)}, username = ${username},
              username_normalized = ${username ? normalize(username) : null},
              given_name = ${patch.given_name ?? row.given_name}, family_name = ${patch.family_name ?? row.family_name},
              school_id = ${patch.school_id === undefined ? row.school_id : patch.school_id},
              student_number = ${patch.student_number === undefined ? row.student_number : patch.student_number},
              updated_at = ${at}
            WHERE tenant_id = ${tenant.id} AND id = ${id}`.pipe(
            Effect.catchIf(isUniqueViolation, (e) => Effect.fail(conflictFrom(e))),
            Effect.catchTag("SqlError", Effect.die)
          )
          if (patch.devices) {
            yield* sql`DELETE FROM student_devices WHERE tenant_id = ${tenant.id} AND user_id = ${id}`.pipe(
              Effect.orDie
            )
            for (const device of new Set(patch.devices)) {
              yield* sql`INSERT INTO student_devices (tenant_id, user_id, device_identifier, created_at)
                VALUES (${tenant.id}, ${id}, ${device}, ${at})`.pipe(Effect.orDie)
            }
          }
          const after = yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
          yield* audit.record({ action: "user.update", targetType: "user", targetId: id, before, after })
          yield* events.publish({ type: "signet.user.updated", subject: id, data: after })
          return after
        })
      )

    /**
     * Changes status or soft-deletes, recording one audit row; `extra` runs
     * in the same transaction (the auth service revokes sessions there).
     */
    const lifecycle = <E, R>(
      id: string,
      action: "disabled" | "enabled" | "deleted" | "unlocked",
      extra: (tenantId: string, userId: string) => Effect.Effect<void, E, R> = () => Effect.void
    ) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const row = yield* Effect.flatMap(findRow(id), (r) =>
            Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(notFound(id))
          )
          const before = yield* present(row)
          const at = instant(yield* now)
          if (action === "deleted") {
            yield* sql`UPDATE users SET deleted_at = ${at}, updated_at = ${at} WHERE tenant_id = ${tenant.id} AND id = ${id}`
            for (const step of yield* Ref.get(deletionSteps)) yield* step(id)
          } else if (action === "unlocked") {
            yield* sql`UPDATE users SET status = 'active', failed_logins = 0, locked_until = NULL, updated_at = ${at}
              WHERE tenant_id = ${tenant.id} AND id = ${id}`
          } else {
            yield* sql`UPDATE users SET status = ${action === "disabled" ? "disabled" : "active"}, updated_at = ${at}
              WHERE tenant_id = ${tenant.id} AND id = ${id}`
          }
          yield* extra(tenant.id, id)
          const after =
            action === "deleted" ? null : yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
          yield* audit.record({ action: `user.${action}`, targetType: "user", targetId: id, before, after })
          yield* events.publish({ type: `signet.user.${action}`, subject: id, data: after ?? { id } })
          return after ?? before
        }).pipe(Effect.catchTag("SqlError", Effect.die))
      )

    /**
     * Stores a new password hash (policy already checked by the caller) in
     * the caller's transaction.
     */
    const storePassword = (userId: string, password: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const phc = yield* hashPassword(password)
        const at = instant(yield* now)
        yield* sql`UPDATE users SET password_hash = ${phc}, password_changed_at = ${at}, failed_logins = 0,
            locked_until = NULL, updated_at = ${at}
          WHERE tenant_id = ${tenant.id} AND id = ${userId}`.pipe(Effect.orDie)
      })

    /** `IdentityQuery.GetUserLite` (seed 004). @errors UserNotFound */
    const getLite = (id: string) =>
      Effect.map(
        get(id),
        (u) =>
          new UserLite({
            id: u.id,
            school_id: u.school_id ?? "",
            email: u.email,
            firstname: u.given_name,
            lastname: u.family_name,
            user_type: u.user_type
          })
      )

    /**
     * Type, school, status, e-mail and display name of many users at once (live users of the current
     * tenant only; unknown ids are absent from the map). For other modules'
     * batch checks, e.g. academics linking teachers and students.
     */
    const liteMany = (ids: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const valid = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id))
          const out = new Map<
            string,
            {
              readonly user_type: UserType
              readonly school_id: string | null
              readonly status: UserStatus
              readonly email: string
              readonly name: string
            }
          >()
          for (let i = 0; i < valid.length; i += 500) {
            const rows = yield* sql<{
              id: string
              user_type: UserType
              school_id: string | null
              status: UserStatus
              email: string
              given_name: string
              family_name: string
            }>`
              SELECT id, user_type, school_id, status, email, given_name, family_name FROM users WHERE tenant_id = ${tenant.id} AND deleted_at IS NULL
                AND ${sql.in("id", valid.slice(i, i + 500))}`.pipe(Effect.orDie)
            for (const r of rows)
              out.set(r.id, {
                user_type: r.user_type,
                school_id: r.school_id,
                status: r.status,
                email: r.email,
                name: `${r.given_name} ${r.family_name}`.trim()
              })
          }
          return out as ReadonlyMap<
            string,
            {
              readonly user_type: UserType
              readonly school_id: string | null
              readonly status: UserStatus
              readonly email: string
              readonly name: string
            }
          >
        })
      )

    /**
     * Roster upsert (OneRoster import): creates, updates or soft-deletes users
     * by their `source_id`, in the caller's transaction, without an audit row
     * per user (the import writes one summary row). New users get the
     * creation steps (their default role). A user whose type changes (a
     * student who became a teacher) loses the student's registered devices and
     * goes through the retype steps (the default role of the new type replaces
     * the old one's). A user the import soft-deletes loses their grants (the
     * deletion steps) and sessions, one it disables loses their sessions, and
     * one it lists again after a deletion gets the default role back (the
     * creation steps). A user without e-mail gets
     * `<sourcedId>@oneroster.invalid` (RFC 2606), so the unique-per-tenant
     * e-mail rule holds; they log in by username.
     */
    const rosterUpsert = (users: ReadonlyArray<RosterUser>) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const at = instant(yield* now)
        const existing = new Map<string, UserRow & { readonly source_id: string }>()
        const sources = users.map((u) => u.sourceId)
        for (let i = 0; i < sources.length; i += 500) {
          const rows =
            yield* sql`SELECT * FROM users WHERE tenant_id = ${tenant.id} AND ${sql.in("source_id", sources.slice(i, i + 500))}`.pipe(
              Effect.flatMap(
                Schema.decodeUnknown(Schema.Array(Schema.extend(UserRow, Schema.Struct({ source_id: Schema.String }))))
              ),
              Effect.orDie
            )
          for (const r of rows) existing.set(r.source_id, r)
        }
        const ids = new Map<string, string>()
        const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
        const created: Array<string> = []
        const retyped: Array<UserTypeChange> = []
        // Soft-deleted by this import: their grants go and their sessions end, as with DELETE …/users/{id}.
        const removed: Array<string> = []
        // Disabled by this import: their sessions end, as with POST …/users/{id}/disable.
        const disabled: Array<string> = []
        // Restored by this import (deleted before, listed again): they get the default role again.
        const restored: Array<string> = []
        for (const u of users) {
          const email = u.email ?? `${u.sourceId.toLowerCase().replace(/[^a-z0-9._-]/g, "-")}@oneroster.invalid`
          const found = existing.get(u.sourceId)
          if (!found) {
            if (u.deleted) continue
            const id = yield* newUuid
            yield* sql`INSERT INTO users (tenant_id, id, email, email_normalized, username, username_normalized, given_name, family_name,
                user_type, status, school_id, student_number, source_id, created_at, updated_at)
              VALUES (${tenant.id}, ${id}, ${email}, ${normalize(email)}, ${u.username}, ${u.username ? normalize(u.username) : null},
                ${u.givenName}, ${u.familyName}, ${u.userType}, ${u.enabled ? "active" : "disabled"}, ${u.schoolId},
                ${u.studentNumber}, ${u.sourceId}, ${at}, ${at})`.pipe(Effect.orDie)
            ids.set(u.sourceId, id)
            created.push(id)
            counts.created++
            continue
          }
          ids.set(u.sourceId, found.id)
          if (u.deleted) {
            if (found.deleted_at === null) {
              yield* sql`UPDATE users SET deleted_at = ${at}, updated_at = ${at} WHERE tenant_id = ${tenant.id} AND id = ${found.id}`.pipe(
                Effect.orDie
              )
              removed.push(found.id)
              counts.deleted++
            } else counts.unchanged++
            continue
          }
          const status = u.enabled ? (found.status === "disabled" ? "active" : found.status) : "disabled"
          const same =
            found.deleted_at === null &&
            found.email === email &&
            found.username === u.username &&
            found.given_name === u.givenName &&
            found.family_name === u.familyName &&
            found.user_type === u.userType &&
            found.school_id === u.schoolId &&
            found.student_number === u.studentNumber &&
            found.status === status
          if (same) {
            counts.unchanged++
            continue
          }
          yield* sql`UPDATE users SET email = ${email}, email_normalized = ${normalize(email)}, username = ${u.username},
              username_normalized = ${u.username ? normalize(u.username) : null}, given_name = ${u.givenName},
              family_name = ${u.familyName}, user_type = ${u.userType}, school_id = ${u.schoolId},
              student_number = ${u.studentNumber}, status = ${status}, deleted_at = NULL, updated_at = ${at}
            WHERE tenant_id = ${tenant.id} AND id = ${found.id}`.pipe(Effect.orDie)
          if (found.deleted_at !== null) restored.push(found.id)
          else if (status === "disabled" && found.status !== "disabled") disabled.push(found.id)
          if (found.user_type !== u.userType) {
            retyped.push({ id: found.id, from: found.user_type, to: u.userType })
            // Registered devices are a student's (ValidateStudentDevice): they go with the type.
            if (found.user_type === "student") {
              yield* sql`DELETE FROM student_devices WHERE tenant_id = ${tenant.id} AND user_id = ${found.id}`.pipe(
                Effect.orDie
              )
            }
          }
          counts.updated++
        }
        for (const id of removed) for (const step of yield* Ref.get(deletionSteps)) yield* step(id)
        const ended = [
          ...removed.map((id) => ({ id, reason: "user_deleted" })),
          ...disabled.map((id) => ({ id, reason: "user_disabled" }))
        ]
        for (const { id, reason } of ended) {
          yield* sql`UPDATE user_sessions SET revoked_at = ${at}, revoked_reason = ${reason}
            WHERE tenant_id = ${tenant.id} AND user_id = ${id} AND revoked_at IS NULL`.pipe(Effect.orDie)
        }
        if (retyped.length > 0) for (const step of yield* Ref.get(retypeSteps)) yield* step(retyped)
        const granted = [...created, ...restored]
        if (granted.length > 0) {
          const users: Array<User> = []
          const nowMs = yield* now
          for (let i = 0; i < granted.length; i += 500) {
            const rows =
              yield* sql`SELECT * FROM users WHERE tenant_id = ${tenant.id} AND ${sql.in("id", granted.slice(i, i + 500))}`.pipe(
                Effect.flatMap(decodeRows),
                Effect.orDie
              )
            for (const r of rows) users.push(toUser(r, [], nowMs))
          }
          for (const step of yield* Ref.get(bulkCreationSteps)) yield* step(users)
        }
        return { ...counts, ids: ids as ReadonlyMap<string, string> }
      })

    /** `IdentityQuery.Exists` (seed 004): true for a live user of the current tenant. */
    const exists = (id: string) => inTx(Effect.map(findRow(id), Option.isSome))

    /**
     * `IdentityQuery.ValidateStudentDevice` (seed 004): true when the user is
     * an active student of the current tenant and the device is registered to them.
     */
    const validateStudentDevice = (studentId: string, deviceIdentifier: string) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const row = yield* findRow(studentId)
          if (Option.isNone(row) || row.value.user_type !== "student" || row.value.status !== "active") return false
          const found = yield* sql`SELECT 1 AS ok FROM student_devices WHERE tenant_id = ${tenant.id}
            AND user_id = ${studentId} AND device_identifier = ${deviceIdentifier}`.pipe(Effect.orDie)
          return found.length > 0
        })
      )

    return {
      setSchoolCheck,
      addBulkCreationStep,
      addRetypeStep,
      rosterUpsert,
      liteMany,
      addCreationStep,
      addDeletionStep,
      get,
      getLite,
      exists,
      validateStudentDevice,
      list,
      create,
      update,
      lifecycle,
      checkPassword,
      storePassword,
      findRow,
      findByLogin,
      present,
      inTx
    } as const
  })
}) {}
