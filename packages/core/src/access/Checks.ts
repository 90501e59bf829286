/**
 * The access service's decisions (ARCHITECTURE §3 "every decision can be
 * explained"; seed 001 "Permission Check Flow"): `check` / `checkActor`,
 * explanations, the token's role names, and the no-escalation rule
 * ("nobody hands out what they do not hold", `requireHeld*`). All of them
 * read the compiled policy of `PolicyCache.ts`.
 *
 * @module
 */
import { Explanation, type Role, type UserId } from "@signet/contracts/access/Domain"
import { type Actor, CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, type ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import type { Kit } from "./Kit.js"
import { type CompiledPolicy, checkScoped, holdsScoped, policyRequire } from "./Policy.js"
import { type CacheState, makePolicyCache } from "./PolicyCache.js"
import { isUuid } from "./Repo.js"

export { type CacheState, makeCacheState } from "./PolicyCache.js"

const isPattern = (permission: string) => permission.endsWith(":*")

/** The current tenant's compiled policy (`PolicyCache.policyFor`). */
type PolicyFor = Effect.Effect<CompiledPolicy, never, CurrentTenant>

/** Decisions and explanations, on `kit` and the compiled policy `policyFor`. */
const makeDecisions = (kit: Kit, policyFor: PolicyFor) => {
  const { inTenant } = kit

  /**
   * Whether the user holds a concrete permission (`resource:action`) in the
   * current tenant: explicit deny > allow > default deny. In memory except
   * for a version query once per TTL per tenant.
   */
  const check = (userId: UserId, permission: string): Effect.Effect<boolean, never, CurrentTenant> =>
    Effect.map(policyFor, (p) => p.check(userId, permission))

  /**
   * Whether an actor may do `permission` in the current tenant:
   * - `user`: {@link check} by user id;
   * - `operator`, `system`: always (platform level);
   * - `apiKey`, `beacon`: only their fixed permission set
   *   (`actor.permissions`), nothing without one.
   * `permission` may be a pattern (`roles:*`, `*:*`): then the actor must
   * hold all of it (see `CompiledPolicy.holds`).
   */
  const checkActor = (actor: Actor, permission: string): Effect.Effect<boolean, never, CurrentTenant> => {
    switch (actor.kind) {
      case "operator":
      case "system":
        return Effect.succeed(true)
      case "user": {
        const id = actor.id
        if (id === null) return Effect.succeed(false)
        return Effect.map(policyFor, (p) => (isPattern(permission) ? p.holds(id, permission) : p.check(id, permission)))
      }
      default: {
        const scope = actor.permissions
        if (scope === undefined) return Effect.succeed(false)
        return Effect.succeed(isPattern(permission) ? holdsScoped(scope, permission) : checkScoped(scope, permission))
      }
    }
  }

  /**
   * Refuses permission patterns the current tenant does not know, by the
   * rule of role grants. Needs no permission. Used for API key scopes.
   * @errors ValidationError (400) on `field`, naming the first unknown pattern
   */
  const validatePermissions = (
    patterns: ReadonlyArray<string>,
    field: string
  ): Effect.Effect<void, ValidationError, CurrentTenant> => inTenant(kit.validatePatterns(patterns, field))

  /**
   * Like {@link check}, and says which grant or deny decided (or that
   * nothing matched). Requires `roles:read`; the user must be a live user
   * of the tenant.
   * @errors ValidationError (user id), NotFound (`resource: "user"`)
   */
  const explain = (userId: UserId, permission: string) =>
    policyRequire(
      "roles",
      "read"
    )(
      Effect.zipRight(
        kit.requireUser(userId),
        Effect.map(policyFor, (p) => new Explanation({ user_id: userId, permission, ...p.explain(userId, permission) }))
      )
    )

  /**
   * The names of the roles a user holds, directly or through a team,
   * highest priority first: the access token's `roles` claim. Read from the
   * compiled policy. Needs no permission: it is read for the user being
   * authenticated, never returned to another caller.
   */
  const roleNames = (userId: UserId): Effect.Effect<ReadonlyArray<string>, never, CurrentTenant> =>
    isUuid(userId) ? Effect.map(policyFor, (p) => p.roleNames(userId)) : Effect.succeed([])

  return { check, checkActor, validatePermissions, explain, roleNames } as const
}

/** The no-escalation rule, on `kit`, the compiled policy `policyFor` and the actor decision `checkActor`. */
const makeNoEscalation = (
  kit: Kit,
  policyFor: PolicyFor,
  checkActor: (actor: Actor, permission: string) => Effect.Effect<boolean, never, CurrentTenant>
) => {
  const { repo, inTenant } = kit

  /**
   * Refuses to let the `CurrentActor` hand out a permission it does not hold
   * itself, directly or indirectly. Each pattern must be held as
   * {@link checkActor} decides — a pattern wholly. Operators and the system
   * hold everything; an API key only its scope. Patterns are checked in the
   * order given; `what` names the operation in the 403 message.
   * @errors Forbidden (403) naming the first pattern not held
   */
  const requireHeld = (
    patterns: ReadonlyArray<string>,
    what: string
  ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      for (const pattern of patterns) {
        if (!(yield* checkActor(actor, pattern))) {
          return yield* new Forbidden({
            message: `${what} would grant ${pattern}, which the caller does not hold`,
            permission: pattern
          })
        }
      }
    })

  /**
   * {@link requireHeld} for every permission pattern the role named
   * `roleName` grants in the current tenant, read fresh (nothing to hold
   * when the tenant has no such role).
   * @errors Forbidden (403) naming the first pattern of the role not held
   */
  const requireHeldRole = (
    roleName: string,
    what: string
  ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
    Effect.flatMap(inTenant(repo.rolePermissionsByName(roleName)), (permissions) =>
      requireHeld(permissions, `${what} (role "${roleName}")`)
    )

  /**
   * {@link requireHeld} for every permission pattern of `role`, read in the
   * caller's transaction (inside a mutation).
   * @errors Forbidden (403) naming the first pattern of the role not held
   */
  const requireHeldRoleRow = (role: Role, what: string) =>
    Effect.flatMap(repo.rolePermissions(role.id), (permissions) =>
      requireHeld(permissions, `${what} (role "${role.name}")`)
    )

  /**
   * {@link requireHeld} for every allow pattern a user holds in the current
   * tenant (roles, team roles and allow overrides; deny overrides are not
   * subtracted, so this errs on the side of refusing).
   * @errors Forbidden (403) naming the first pattern of the user not held
   */
  const requireHeldUser = (
    userId: UserId,
    what: string
  ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
    Effect.flatMap(policyFor, (p) =>
      requireHeld(
        p.grants(userId).allow.map((g) => g.pattern),
        what
      )
    )

  return { requireHeld, requireHeldRole, requireHeldRoleRow, requireHeldUser } as const
}

/** The decisions, on `kit` and the cache `state`: the cache's readers, decisions, explanations, no escalation. */
export const makeChecks = (kit: Kit, state: CacheState) =>
  Effect.map(makePolicyCache(kit, state), (cache) => {
    const decisions = makeDecisions(kit, cache.policyFor)
    const held = makeNoEscalation(kit, cache.policyFor, decisions.checkActor)
    return {
      policyFor: cache.policyFor,
      check: decisions.check,
      checkActor: decisions.checkActor,
      checkCompiled: cache.checkCompiled,
      requireHeld: held.requireHeld,
      requireHeldRole: held.requireHeldRole,
      requireHeldRoleRow: held.requireHeldRoleRow,
      requireHeldUser: held.requireHeldUser,
      validatePermissions: decisions.validatePermissions,
      explain: decisions.explain,
      roleNames: decisions.roleNames
    } as const
  })

/** What {@link makeChecks} builds: the decisions the other seams use. */
export type Checks = Effect.Effect.Success<ReturnType<typeof makeChecks>>
