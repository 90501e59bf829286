/**
 * What the user service's seams share (issue 14 §3): the repositories, the
 * services it calls (access for the grants that follow a user's lifecycle),
 * the schools port, reading and presenting rows, and the typed refusals.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { User, type UserId, UserNotFound, type UserType } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option, type Redacted } from "effect"
import { Access } from "../../access/Access.js"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { tenantReadOn, tenantTxOn, violatedConstraint } from "../../kernel/Database.js"
import { Quotas } from "../../kernel/Quotas.js"
import { Tenancy } from "../../tenancy/Tenancy.js"
import { passwordProblem } from "../Password.js"
import { UserSchools } from "../Ports.js"
import { SessionsRepo } from "../repo/Sessions.js"
import { findIfId, type UserRow, UsersRepo, type UserUniqueViolation } from "../repo/Users.js"

export { UserRow } from "../repo/Users.js"

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
 * a teacher): handed to `Access.swapDefaultRoles`.
 */
export interface UserTypeChange {
  readonly id: UserId
  readonly from: UserType
  readonly to: UserType
}

/** Normalises an e-mail or username for uniqueness and lookup. */
export const normalize = (s: string): string => s.trim().normalize("NFKC").toLowerCase()

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
        row.status === "active" && row.locked_until !== null && DateTime.toEpochMillis(row.locked_until) > nowMs
          ? "locked"
          : row.status,
      school_id: row.school_id,
      student_number: row.student_number,
      devices,
      mfa_enabled: row.mfa_enabled,
      display_name: row.display_name,
      locale: row.locale,
      time_zone: row.time_zone,
      avatar_url: row.avatar_url,
      locked_until:
        row.locked_until !== null && DateTime.toEpochMillis(row.locked_until) > nowMs ? row.locked_until : null,
      last_login_at: row.last_login_at,
      created_at: row.created_at,
      updated_at: row.updated_at
      // Built from a decoded row: not validated again here (responses are encoded through the schema).
    },
    true
  )

/** The shared kit of the user service's seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* UsersRepo
  const sessions = yield* SessionsRepo
  const audit = yield* Audit
  const events = yield* Events
  const tenancy = yield* Tenancy
  const access = yield* Access
  const schools = yield* UserSchools
  const quotas = yield* Quotas
  const now = Clock.currentTimeMillis
  /** Runs `self` in a transaction of the current tenant. */
  const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)
  /** Runs `self`, reads only, for the current tenant: no transaction on SQLite (`tenantReadOn`). */
  const inRead = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantReadOn(sql, self)

  /**
   * A user's `school_id` must name a live school of the current tenant (issue
   * 15 §4: it lands in the JWT `school_id` claim, which other services trust).
   * @errors ValidationError (`school_id`)
   */
  const requireSchool = (schoolId: string) =>
    Effect.flatMap(schools.exists(schoolId), (found) =>
      found ? Effect.void : Effect.fail(ValidationError.field("school_id", "names no school of this tenant"))
    )

  /**
   * The plan admits `n` more users (`users.max`, counted in the caller's
   * transaction; issue 20). `written`: the `n` rows are already in the
   * transaction (a roster import checks after applying, before commit).
   * @errors QuotaExceeded
   */
  const admitUsers = (n: number, written = false) =>
    n > 0
      ? quotas.admit("users.max", n, written ? Effect.map(repo.countLive, (c) => c - n) : repo.countLive)
      : Effect.void

  /** Reads a user row (not deleted) of the current tenant, with secrets. Internal to identity. */
  const findRow = (id: string) => findIfId(id, repo.find)

  /** The public view of a row, with its registered devices. */
  const present = (row: UserRow) =>
    Effect.gen(function* () {
      const devices = yield* repo.devicesOf(row.tenant_id, row.user_type === "student" ? [row.id] : [])
      return toUser(row, devices.get(row.id) ?? [], yield* now)
    })

  const notFound = (id: string) => new UserNotFound({ message: `no user ${id}`, id })

  /** The live user row. @errors UserNotFound */
  const getRow = (id: string) =>
    Effect.flatMap(findRow(id), (r) => (Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(notFound(id))))

  /** The `Conflict` of a unique violation, naming the field taken. */
  const conflictFrom = (e: UserUniqueViolation) => {
    const c = violatedConstraint(e.error)
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

  return {
    repo,
    sessions,
    audit,
    events,
    tenancy,
    now,
    access,
    inTx,
    inRead,
    requireSchool,
    admitUsers,
    findRow,
    present,
    notFound,
    getRow,
    conflictFrom,
    checkPassword
  } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>
