/**
 * Creating users (issue 14 §3): one user with its registered devices, the
 * OneRoster import's bulk upsert, and the steps other modules register to
 * run in those transactions (and in deletions).
 *
 * @module
 */
import type { CreateUser, User } from "@signet/contracts/identity/Domain"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { type Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Effect, Option, Ref } from "effect"
import { instant } from "../../kernel/Sql.js"
import { hashPassword } from "../Password.js"
import type { UserRow } from "../repo/Users.js"
import { type Kit, normalize, type RosterUser, type SchoolCheck, toUser, type UserTypeChange } from "./Kit.js"

/** Work another module does in a user service transaction. */
type Step<A> = (a: A) => Effect.Effect<void, never, CurrentTenant | CurrentActor>

/** The creation seam of the user service; see the module comment. */
export const makeCreation = (kit: Kit) => {
  const { repo, sessions, audit, events, steps, now, inTx } = kit

  /** Sets the schools port (see {@link SchoolCheck}). */
  const setSchoolCheck = (check: SchoolCheck) => Ref.set(kit.schoolCheck, check)

  /**
   * Registers work done in the transaction that creates a user (the access
   * module assigns the default role of the user's type).
   */
  const addCreationStep = (step: Step<User>) => Ref.update(steps.creation, (s) => [...s, step])

  /**
   * Registers work done, once for a whole batch, in the transaction of a
   * bulk user creation (roster imports), instead of once per user.
   */
  const addBulkCreationStep = (step: Step<ReadonlyArray<User>>) => Ref.update(steps.bulkCreation, (s) => [...s, step])

  /**
   * Registers work done, once per import, in the transaction of a roster
   * import that changed users' `user_type` (the access module swaps the
   * default role of the old type for the new type's).
   */
  const addRetypeStep = (step: Step<ReadonlyArray<UserTypeChange>>) => Ref.update(steps.retype, (s) => [...s, step])

  /**
   * Registers work done in the transaction that deletes a user (the access
   * module removes the user's grants).
   */
  const addDeletionStep = (step: Step<string>) => Ref.update(steps.deletion, (s) => [...s, step])

  /**
   * Creates a user (and its registered devices). Without a password the
   * user cannot log in until an admin sets one. A `school_id` must name a
   * live school of the tenant ({@link SchoolCheck}).
   * @errors ValidationError (password policy; `school_id` naming no school of the tenant), Conflict (email, username or student number taken)
   */
  const create = (input: CreateUser): Effect.Effect<User, ValidationError | Conflict, CurrentTenant | CurrentActor> =>
    Effect.gen(function* () {
      if (input.password) yield* kit.checkPassword(input.password, input.email, input.username)
      if (input.student_number !== undefined && input.user_type !== "student") {
        return yield* ValidationError.field("student_number", "only students have a student number")
      }
      if (input.devices && input.devices.length > 0 && input.user_type !== "student") {
        return yield* ValidationError.field("devices", "only students register devices")
      }
      if (input.school_id) yield* kit.requireSchool(input.school_id)
      const passwordHash = input.password ? yield* hashPassword(input.password) : null
      const id = yield* newUuid
      const at = instant(yield* now)
      return yield* inTx(
        Effect.gen(function* () {
          yield* repo
            .insert({
              id,
              email: input.email,
              email_normalized: normalize(input.email),
              username: input.username ?? null,
              username_normalized: input.username ? normalize(input.username) : null,
              given_name: input.given_name,
              family_name: input.family_name,
              user_type: input.user_type,
              status: "active",
              school_id: input.school_id ?? null,
              student_number: input.student_number ?? null,
              password_hash: passwordHash,
              password_changed_at: passwordHash ? at : null,
              source_id: null,
              at
            })
            .pipe(Effect.mapError(kit.conflictFrom))
          yield* repo.insertDevices(id, new Set(input.devices ?? []), at)
          const user = yield* Effect.flatMap(kit.findRow(id), (r) => kit.present(Option.getOrThrow(r)))
          yield* audit.record({ action: "user.create", targetType: "user", targetId: id, after: user })
          for (const step of yield* Ref.get(steps.creation)) yield* step(user)
          yield* events.publish({ type: "signet.user.created", subject: id, data: user })
          return user
        })
      )
    }).pipe(Effect.withSpan("Identity.create"))

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
      const at = instant(yield* now)
      const existing = new Map<string, UserRow & { readonly source_id: string }>()
      for (const r of yield* repo.findBySources(users.map((u) => u.sourceId))) existing.set(r.source_id, r)
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
      for (const id of removed) for (const step of yield* Ref.get(steps.deletion)) yield* step(id)
      const ended = [
        ...removed.map((id) => ({ id, reason: "user_deleted" })),
        ...disabled.map((id) => ({ id, reason: "user_disabled" }))
      ]
      for (const { id, reason } of ended) yield* sessions.revokeOf(id, {}, reason, at)
      if (retyped.length > 0) for (const step of yield* Ref.get(steps.retype)) yield* step(retyped)
      const granted = [...created, ...restored]
      if (granted.length > 0) {
        const nowMs = yield* now
        const rows = yield* repo.findMany(granted)
        const fresh = rows.map((r) => toUser(r, [], nowMs))
        for (const step of yield* Ref.get(steps.bulkCreation)) yield* step(fresh)
      }
      return { ...counts, ids: ids as ReadonlyMap<string, string> }
    })

  return {
    setSchoolCheck,
    addCreationStep,
    addBulkCreationStep,
    addRetypeStep,
    addDeletionStep,
    create,
    rosterUpsert
  } as const
}
