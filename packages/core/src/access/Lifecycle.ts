/**
 * What a user's lifecycle in identity means for their grants (seed 000
 * "create user … assign default role"; issue 14 §5): a new user receives the
 * default role of their type, a roster re-import that changes a user's type
 * swaps the old type's default role for the new one's, and a deleted user
 * keeps no roles, overrides or team memberships.
 *
 * Identity calls these inside its own transactions (identity imports access;
 * access never imports identity). They carry no permission in their types:
 * each is a consequence of an identity operation whose permission
 * (`users:write`, `users:delete`, the roster import's) was checked by
 * identity's facade. The no-escalation rule still holds — the acting
 * creator must hold every pattern of a default role they cause to be
 * assigned (`Checks.requireHeldRoleRow`) — and every change writes its
 * audit row and CloudEvent like the administrative operations.
 *
 * Failures are defects: a default role that cannot be assigned means the
 * identity transaction is rolled back (the caller sees a 500), not a user
 * left without their role.
 *
 * @module
 */
import { DEFAULT_ROLE_OF_TYPE, type UserId } from "@signet/contracts/access/Domain"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option } from "effect"
import type { Kit } from "./Kit.js"
import type { makeUserGrants } from "./UserGrants.js"

type Grants = ReturnType<typeof makeUserGrants>

/** A user type with a default role (`DEFAULT_ROLE_OF_TYPE`): `admin`, `dev`, `teacher`, `student`. */
export type DefaultRoleType = keyof typeof DEFAULT_ROLE_OF_TYPE

/** A user whose type a roster import changed (`from` → `to`). */
export interface TypeChange {
  readonly id: UserId
  readonly from: DefaultRoleType
  readonly to: DefaultRoleType
}

/** Grant changes that follow from identity's user lifecycle; see the module comment. */
export const makeLifecycle = (kit: Kit, grants: Grants) => {
  const defaultRoleId = (type: DefaultRoleType) =>
    Effect.map(
      kit.repo.findRoleByName(DEFAULT_ROLE_OF_TYPE[type]),
      Option.map((role) => role.id)
    )

  /** A new user receives the default role of their type, in the caller's transaction. */
  const grantDefaultRole = (user: {
    readonly id: UserId
    readonly user_type: DefaultRoleType
  }): Effect.Effect<void, never, CurrentTenant | CurrentActor> =>
    Effect.gen(function* () {
      const role = yield* defaultRoleId(user.user_type)
      if (Option.isSome(role)) yield* grants.grantRole(user.id, role.value)
    }).pipe(kit.inTenant, Effect.orDie, Effect.withSpan("Access.grantDefaultRole"))

  /**
   * A batch of new users (a roster import) receives the default roles of
   * their types: one assignment per role for the whole batch (one audit row
   * and event per role), in the caller's transaction.
   */
  const grantDefaultRoles = (
    users: ReadonlyArray<{ readonly id: UserId; readonly user_type: DefaultRoleType }>
  ): Effect.Effect<void, never, CurrentTenant | CurrentActor> =>
    Effect.gen(function* () {
      for (const type of ["admin", "dev", "teacher", "student"] as const) {
        const ids = users.filter((u) => u.user_type === type).map((u) => u.id)
        if (ids.length === 0) continue
        const role = yield* defaultRoleId(type)
        if (Option.isSome(role)) yield* grants.grantRoleMany(ids, role.value)
      }
    }).pipe(kit.inTenant, Effect.orDie, Effect.withSpan("Access.grantDefaultRoles"))

  /**
   * Users whose type changed lose the old type's default role and receive
   * the new type's (other roles, e.g. ones an admin added, stay).
   */
  const swapDefaultRoles = (
    changes: ReadonlyArray<TypeChange>
  ): Effect.Effect<void, never, CurrentTenant | CurrentActor> =>
    Effect.forEach(
      changes,
      (change) =>
        Effect.gen(function* () {
          const from = yield* defaultRoleId(change.from)
          const to = yield* defaultRoleId(change.to)
          if (Option.isSome(from) && (Option.isNone(to) || to.value !== from.value))
            yield* grants.withdrawRole(change.id, from.value)
          if (Option.isSome(to)) yield* grants.grantRole(change.id, to.value)
        }),
      { discard: true }
    ).pipe(kit.inTenant, Effect.orDie, Effect.withSpan("Access.swapDefaultRoles"))

  /** A deleted user keeps no grants: their roles, overrides and team memberships go. */
  const dropUserGrants = (userId: UserId): Effect.Effect<void, never, CurrentTenant | CurrentActor> =>
    grants.forgetUser(userId).pipe(Effect.orDie, Effect.withSpan("Access.dropUserGrants"))

  return { grantDefaultRole, grantDefaultRoles, swapDefaultRoles, dropUserGrants } as const
}
