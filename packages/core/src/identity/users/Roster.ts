/**
 * The OneRoster import's side of the user service (issue 14 §3): creating,
 * updating, retyping, disabling, soft-deleting and restoring users by their
 * roster `source_id`, running the steps other modules registered.
 *
 * @module
 */

import type { UserId } from "@signet/contracts/kernel/Ids"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Effect } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { UserRow } from "../repo/Users.js"
import { type Kit, normalize, type RosterUser, toUser, type UserTypeChange } from "./Kit.js"

/** The roster seam of the user service; see the module comment. */
export const makeRoster = (kit: Kit) => {
  const { repo, sessions, access, now } = kit

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
   * e-mail rule holds; they log in by username. The users it adds, net of
   * those it deletes, must fit the plan's `users.max` (402 `QuotaExceeded`,
   * the caller's transaction rolls back).
   */
  const rosterUpsert = (users: ReadonlyArray<RosterUser>) =>
    Effect.gen(function* () {
      const at = instant(yield* now)
      const existing = new Map<string, UserRow & { readonly source_id: string }>()
      for (const r of yield* repo.findBySources(users.map((u) => u.sourceId))) existing.set(r.source_id, r)
      const ids = new Map<string, string>()
      const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
      const created: Array<string> = []
      const retyped: Array<UserTypeChange> = []
      // Soft-deleted by this import: their grants go and their sessions end, as with DELETE …/users/{id}.
      const removed: Array<UserId> = []
      // Disabled by this import: their sessions end, as with POST …/users/{id}/disable.
      const disabled: Array<string> = []
      // Restored by this import (deleted before, listed again): they get the default role again.
      const restored: Array<string> = []
      for (const u of users) {
        const email = u.email ?? `${u.sourceId.toLowerCase().replace(/[^a-z0-9._-]/g, "-")}@oneroster.invalid`
        const profile = {
          email,
          email_normalized: normalize(email),
          username: u.username,
          username_normalized: u.username ? normalize(u.username) : null,
          given_name: u.givenName,
          family_name: u.familyName,
          school_id: u.schoolId,
          student_number: u.studentNumber
        }
        const found = existing.get(u.sourceId)
        if (!found) {
          if (u.deleted) continue
          const id = yield* newUuid
          yield* Effect.orDie(
            repo.insert({
              ...profile,
              id,
              user_type: u.userType,
              status: u.enabled ? "active" : "disabled",
              password_hash: null,
              password_changed_at: null,
              source_id: u.sourceId,
              at
            })
          )
          ids.set(u.sourceId, id)
          created.push(id)
          counts.created++
          continue
        }
        ids.set(u.sourceId, found.id)
        if (u.deleted) {
          if (found.deleted_at === null) {
            yield* repo.softDelete(found.id, at)
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
        yield* repo.updateFromRoster(found.id, { ...profile, user_type: u.userType, status }, at)
        if (found.deleted_at !== null) restored.push(found.id)
        else if (status === "disabled" && found.status !== "disabled") disabled.push(found.id)
        if (found.user_type !== u.userType) {
          retyped.push({ id: found.id, from: found.user_type, to: u.userType })
          // Registered devices are a student's (ValidateStudentDevice): they go with the type.
          if (found.user_type === "student") yield* repo.deleteDevices(found.id)
        }
        counts.updated++
      }
      // The plan's `users.max` (issue 20) on what the import adds, net: a refusal rolls the import back.
      yield* kit.admitUsers(created.length + restored.length - removed.length, true)
      for (const id of removed) yield* access.dropUserGrants(id)
      const ended = [
        ...removed.map((id) => ({ id, reason: "user_deleted" })),
        ...disabled.map((id) => ({ id, reason: "user_disabled" }))
      ]
      for (const { id, reason } of ended) yield* sessions.revokeOf(id, {}, reason, at)
      if (retyped.length > 0) yield* access.swapDefaultRoles(retyped)
      const granted = [...created, ...restored]
      if (granted.length > 0) {
        const nowMs = yield* now
        const rows = yield* repo.findMany(granted)
        const fresh = rows.map((r) => toUser(r, [], nowMs))
        yield* access.grantDefaultRoles(fresh)
      }
      return { ...counts, ids: ids as ReadonlyMap<string, string> }
    })

  return { rosterUpsert } as const
}
