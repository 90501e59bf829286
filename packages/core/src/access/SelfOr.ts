/**
 * The "the user themself, or a holder of a permission" rule, checked in core
 * (ARCHITECTURE §1 "core is the security boundary"): a user reads their own
 * profile or takes their own OAuth token; anyone else needs the permission.
 *
 * @module
 */
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { Access } from "./Access.js"

/**
 * `self` when the actor is the user `userId`; for any other actor, `self`
 * only if it holds `permission` (checked with `Access.checkActor`).
 * @errors Forbidden naming `permission`
 */
export const selfOrPermission = <A, E, R>(userId: string, permission: string, self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    CurrentActor,
    (actor): Effect.Effect<A, E | Forbidden, R | Access | CurrentTenant> =>
      actor.kind === "user" && actor.id === userId
        ? self
        : Effect.flatMap(
            Access.use((a) => a.checkActor(actor, permission)),
            (allowed): Effect.Effect<A, E | Forbidden, R> =>
              allowed ? self : Effect.fail(new Forbidden({ message: `missing permission ${permission}`, permission }))
          )
  )
