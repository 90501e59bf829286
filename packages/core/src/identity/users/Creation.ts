/**
 * Creating users (issue 14 §3): one user with its registered devices and
 * the default role of their type.
 *
 * @module
 */
import type { CreateUser, User } from "@signet/contracts/identity/Domain"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { type Conflict, type QuotaExceeded, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import { hashPassword } from "../Password.js"
import { type Kit, normalize } from "./Kit.js"

/** The creation seam of the user service; see the module comment. */
export const makeCreation = (kit: Kit) => {
  const { repo, audit, events, access, now, inTx } = kit

  /**
   * Creates a user (and its registered devices). Without a password the
   * user cannot log in until an admin sets one. A `school_id` must name a
   * live school of the tenant (the `UserSchools` port). The new user receives
   * the default role of their type (`Access.grantDefaultRole`) in the same transaction.
   * The tenant's plan must admit one more user (`users.max`).
   * @errors ValidationError (password policy; `school_id` naming no school of the tenant), Conflict (email, username or student number taken), QuotaExceeded (402)
   */
  const create = (
    input: CreateUser
  ): Effect.Effect<User, ValidationError | Conflict | QuotaExceeded, CurrentTenant | CurrentActor> =>
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
          yield* kit.admitUsers(1)
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
          yield* access.grantDefaultRole(user)
          yield* events.publish({ type: "signet.user.created", subject: id, data: user })
          return user
        })
      )
    }).pipe(Effect.withSpan("Identity.create"))

  return {
    create
  } as const
}
