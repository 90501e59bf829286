/**
 * Changing users (issue 14 §3): profile updates with the registered
 * devices, users' own profile edits (issue 18 "Profiles"), the lifecycle (disable, enable, unlock, soft-delete) and storing
 * a new password.
 *
 * @module
 */
import type { ProfileField, UpdateMyProfile, UpdateUser } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect, Option, type Redacted } from "effect"
import { instant } from "../../kernel/Sql.js"
import { hashPassword } from "../Password.js"
import type { PersonalColumns } from "../repo/Users.js"
import { type Kit, normalize, type UserRow } from "./Kit.js"

/** The profile fields (issue 18 "Profiles"). */
const PROFILE_FIELDS: ReadonlyArray<ProfileField> = ["display_name", "locale", "time_zone", "avatar_url"]

/** The profile columns of `row` with `patch` applied (`undefined` keeps, `null` clears). */
const personal = (row: UserRow, patch: UpdateMyProfile): PersonalColumns => ({
  display_name: patch.display_name === undefined ? row.display_name : patch.display_name,
  locale: patch.locale === undefined ? row.locale : patch.locale,
  time_zone: patch.time_zone === undefined ? row.time_zone : patch.time_zone,
  avatar_url: patch.avatar_url === undefined ? row.avatar_url : patch.avatar_url
})

/** The update seam of the user service; see the module comment. */
export const makeUpdates = (kit: Kit) => {
  const { repo, audit, events, now, inTx, findRow, present } = kit

  /**
   * Updates profile fields (not type, status or roles: the schema refuses
   * them). Devices, when given, replace the registered set. A new
   * `school_id` must name a live school of the tenant (the `UserSchools` port).
   * @errors UserNotFound, Conflict, ValidationError (`school_id` naming no school of the tenant)
   */
  const update = (id: string, patch: UpdateUser) =>
    inTx(
      Effect.gen(function* () {
        const row = yield* kit.getRow(id)
        if (row.user_type !== "student" && (patch.student_number || (patch.devices && patch.devices.length > 0))) {
          return yield* ValidationError.field(patch.student_number ? "student_number" : "devices", "only for students")
        }
        // Checked when it changes (a school deleted since keeps its users until they are moved).
        if (patch.school_id && patch.school_id !== row.school_id) yield* kit.requireSchool(patch.school_id)
        const before = yield* present(row)
        const at = instant(yield* now)
        const email = patch.email ?? row.email
        const username = patch.username === undefined ? row.username : patch.username
        yield* repo
          .updateProfile(
            id,
            {
              email,
              email_normalized: normalize(email),
              username,
              username_normalized: username ? normalize(username) : null,
              given_name: patch.given_name ?? row.given_name,
              family_name: patch.family_name ?? row.family_name,
              school_id: patch.school_id === undefined ? row.school_id : patch.school_id,
              student_number: patch.student_number === undefined ? row.student_number : patch.student_number
            },
            at
          )
          .pipe(Effect.mapError(kit.conflictFrom))
        if (PROFILE_FIELDS.some((f) => patch[f] !== undefined))
          yield* repo.updatePersonal(id, personal(row, patch), at).pipe(Effect.mapError(kit.conflictFrom))
        if (patch.devices) {
          yield* repo.deleteDevices(id)
          yield* repo.insertDevices(id, new Set(patch.devices), at)
        }
        const after = yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
        yield* audit.record({ action: "user.update", targetType: "user", targetId: id, before, after })
        yield* events.publish({ type: "signet.user.updated", subject: id, data: after })
        return after
      })
    )

  /**
   * A user edits their own profile (issue 18 "Profiles", seed 002): display
   * name, locale, time zone, avatar URL; `null` clears one. Only the fields
   * the tenant's `profile.self_edit` setting lists (default: all four) may
   * be sent; the others are the admins' (`update`). Audited `user.profile`
   * with before and after; CloudEvent `signet.user.updated`.
   * @errors UserNotFound, Forbidden (a field the tenant keeps for admins, `profile:<field>`)
   */
  const updateMyProfile = (id: string, patch: UpdateMyProfile) =>
    inTx(
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const allowed = yield* kit.tenancy.settingValue<ReadonlyArray<ProfileField>>(tenant.id, "profile.self_edit")
        const refused = PROFILE_FIELDS.find((f) => patch[f] !== undefined && !allowed.includes(f))
        if (refused !== undefined)
          return yield* new Forbidden({
            message: `this school does not let users change their ${refused.replace("_", " ")}`,
            permission: `profile:${refused}`
          })
        const row = yield* kit.getRow(id)
        const before = yield* present(row)
        yield* repo.updatePersonal(id, personal(row, patch), instant(yield* now)).pipe(Effect.orDie)
        const after = yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
        yield* audit.record({ action: "user.profile", targetType: "user", targetId: id, before, after })
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
        const row = yield* kit.getRow(id)
        const before = yield* present(row)
        const at = instant(yield* now)
        if (action === "deleted") {
          yield* repo.softDelete(id, at)
          yield* kit.access.dropUserGrants(row.id)
        } else if (action === "unlocked") {
          yield* repo.unlock(id, at)
        } else {
          yield* repo.setStatus(id, action === "disabled" ? "disabled" : "active", at)
        }
        yield* extra(tenant.id, id)
        const after =
          action === "deleted" ? null : yield* Effect.flatMap(findRow(id), (r) => present(Option.getOrThrow(r)))
        yield* audit.record({ action: `user.${action}`, targetType: "user", targetId: id, before, after })
        yield* events.publish({ type: `signet.user.${action}`, subject: id, data: after ?? { id } })
        return after ?? before
      })
    )

  /**
   * Stores a new password hash (policy already checked by the caller) in
   * the caller's transaction.
   */
  const storePassword = (userId: string, password: Redacted.Redacted<string>) =>
    Effect.gen(function* () {
      const phc = yield* hashPassword(password)
      yield* repo.setPassword(userId, phc, instant(yield* now))
    })

  return { update, updateMyProfile, lifecycle, checkPassword: kit.checkPassword, storePassword } as const
}
