/**
 * The access service: RBAC administration and permission checks for the
 * `CurrentTenant` (seed 001 "roles / permissions / user_permissions /
 * teams" and "Permission Check Flow"; ARCHITECTURE §3 "RBAC").
 *
 * The service is assembled from one file per seam of the domain:
 * - `PolicyCache.ts` — the per-tenant compiled-policy cache;
 * - `Checks.ts` — `check` / `checkActor`, explanations, the token's role
 *   names, and the no-escalation rule (`requireHeld*`: nobody hands out
 *   what they do not hold);
 * - `Permissions.ts` — onboarding's seed and the permission catalogue;
 * - `Roles.ts` — roles; `RolePatterns.ts` — the patterns a role grants;
 * - `UserGrants.ts` — roles assigned to users, overrides; `Effective.ts` —
 *   a user's effective permissions;
 * - `Teams.ts` — teams, members, team roles;
 * - `Lifecycle.ts` — what identity's user lifecycle means for grants (the
 *   default role of a new user's type, retypes, deletions), called by identity;
 * - `Kit.ts` (plumbing) and `Repo.ts` (all SQL).
 *
 * **Administration.** Every change runs in one `tenantTx` that also bumps
 * the tenant's `access_versions.version`, appends exactly one audit row and
 * publishes exactly one CloudEvent (`signet.access.*`); a call that changes
 * nothing writes none of them. Operations carry their permission in the
 * types ({@link policyRequire}); callers discharge it with {@link policyUse}.
 * Every operation that names a user requires a live user of the tenant
 * (`NotFound`, `resource: "user"`, issue 14) — the `AccessUsers` port.
 *
 * **No escalation.** Assigning a role (to a user or a team), adding a team
 * member, adding permissions to a role and `allow` overrides (or lifting a
 * `deny`) need the caller to hold what is handed out; see `Checks.ts`.
 *
 * **Step-up.** {@link Access} exposes `requireStepUp` (the `AccessStepUp`
 * port): the `AccessAdmin` facade (`Admin.ts`) asks it before every role or
 * permission change by a user; `addTeamMember` asks it itself when the team
 * grants roles (a membership hands them out, issue 15 §4); identity's
 * `UserAdmin` asks it before creating an `admin`/`dev` user, minting an API
 * key and resetting a user's MFA.
 *
 * @module
 */

import type { UserId } from "@signet/contracts/access/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { makeCacheState, makeChecks } from "./Checks.js"
import { makeKit } from "./Kit.js"
import { makeLifecycle } from "./Lifecycle.js"
import { makePermissions } from "./Permissions.js"
import type { AccessPolicy, Discharges, PermissionString } from "./Policy.js"
import { AccessStepUp } from "./Ports.js"
import { AccessRepo } from "./Repo.js"
import { makeRolePatterns } from "./RolePatterns.js"
import { makeRoles } from "./Roles.js"
import { makeTeams } from "./Teams.js"
import { makeUserGrants } from "./UserGrants.js"

export { AccessConfig, type AccessOptions, defaultAccessOptions, type ListParams } from "./Config.js"

/** The 403 of a user changing roles or permissions without a recent MFA verification on a session. */
const stepUpMissing = new Forbidden({
  message: "this operation needs an MFA verification on this session (POST …/auth/step-up)",
  permission: "mfa:step-up"
})

/**
 * Access service. Every operation acts on the `CurrentTenant`;
 * administration also needs the `CurrentActor` (audit) and carries its
 * permission requirement (`roles:read|write`, `teams:read|write`,
 * `users:delete`) in the types. Needs the `AccessUsers` and `AccessStepUp`
 * ports (provided by `Core.ts` from identity).
 */
export class Access extends Effect.Service<Access>()("Signet/Access", {
  effect: Effect.gen(function* () {
    const state = makeCacheState()
    const kit = yield* makeKit(state.invalidate)
    const checks = yield* makeChecks(kit, state)
    const roles = makeRoles(kit, checks)
    const permissions = makePermissions(kit, roles)
    const patterns = makeRolePatterns(kit, checks, roles)
    const grants = makeUserGrants(kit, checks, roles)
    const lifecycle = makeLifecycle(kit, grants)
    const stepUp = yield* AccessStepUp

    /**
     * Step-up (seed 003 "MFA required for sensitive actions"): a `user`
     * actor must have verified MFA on its session (`actor.sessionId`) within
     * the tenant's `auth.step_up_minutes`; a user actor without a session
     * cannot have, so it is refused too. Operators, the system, API keys and
     * beacons (machine credentials) are not asked.
     * @errors Forbidden (`permission: "mfa:step-up"`)
     */
    const requireStepUp: Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> = Effect.flatMap(
      CurrentActor,
      (actor) => {
        if (actor.kind !== "user") return Effect.void
        if (actor.sessionId === undefined) return Effect.fail(stepUpMissing)
        return stepUp.requireRecentMfa(actor.sessionId)
      }
    ).pipe(Effect.withSpan("Access.requireStepUp"))
    const teams = makeTeams(kit, checks, roles, requireStepUp)

    return {
      // decisions (Checks.ts)
      check: checks.check,
      checkActor: checks.checkActor,
      checkCompiled: checks.checkCompiled,
      requireHeld: checks.requireHeld,
      requireHeldRole: (roleName: string, what: string) =>
        Effect.withSpan(checks.requireHeldRole(roleName, what), "Access.requireHeldRole"),
      requireHeldUser: (userId: UserId, what: string) =>
        Effect.withSpan(checks.requireHeldUser(userId, what), "Access.requireHeldUser"),
      validatePermissions: (patterns: ReadonlyArray<string>, field: string) =>
        Effect.withSpan(checks.validatePermissions(patterns, field), "Access.validatePermissions"),
      explain: (userId: UserId, permission: string) =>
        Effect.withSpan(checks.explain(userId, permission), "Access.explain"),
      roleNames: (userId: UserId) => Effect.withSpan(checks.roleNames(userId), "Access.roleNames"),
      policyFor: checks.policyFor,
      requireStepUp,
      /** Drops this replica's compiled policy of a tenant (the next check reloads it). */
      invalidate: (tenantId: string): Effect.Effect<void> => Effect.sync(() => state.invalidate(tenantId)),
      // onboarding and the permission catalogue (Permissions.ts)
      seedDefaults: permissions.seedDefaults,
      listPermissions: permissions.listPermissions,
      createPermission: permissions.createPermission,
      deletePermission: permissions.deletePermission,
      // roles (Roles.ts) and their patterns (RolePatterns.ts)
      listRoles: roles.listRoles,
      getRole: roles.getRole,
      findRoleByName: roles.findRoleByName,
      createRole: roles.createRole,
      updateRole: roles.updateRole,
      deleteRole: roles.deleteRole,
      setRolePermissions: patterns.setRolePermissions,
      grant: patterns.grant,
      revoke: patterns.revoke,
      // users (UserGrants.ts)
      effectivePermissions: grants.effectivePermissions,
      listUserRoles: grants.listUserRoles,
      assignRole: grants.assignRole,
      assignRoleMany: grants.assignRoleMany,
      unassignRole: grants.unassignRole,
      listUserOverrides: grants.listUserOverrides,
      setUserOverride: grants.setUserOverride,
      removeUserOverride: grants.removeUserOverride,
      removeUserGrants: grants.removeUserGrants,
      // identity's user lifecycle (Lifecycle.ts): default roles, retypes, deletions
      grantDefaultRole: lifecycle.grantDefaultRole,
      grantDefaultRoles: lifecycle.grantDefaultRoles,
      swapDefaultRoles: lifecycle.swapDefaultRoles,
      dropUserGrants: lifecycle.dropUserGrants,
      // teams (Teams.ts)
      listTeams: teams.listTeams,
      getTeam: teams.getTeam,
      createTeam: teams.createTeam,
      updateTeam: teams.updateTeam,
      deleteTeam: teams.deleteTeam,
      listTeamMembers: teams.listTeamMembers,
      addTeamMember: teams.addTeamMember,
      removeTeamMember: teams.removeTeamMember,
      assignTeamRole: teams.assignTeamRole,
      unassignTeamRole: teams.unassignTeamRole
    } as const
  }),
  dependencies: [AccessRepo.Default]
}) {}

// ---------------------------------------------------------------------------
// Policy use (STYLE.md "policy pattern")
// ---------------------------------------------------------------------------

/** 403 for a missing permission. */
export const forbidden = (permission: string): Forbidden =>
  new Forbidden({ message: `missing permission ${permission}`, permission })

/**
 * Checks that the `CurrentActor` holds `permission` (via
 * {@link Access.checkActor}) before running `self`, and removes the matching
 * {@link AccessPolicy} requirement from `self`'s type. A pattern discharges
 * what it covers: `"roles:*"` every `roles:` requirement, `"*:*"` all of
 * them (and then the actor must hold the whole pattern).
 *
 * ```ts
 * AccessAdmin.createRole(input).pipe(policyUse("roles:write")) // handler: 403 unless allowed
 * ```
 *
 * @errors Forbidden (403) naming the permission
 */
export const policyUse =
  <const P extends PermissionString>(permission: P) =>
  <A, E, R>(
    self: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | Forbidden, Exclude<R, Discharges<P>> | Access | CurrentActor | CurrentTenant> =>
    Effect.flatMap(Effect.zip(Access, CurrentActor), ([access, actor]) => access.checkActor(actor, permission)).pipe(
      Effect.flatMap(
        (allowed): Effect.Effect<A, E | Forbidden, R> => (allowed ? self : Effect.fail(forbidden(permission)))
      )
    ) as Effect.Effect<A, E | Forbidden, Exclude<R, Discharges<P>> | Access | CurrentActor | CurrentTenant>

/** The policy requirement type (see `Policy.ts`), re-exported for callers that import only this module. */
export type { AccessPolicy }
