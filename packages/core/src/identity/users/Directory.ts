/**
 * The user directory's reads (issue 14 §3): one user, the filtered list, the
 * seed's `IdentityQuery` reads (GetUserLite, Exists, ValidateStudentDevice,
 * GetUserById) and other modules' batch and login lookups.
 *
 * @module
 */
import {
  type User,
  UserLite,
  type UserNotFound,
  type UserStatus,
  type UserType
} from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import { isUserId } from "../repo/Users.js"
import { type Kit, normalize, toUser } from "./Kit.js"

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

/** What `liteMany` answers of one user. */
export interface LiteUser {
  readonly user_type: UserType
  readonly school_id: string | null
  readonly status: UserStatus
  readonly email: string
  readonly name: string
}

/** The directory reads of the user service; see the module comment. */
export const makeDirectory = ({ repo, inTx, inRead, findRow, present, getRow, now }: Kit) => {
  /**
   * One user (the row, then its devices; on SQLite without a transaction:
   * `GET …/me` reads it on every call). @errors UserNotFound (also for another tenant's id)
   */
  const get = (id: UserId): Effect.Effect<User, UserNotFound, CurrentTenant> =>
    inRead(Effect.flatMap(getRow(id), present))

  /** Finds a login by e-mail or username (not deleted). Internal to identity. */
  const findByLogin = (login: string) => repo.findByLogin(normalize(login))

  /** Lists users with filters and cursor pagination (by id). */
  const list = (params: ListUsers = {}) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const limit = params.limit ?? DEFAULT_LIMIT
      const after = yield* decodeCursor(params.cursor)
      const like = params.q ? `%${normalize(params.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined
      const at = instant(yield* now)
      return yield* inTx(
        Effect.gen(function* () {
          const rows = yield* repo.list({
            after: after ?? undefined,
            user_type: params.user_type,
            status: params.status,
            school_id: params.school_id,
            like,
            at,
            limit: limit + 1
          })
          const devices = yield* repo.devicesOf(
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

  /** `IdentityQuery.GetUserLite` (seed 004). @errors UserNotFound */
  const getLite = (id: UserId) =>
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
  const liteMany = (ids: ReadonlyArray<UserId>) =>
    inTx(
      Effect.map(repo.findLite([...new Set(ids)].filter(isUserId)), (rows) => {
        const out = new Map<string, LiteUser>()
        for (const r of rows)
          out.set(r.id, {
            user_type: r.user_type,
            school_id: r.school_id,
            status: r.status,
            email: r.email,
            name: `${r.given_name} ${r.family_name}`.trim()
          })
        return out as ReadonlyMap<string, LiteUser>
      })
    )

  /** `IdentityQuery.Exists` (seed 004): true for a live user of the current tenant. */
  const exists = (id: UserId) => inTx(Effect.map(findRow(id), Option.isSome))

  /**
   * `IdentityQuery.ValidateStudentDevice` (seed 004): true when the user is
   * an active student of the current tenant and the device is registered to them.
   */
  const validateStudentDevice = (studentId: UserId, deviceIdentifier: string) =>
    inTx(
      Effect.gen(function* () {
        const row = yield* findRow(studentId)
        if (Option.isNone(row) || row.value.user_type !== "student" || row.value.status !== "active") return false
        return yield* repo.hasDevice(studentId, deviceIdentifier)
      })
    )

  return { get, getLite, liteMany, list, exists, validateStudentDevice, findByLogin } as const
}
