/**
 * The users repository (issue 14 §2): the SQL of tenant users and their
 * registered devices. It is the only writer of `users` and
 * `student_devices`.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's transaction (the services open `tenantTx`). Rows are decoded once
 * into {@link UserRow} (the domain's `User` fields plus the secret columns);
 * unique violations of the inserts and profile updates fail with
 * {@link UserUniqueViolation} (the service maps them to `Conflict`), other
 * SQL errors become defects. Each method has a span `UsersRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { User, UserId, type UserStatus, type UserType } from "@signet/contracts/identity/Domain"
import { CurrentTenant, TenantId } from "@signet/contracts/kernel/Context"
import { Data, Effect, Option, Schema, Struct } from "effect"
import { isUniqueViolation } from "../../kernel/Database.js"
import { DbBool, DbCount, REPO_SPAN, repoSpan } from "../../kernel/Sql.js"

/** A user row including the secret columns (never leaves the identity module). */
export const UserRow = Schema.Struct({
  ...Struct.omit(User.fields, "id", "tenant_id", "devices", "devices_hidden", "mfa_enabled", "status"),
  tenant_id: TenantId,
  id: UserId,
  status: Schema.Literal("active", "disabled", "locked"),
  password_hash: Schema.NullOr(Schema.String),
  failed_logins: Schema.Number,
  mfa_enabled: DbBool,
  mfa_secret_enc: Schema.NullOr(Schema.String),
  mfa_last_step: Schema.NullOr(Schema.Number),
  deleted_at: Schema.NullOr(Schema.DateTimeUtc)
})
/** @see UserRow */
export type UserRow = typeof UserRow.Type

/** A user row with the roster key it was imported under. */
const SourcedUserRow = Schema.Struct({ ...UserRow.fields, source_id: Schema.String })

/** What other modules' batch checks need of a user (see `Identity.liteMany`). */
const LiteRow = Schema.Struct({
  id: Schema.String,
  ...Struct.pick(UserRow.fields, "user_type", "school_id", "status", "email", "given_name", "family_name")
})

/** A unique violation (e-mail, username or student number taken); the service turns it into a `Conflict`. */
export class UserUniqueViolation extends Data.TaggedError("UserUniqueViolation")<{ readonly error: unknown }> {}

/** A new user as stored (e-mail and username normalised by the caller). */
export interface NewUser {
  readonly id: string
  readonly email: string
  readonly email_normalized: string
  readonly username: string | null
  readonly username_normalized: string | null
  readonly given_name: string
  readonly family_name: string
  readonly user_type: UserType
  readonly status: "active" | "disabled"
  readonly school_id: string | null
  readonly student_number: string | null
  readonly password_hash: string | null
  readonly password_changed_at: string | null
  readonly source_id: string | null
  readonly at: string
}

/** A user's profile columns as an update writes them. */
export interface ProfileColumns {
  readonly email: string
  readonly email_normalized: string
  readonly username: string | null
  readonly username_normalized: string | null
  readonly given_name: string
  readonly family_name: string
  readonly school_id: string | null
  readonly student_number: string | null
}

/** The profile columns a user may edit themselves (issue 18 "Profiles"). */
export interface PersonalColumns {
  readonly display_name: string | null
  readonly locale: string | null
  readonly time_zone: string | null
  readonly avatar_url: string | null
}

/** Filters of the user list, already normalised (`like` escaped, `at` the present instant). */
export interface UserFilters {
  readonly after?: string | undefined
  readonly user_type?: UserType | undefined
  readonly status?: UserStatus | undefined
  readonly school_id?: string | undefined
  readonly like?: string | undefined
  readonly at: string
  readonly limit: number
}

const span = repoSpan("UsersRepo")
/** Unique violations as {@link UserUniqueViolation}, other SQL errors as defects. */
const unique =
  (name: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.catchAll((e) =>
        isUniqueViolation(e) ? Effect.fail(new UserUniqueViolation({ error: e })) : Effect.die(e)
      ),
      Effect.withSpan(`UsersRepo.${name}`, REPO_SPAN)
    )
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
/** Runs the current tenant's statement for its effect. */
const exec = <E>(statement: (tenant: string) => Effect.Effect<unknown, E>) =>
  Effect.asVoid(Effect.flatMap(tid, statement))
/** `ids` in chunks of 500 (bound parameters stay well under every dialect's limit). */
const chunks = (ids: ReadonlyArray<string>) => {
  const out: Array<ReadonlyArray<string>> = []
  for (let i = 0; i < ids.length; i += 500) out.push(ids.slice(i, i + 500))
  return out
}
const ByIds = Schema.Struct({ tenant: Schema.String, ids: Schema.Array(Schema.String) })

/** The reads of users and devices, on `sql`. */
const userReads = (sql: SqlClient.SqlClient) => {
  const findQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
    Result: UserRow,
    execute: (r) => sql`SELECT * FROM users WHERE tenant_id = ${r.tenant} AND id = ${r.id} AND deleted_at IS NULL`
  })
  const loginQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, login: Schema.String }),
    Result: UserRow,
    execute: (r) => sql`SELECT * FROM users WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
        AND (email_normalized = ${r.login} OR username_normalized = ${r.login})
        ORDER BY email_normalized = ${r.login} DESC LIMIT 1`
  })
  const byIdsQ = SqlSchema.findAll({
    Request: ByIds,
    Result: UserRow,
    execute: (r) => sql`SELECT * FROM users WHERE tenant_id = ${r.tenant} AND ${sql.in("id", r.ids)}`
  })
  const bySourcesQ = SqlSchema.findAll({
    Request: ByIds,
    Result: SourcedUserRow,
    execute: (r) => sql`SELECT * FROM users WHERE tenant_id = ${r.tenant} AND ${sql.in("source_id", r.ids)}`
  })
  const liteQ = SqlSchema.findAll({
    Request: ByIds,
    Result: LiteRow,
    execute: (r) => sql`SELECT id, user_type, school_id, status, email, given_name, family_name FROM users
      WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL AND ${sql.in("id", r.ids)}`
  })
  const devicesQ = SqlSchema.findAll({
    Request: ByIds,
    Result: Schema.Struct({ user_id: Schema.String, device_identifier: Schema.String }),
    execute: (r) => sql`SELECT user_id, device_identifier FROM student_devices
      WHERE tenant_id = ${r.tenant} AND ${sql.in("user_id", r.ids)} ORDER BY device_identifier`
  })
  const listQ = SqlSchema.findAll({
    Request: Schema.Struct({
      tenant: Schema.String,
      after: Schema.optional(Schema.String),
      user_type: Schema.optional(Schema.String),
      status: Schema.optional(Schema.String),
      school_id: Schema.optional(Schema.String),
      like: Schema.optional(Schema.String),
      at: Schema.String,
      limit: Schema.Number
    }),
    Result: UserRow,
    execute: (r) => {
      const conditions = [sql`tenant_id = ${r.tenant}`, sql`deleted_at IS NULL`]
      if (r.after) conditions.push(sql`id > ${r.after}`)
      if (r.user_type) conditions.push(sql`user_type = ${r.user_type}`)
      if (r.status) {
        // As presented (toUser): an active user inside a lockout period lists as "locked".
        conditions.push(
          r.status === "locked"
            ? sql`(status = 'locked' OR (status = 'active' AND locked_until > ${r.at}))`
            : r.status === "active"
              ? sql`status = 'active' AND (locked_until IS NULL OR locked_until <= ${r.at})`
              : sql`status = ${r.status}`
        )
      }
      if (r.school_id) conditions.push(sql`school_id = ${r.school_id}`)
      if (r.like) {
        conditions.push(
          sql`(email_normalized LIKE ${r.like} ESCAPE '\\' OR username_normalized LIKE ${r.like} ESCAPE '\\'
            OR LOWER(given_name) LIKE ${r.like} ESCAPE '\\' OR LOWER(family_name) LIKE ${r.like} ESCAPE '\\')`
        )
      }
      return sql`SELECT * FROM users WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${r.limit}`
    }
  })
  /** Rows of a chunked by-ids query, concatenated. */
  const allChunks = <A>(
    ids: ReadonlyArray<string>,
    q: (r: typeof ByIds.Type) => Effect.Effect<ReadonlyArray<A>, unknown>
  ) =>
    Effect.flatMap(tid, (tenant) =>
      Effect.map(
        Effect.forEach(chunks(ids), (c) => q({ tenant, ids: c })),
        (parts) => parts.flat()
      )
    )

  return {
    // ——— reads ——————————————————————————————————————————————————————————
    /** How many users (not deleted: active, disabled or locked) the tenant has — the `users.max` quota's count. */
    countLive: Effect.flatMap(
      tid,
      (tenant) => sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM users
        WHERE tenant_id = ${tenant} AND deleted_at IS NULL`
    ).pipe(
      Effect.flatMap((rows) => Schema.decodeUnknown(DbCount)(rows[0]?.n ?? 0)),
      Effect.orDie,
      span("countLive")
    ),
    /** A live (not deleted) user of the tenant, with secrets. */
    find: (id: string) => Effect.flatMap(tid, (tenant) => findQ({ tenant, id })).pipe(span("find")),
    /** A live user whose normalised e-mail or username is `login` (the e-mail match first). */
    findByLogin: (login: string) =>
      Effect.flatMap(tid, (tenant) => loginQ({ tenant, login })).pipe(span("findByLogin")),
    /** Users (deleted ones too) by ids. */
    findMany: (ids: ReadonlyArray<string>) => allChunks(ids, byIdsQ).pipe(span("findMany")),
    /** Users (deleted ones too) by roster source ids, with their source id. */
    findBySources: (sources: ReadonlyArray<string>) => allChunks(sources, bySourcesQ).pipe(span("findBySources")),
    /** Type, school, status, e-mail and names of live users by ids. */
    findLite: (ids: ReadonlyArray<string>) => allChunks(ids, liteQ).pipe(span("findLite")),
    /** Up to `limit` live users by id matching the filters. */
    list: (f: UserFilters) => Effect.flatMap(tid, (tenant) => listQ({ ...f, tenant })).pipe(span("list")),
    /** Registered devices of these users of tenant `tenant` (the row's own), by user, each list ordered. */
    devicesOf: (tenant: string, ids: ReadonlyArray<string>) =>
      Effect.map(ids.length === 0 ? Effect.succeed([]) : devicesQ({ tenant, ids }), (rows) => {
        const m = new Map<string, Array<string>>()
        for (const r of rows) m.set(r.user_id, [...(m.get(r.user_id) ?? []), r.device_identifier])
        return m
      }).pipe(span("devicesOf")),
    /** Whether `device` is registered to the user. */
    hasDevice: (userId: string, device: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT 1 AS ok FROM student_devices WHERE tenant_id = ${tenant}
          AND user_id = ${userId} AND device_identifier = ${device}`
      ).pipe(
        Effect.map((rows) => rows.length > 0),
        span("hasDevice")
      )
  } as const
}

/** The writes of users and devices, on `sql`. */
const userWrites = (sql: SqlClient.SqlClient) => {
  const insertDevicesSql = (tenant: string, userId: string, devices: Iterable<string>, at: string) =>
    Effect.forEach(
      devices,
      (device) => sql`INSERT INTO student_devices (tenant_id, user_id, device_identifier, created_at)
        VALUES (${tenant}, ${userId}, ${device}, ${at})`,
      { discard: true }
    )

  return {
    /** Inserts a user. @errors UserUniqueViolation (e-mail, username or student number taken) */
    insert: (u: NewUser) =>
      exec(
        (tenant) => sql`INSERT INTO users (tenant_id, id, email, email_normalized, username, username_normalized,
            given_name, family_name, user_type, status, school_id, student_number, password_hash,
            password_changed_at, source_id, created_at, updated_at)
          VALUES (${tenant}, ${u.id}, ${u.email}, ${u.email_normalized}, ${u.username}, ${u.username_normalized},
            ${u.given_name}, ${u.family_name}, ${u.user_type}, ${u.status}, ${u.school_id}, ${u.student_number},
            ${u.password_hash}, ${u.password_changed_at}, ${u.source_id}, ${u.at}, ${u.at})`
      ).pipe(unique("insert")),
    /** Writes a user's profile columns. @errors UserUniqueViolation (e-mail, username or student number taken) */
    updateProfile: (id: string, p: ProfileColumns, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET email = ${p.email}, email_normalized = ${p.email_normalized},
            username = ${p.username}, username_normalized = ${p.username_normalized},
            given_name = ${p.given_name}, family_name = ${p.family_name}, school_id = ${p.school_id},
            student_number = ${p.student_number}, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(unique("updateProfile")),
    /** Writes a user's profile (issue 18): display name, locale, time zone, avatar URL. */
    updatePersonal: (id: string, p: PersonalColumns, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET display_name = ${p.display_name}, locale = ${p.locale},
            time_zone = ${p.time_zone}, avatar_url = ${p.avatar_url}, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(unique("updatePersonal")),
    /** A roster import's write: profile, type and status, restoring a deleted user. */
    updateFromRoster: (
      id: string,
      p: ProfileColumns & { readonly user_type: UserType; readonly status: UserStatus },
      at: string
    ) =>
      exec(
        (tenant) => sql`UPDATE users SET email = ${p.email}, email_normalized = ${p.email_normalized},
            username = ${p.username}, username_normalized = ${p.username_normalized}, given_name = ${p.given_name},
            family_name = ${p.family_name}, user_type = ${p.user_type}, school_id = ${p.school_id},
            student_number = ${p.student_number}, status = ${p.status}, deleted_at = NULL, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("updateFromRoster")),
    /** Soft-deletes a user. */
    softDelete: (id: string, at: string) =>
      exec(
        (tenant) =>
          sql`UPDATE users SET deleted_at = ${at}, updated_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("softDelete")),
    /** Sets a user's status to active or disabled. */
    setStatus: (id: string, status: "active" | "disabled", at: string) =>
      exec(
        (tenant) =>
          sql`UPDATE users SET status = ${status}, updated_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("setStatus")),
    /** Ends a lockout: active, no failures, no lock. */
    unlock: (id: string, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET status = 'active', failed_logins = 0, locked_until = NULL, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("unlock")),
    /** Stores a password hash (clearing failures and lock). */
    setPassword: (id: string, phc: string, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET password_hash = ${phc}, password_changed_at = ${at}, failed_logins = 0,
            locked_until = NULL, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("setPassword")),
    /** Counts a failed login. */
    setFailedLogins: (id: string, failures: number) =>
      exec(
        (tenant) => sql`UPDATE users SET failed_logins = ${failures} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("setFailedLogins")),
    /** Locks a user until `until` (failures reset). */
    lock: (id: string, until: string, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET failed_logins = 0, locked_until = ${until}, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("lock")),
    /** A good password: failures and lock cleared, and `last_login_at` set when given (a completed login). */
    passwordAccepted: (id: string, lastLoginAt: string | null) =>
      exec(
        (tenant) => sql`UPDATE users SET failed_logins = 0, locked_until = NULL
            ${lastLoginAt !== null ? sql`, last_login_at = ${lastLoginAt}` : sql``}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("passwordAccepted")),
    /** Records the TOTP time step just used, unless an equal or later one was: whether it was recorded. */
    consumeMfaStep: (id: string, step: number) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE users SET mfa_last_step = ${step} WHERE tenant_id = ${tenant}
          AND id = ${id} AND (mfa_last_step IS NULL OR mfa_last_step < ${step}) RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("consumeMfaStep")
      ),
    /** Stores a pending TOTP secret (encrypted), forgetting the last used step. */
    setMfaSecret: (id: string, secretEnc: string) =>
      exec(
        (tenant) => sql`UPDATE users SET mfa_secret_enc = ${secretEnc}, mfa_last_step = NULL
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("setMfaSecret")),
    /** Turns MFA on (enrolled at `at`). */
    enableMfa: (id: string, at: string) =>
      exec(
        (tenant) => sql`UPDATE users SET mfa_enabled = ${1}, mfa_enrolled_at = ${at} WHERE tenant_id = ${tenant}
          AND id = ${id}`
      ).pipe(span("enableMfa")),
    /** Turns MFA off and forgets the TOTP secret (also a pending one). */
    disableMfa: (id: string) =>
      exec(
        (tenant) => sql`UPDATE users SET mfa_enabled = ${0}, mfa_secret_enc = NULL, mfa_last_step = NULL,
          mfa_enrolled_at = NULL WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("disableMfa")),
    /** Records a completed login. */
    setLastLogin: (id: string, at: string) =>
      exec((tenant) => sql`UPDATE users SET last_login_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`).pipe(
        span("setLastLogin")
      ),
    /** Registers devices to a user. */
    insertDevices: (userId: string, devices: Iterable<string>, at: string) =>
      Effect.flatMap(tid, (tenant) => insertDevicesSql(tenant, userId, devices, at)).pipe(span("insertDevices")),
    /** Removes every registered device of a user. */
    deleteDevices: (userId: string) =>
      exec((tenant) => sql`DELETE FROM student_devices WHERE tenant_id = ${tenant} AND user_id = ${userId}`).pipe(
        span("deleteDevices")
      )
  } as const
}

/** The users repository; see the module comment. */
export class UsersRepo extends Effect.Service<UsersRepo>()("Signet/UsersRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({ ...userReads(sql), ...userWrites(sql) }) as const)
}) {}

/** Whether `id` can name a user (a UUID's shape); other ids name nothing. */
export const isUserId = (id: string): boolean => /^[0-9a-f-]{36}$/i.test(id)

/** `Option.none` for an id that cannot name a user, else `find`. */
export const findIfId = <E, R>(
  id: string,
  find: (id: string) => Effect.Effect<Option.Option<UserRow>, E, R>
): Effect.Effect<Option.Option<UserRow>, E, R> => (isUserId(id) ? find(id) : Effect.succeed(Option.none()))
