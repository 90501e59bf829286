/**
 * The access service: RBAC administration and permission checks for the
 * `CurrentTenant` (seed 001 "roles / permissions / user_permissions /
 * teams" and "Permission Check Flow"; ARCHITECTURE §3 "RBAC").
 *
 * **Administration.** Roles, their permission patterns, user → role,
 * user overrides (allow / deny), teams, team members and team roles, and
 * the tenant's custom permissions. Every change runs in one `tenantTx` that
 * also bumps the tenant's `access_versions.version`, appends exactly one
 * audit row and publishes exactly one CloudEvent (`signet.access.*`); a call
 * that changes nothing (granting a permission the role already has) writes
 * none of them. Operations carry their permission in the types
 * ({@link policyRequire}); callers discharge it with {@link policyUse}.
 *
 * **No escalation.** Nobody grants, directly or indirectly, a permission
 * they do not hold themselves: {@link Access.requireHeld} (and its
 * `requireHeldRole` / `requireHeldUser` forms) refuses with 403 naming the
 * first permission the `CurrentActor` lacks. API keys (scope), user creation
 * (the type's default role), password resets (the target's grants) and
 * roster imports (administrators) call it from their modules. Here it bounds
 * team membership and role administration (`roles:write` is not enough on
 * its own): assigning a role to a user (`assignRole`, `assignRoleMany`) or to
 * a team (`assignTeamRole`) and adding a team member need every permission
 * of the role(s) concerned; adding permissions to a role (`createRole`,
 * `grant`, `setRolePermissions`) needs each permission added; an `allow`
 * user override needs its permission, and so does removing a `deny`
 * override (it hands the permission back). What only takes away needs
 * nothing more: revoking, unassigning, removing an allow override, setting a
 * deny override, deleting a role. Checks run inside the mutation's
 * transaction, on every call (no-ops included), except that a permission
 * change only checks what it adds. Operators and the system hold
 * everything; an API key only its scope. The default-role steps of
 * `Core.ts` assign with the creating actor, so they are bounded too: user
 * creation checks the role up front, and a roster import that creates or
 * retypes users into a type whose default role the actor does not wholly
 * hold is refused by the step (its transaction rolls back).
 *
 * **Checks.** {@link Access.check} answers in memory from the tenant's
 * compiled policy (`Policy.ts`). The compiled policy is cached per tenant
 * with the version it was built from. An entry younger than the TTL
 * (`AccessConfig.cacheTtl`, default 1 s) is used as is; an older one is
 * revalidated with one cheap query of the version and rebuilt when the
 * version moved. So a change made on another replica is in force everywhere
 * within the TTL; on this replica it is in force as soon as its transaction
 * commits (the mutation drops the cached entry). Reloads are deduplicated per
 * tenant. Inside a caller's transaction the version is always read in that
 * transaction, and a policy built from uncommitted rows is used once and
 * never cached.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  ALL_PERMISSIONS,
  type CreatePermission,
  type CreateRole,
  type CreateTeam,
  corePermissions,
  DEFAULT_ROLES,
  type DefaultRole,
  defaultRolePermissions,
  EffectivePermissions,
  Explanation,
  type GrantEffect,
  PERMISSION_PATTERN,
  type PermissionCatalog,
  PermissionInfo,
  PermissionNotFound,
  permissionsOf,
  Role,
  RoleDetail,
  RoleGrant,
  RoleNotFound,
  RoleRef,
  Team,
  TeamDetail,
  TeamMember,
  TeamNotFound,
  type UpdateRole,
  type UpdateTeam,
  UserOverride,
  UserRole
} from "@signet/contracts/access/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Context, Deferred, Duration, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { isUniqueViolation, tenantTx } from "../kernel/Database.js"
import { bool, DbBool, DbCount, instant } from "../kernel/Sql.js"
import {
  type AccessPolicy,
  type CompiledPolicy,
  checkScoped,
  compilePolicy,
  type Discharges,
  holdsScoped,
  type PermissionString,
  type PolicyInput,
  policyRequire
} from "./Policy.js"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/** Tuning and data of the access service; see {@link AccessConfig}. */
export interface AccessOptions {
  /**
   * How long a compiled policy is trusted before its version is checked
   * again (default 1 s). This bounds how long a change made on another
   * replica takes to apply here.
   */
  readonly cacheTtl: Duration.DurationInput
  /** Permissions declared by the modules (default {@link corePermissions}). */
  readonly catalog: PermissionCatalog
  /** Roles seeded at onboarding (default {@link DEFAULT_ROLES}). */
  readonly defaultRoles: ReadonlyArray<DefaultRole>
  /** Most tenants whose compiled policy is kept in memory (default 10,000; oldest dropped first). */
  readonly maxCachedTenants: number
}

/** The defaults of {@link AccessOptions}. */
export const defaultAccessOptions: AccessOptions = {
  cacheTtl: Duration.seconds(1),
  catalog: corePermissions,
  defaultRoles: DEFAULT_ROLES,
  maxCachedTenants: 10_000
}

/**
 * Configuration of the {@link Access} service, read when the service is
 * built. Optional: without it the service uses {@link defaultAccessOptions}.
 * Provide it to change the TTL or to add an application's own catalog:
 * `Layer.succeed(AccessConfig, { ...defaultAccessOptions, cacheTtl: "250 millis" })`.
 */
export class AccessConfig extends Context.Reference<AccessConfig>()("Signet/AccessConfig", {
  defaultValue: (): AccessOptions => defaultAccessOptions
}) {}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

const RoleRow = Schema.Struct({
  tenant_id: Schema.String,
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  priority: DbCount,
  is_system: DbBool,
  created_at: Schema.String,
  updated_at: Schema.String
})
const decodeRoles = (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(Schema.compose(RoleRow, Role, { strict: false })))(rows).pipe(Effect.orDie)

const TeamRow = Schema.Struct({
  tenant_id: Schema.String,
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String
})
const decodeTeams = (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(Schema.compose(TeamRow, Team, { strict: false })))(rows).pipe(Effect.orDie)

const PermissionRow = Schema.Struct({ name: Schema.String, description: Schema.String, is_system: DbBool })
const decodePermissions = Schema.decodeUnknown(Schema.Array(PermissionRow))

const UserRoleRow = Schema.Struct({
  user_id: Schema.String,
  role_id: Schema.String,
  role_name: Schema.String,
  priority: DbCount,
  assigned_at: Schema.String
})
const decodeUserRoles = (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(Schema.compose(UserRoleRow, UserRole, { strict: false })))(rows).pipe(Effect.orDie)

const OverrideRow = Schema.Struct({
  user_id: Schema.String,
  permission: Schema.String,
  effect: Schema.Literal("allow", "deny"),
  updated_at: Schema.String
})
const decodeOverrides = (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(Schema.compose(OverrideRow, UserOverride, { strict: false })))(rows).pipe(
    Effect.orDie
  )

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const isUuid = (s: string) => UUID.test(s)

const dedupe = (xs: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(xs)].sort()

/** Filters of list operations: cursor pagination (see `kernel/Pagination.ts`). */
export interface ListParams {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

interface CacheEntry {
  readonly policy: CompiledPolicy
  readonly version: number
  checkedAt: number
}

/** What one mutation leaves behind: the audit row and the CloudEvent. */
interface Change {
  readonly action: string
  readonly targetType: string
  readonly targetId: string | null
  readonly before?: unknown
  readonly after?: unknown
  readonly event: string
  readonly subject?: string | undefined
  readonly data: unknown
}

const isPattern = (permission: string) => permission.endsWith(":*")

/** Cursor of role listings (ordered by priority, then name): base64url of `[priority, name]`. */
const encodeRoleCursor = (role: { readonly priority: number; readonly name: string }): string =>
  Buffer.from(JSON.stringify([role.priority, role.name]), "utf8").toString("base64url")

/**
 * Decodes a role-listing cursor.
 * @errors ValidationError naming `cursor` when it is not one of ours
 */
const decodeRoleCursor = (
  cursor: string | undefined
): Effect.Effect<{ readonly priority: number; readonly name: string } | undefined, ValidationError> => {
  if (cursor === undefined || cursor === "") return Effect.succeed(undefined)
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string" &&
      value[1].length <= 64
    ) {
      return Effect.succeed({ priority: value[0] as number, name: value[1] })
    }
  } catch {
    // Not JSON: refused below like any other foreign cursor.
  }
  return Effect.fail(ValidationError.field("cursor", "is not a valid page cursor"))
}

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * Access service. Every operation acts on the `CurrentTenant`;
 * administration also needs the `CurrentActor` (audit) and carries its
 * permission requirement (`roles:read|write`, `teams:read|write`,
 * `users:delete`) in the types.
 */
export class Access extends Effect.Service<Access>()("Signet/Access", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const options = yield* AccessConfig
    // One time source for TTL bookkeeping, also usable synchronously (checkCompiled).
    const clock = yield* Effect.clock
    const ttlMs = Duration.toMillis(Duration.decode(options.cacheTtl))
    const catalogPermissions = permissionsOf(options.catalog)
    const catalogSet: ReadonlySet<string> = new Set(catalogPermissions)

    // The permission each operation requires, in its type (STYLE.md "policy pattern").
    const rolesRead = policyRequire("roles", "read")
    const rolesWrite = policyRequire("roles", "write")
    const teamsRead = policyRequire("teams", "read")
    const teamsWrite = policyRequire("teams", "write")
    const usersDelete = policyRequire("users", "delete")

    const cache = new Map<string, CacheEntry>()
    const generation = new Map<string, number>()
    const inflight = new Map<string, Deferred.Deferred<CacheEntry>>()

    const now = Effect.map(Clock.currentTimeMillis, instant)

    /** Runs `self` in a transaction bound to the current tenant, on this service's client. */
    const inTenant = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))

    const invalidate = (tenantId: string): void => {
      cache.delete(tenantId)
      generation.set(tenantId, (generation.get(tenantId) ?? 0) + 1)
    }

    /** The change's bookkeeping: version bump, one audit row, one event (inside the caller's transaction). */
    const commit = (tenantId: string, change: Change) =>
      Effect.gen(function* () {
        yield* sql`INSERT INTO access_versions (tenant_id, version) VALUES (${tenantId}, 1)
          ON CONFLICT (tenant_id) DO UPDATE SET version = access_versions.version + 1`.pipe(Effect.orDie)
        yield* audit.record({
          action: change.action,
          targetType: change.targetType,
          targetId: change.targetId,
          before: change.before,
          after: change.after
        })
        yield* events.publish({
          type: change.event,
          subject: change.subject ?? change.targetId ?? tenantId,
          data: change.data
        })
      })

    /**
     * A mutation: `body` runs in one tenant transaction; afterwards this
     * replica's compiled policy of the tenant is dropped.
     */
    const mutation = <A, E, R>(
      name: string,
      body: (tenantId: string, at: string) => Effect.Effect<A, E | SqlError, R>
    ): Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const at = yield* now
        const result = yield* inTenant(body(tenant.id, at))
        invalidate(tenant.id)
        return result
      }).pipe(Effect.withSpan(`Access.${name}`)) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        R | CurrentTenant | CurrentActor
      >

    const uniqueConflict = (field: string, message: string) => (error: unknown) =>
      isUniqueViolation(error) ? Effect.fail(new Conflict({ message, field })) : Effect.die(error)

    const requireUserId = (userId: string) =>
      isUuid(userId) ? Effect.void : Effect.fail(ValidationError.field("user_id", "must be a lowercase UUID"))

    // -------------------------------------------------------------------------
    // Reads (inside a tenant transaction)
    // -------------------------------------------------------------------------

    const findRole = (tenantId: string, id: string) =>
      isUuid(id)
        ? sql`SELECT * FROM roles WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
            Effect.orDie,
            Effect.flatMap(decodeRoles),
            Effect.map((rows) => Option.fromNullable(rows[0]))
          )
        : Effect.succeed(Option.none<Role>())

    const roleNotFound = (id: string) => new RoleNotFound({ message: `no role ${id}`, role: id })
    const teamNotFound = (id: string) => new TeamNotFound({ message: `no team ${id}`, team: id })

    const requireRole = (tenantId: string, id: string) =>
      Effect.flatMap(findRole(tenantId, id), (r) =>
        Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(roleNotFound(id))
      )

    const rolePermissions = (tenantId: string, roleId: string) =>
      sql<{ permission: string }>`SELECT permission FROM role_permissions
        WHERE tenant_id = ${tenantId} AND role_id = ${roleId} ORDER BY permission`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map((r) => r.permission))
      )

    const detailOf = (role: Role, permissions: ReadonlyArray<string>) =>
      new RoleDetail({ ...role, permissions: [...permissions] })

    const roleDetail = (tenantId: string, role: Role) =>
      Effect.map(rolePermissions(tenantId, role.id), (p) => detailOf(role, p))

    const findTeam = (tenantId: string, id: string) =>
      isUuid(id)
        ? sql`SELECT * FROM teams WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
            Effect.orDie,
            Effect.flatMap(decodeTeams),
            Effect.map((rows) => Option.fromNullable(rows[0]))
          )
        : Effect.succeed(Option.none<Team>())

    const requireTeam = (tenantId: string, id: string) =>
      Effect.flatMap(findTeam(tenantId, id), (t) =>
        Option.isSome(t) ? Effect.succeed(t.value) : Effect.fail(teamNotFound(id))
      )

    const teamDetail = (tenantId: string, team: Team) =>
      sql<{ id: string; name: string }>`SELECT r.id, r.name FROM team_roles tr
        JOIN roles r ON r.tenant_id = tr.tenant_id AND r.id = tr.role_id
        WHERE tr.tenant_id = ${tenantId} AND tr.team_id = ${team.id} ORDER BY r.priority DESC, r.name`.pipe(
        Effect.orDie,
        Effect.map(
          (rows) =>
            new TeamDetail({ ...team, roles: rows.map((r) => new RoleRef({ id: r.id as Role["id"], name: r.name })) })
        )
      )

    /** The tenant's custom permissions (table) merged with the catalog, by name. */
    const knownPermissions = (tenantId: string) =>
      sql`SELECT name, description, is_system FROM permissions WHERE tenant_id = ${tenantId}`.pipe(
        Effect.flatMap(decodePermissions),
        Effect.orDie,
        Effect.map((rows) => {
          const out = new Map<string, PermissionInfo>()
          for (const name of catalogPermissions) {
            out.set(name, new PermissionInfo({ name, description: describe(name), is_system: true }))
          }
          for (const r of rows) {
            if (!out.has(r.name)) out.set(r.name, new PermissionInfo({ ...r, is_system: r.is_system }))
          }
          return out
        })
      )

    /**
     * Refuses patterns the tenant does not know: an exact permission must be
     * declared or created; `resource:*` needs a known resource; `*:*` always passes.
     */
    const validatePatterns = (tenantId: string, patterns: ReadonlyArray<string>, field: string) =>
      Effect.gen(function* () {
        const known = yield* knownPermissions(tenantId)
        const resources = new Set([...known.keys()].map((p) => p.slice(0, p.indexOf(":"))))
        for (const p of patterns) {
          if (!PERMISSION_PATTERN.test(p)) return yield* ValidationError.field(field, `"${p}" is not a permission`)
          if (p === ALL_PERMISSIONS) continue
          if (p.endsWith(":*")) {
            if (!resources.has(p.slice(0, -2))) {
              return yield* ValidationError.field(field, `"${p}": no permission of resource "${p.slice(0, -2)}" exists`)
            }
          } else if (!known.has(p)) {
            return yield* ValidationError.field(field, `"${p}" is not a known permission`)
          }
        }
      })

    // -------------------------------------------------------------------------
    // Compiled policy cache
    // -------------------------------------------------------------------------

    const readVersion = (tenantId: string) =>
      sql<{ version: number }>`SELECT version FROM access_versions WHERE tenant_id = ${tenantId}`.pipe(
        Effect.orDie,
        Effect.map((rows) => Number(rows[0]?.version ?? 0))
      )

    /** Reads every rule of the tenant (version first, so the rules are at least that new) and compiles them. */
    const loadPolicy = (tenantId: string) =>
      Effect.gen(function* () {
        const version = yield* readVersion(tenantId)
        const roles = yield* sql<{ id: string; name: string; priority: number }>`
          SELECT id, name, priority FROM roles WHERE tenant_id = ${tenantId}`
        const grants = yield* sql<{ role_id: string; permission: string }>`
          SELECT role_id, permission FROM role_permissions WHERE tenant_id = ${tenantId}`
        const userRoles = yield* sql<{ user_id: string; role_id: string }>`
          SELECT user_id, role_id FROM user_roles WHERE tenant_id = ${tenantId}`
        const overrides = yield* sql<{ user_id: string; permission: string; effect: GrantEffect }>`
          SELECT user_id, permission, effect FROM user_permissions WHERE tenant_id = ${tenantId}`
        const teams = yield* sql<{ id: string; name: string }>`SELECT id, name FROM teams WHERE tenant_id = ${tenantId}`
        const members = yield* sql<{ team_id: string; user_id: string }>`
          SELECT team_id, user_id FROM team_members WHERE tenant_id = ${tenantId}`
        const teamRoles = yield* sql<{ team_id: string; role_id: string }>`
          SELECT team_id, role_id FROM team_roles WHERE tenant_id = ${tenantId}`
        const byRole = new Map<string, Array<string>>()
        for (const g of grants) {
          const list = byRole.get(g.role_id)
          if (list) list.push(g.permission)
          else byRole.set(g.role_id, [g.permission])
        }
        const input: PolicyInput = {
          roles: roles.map((r) => ({
            id: r.id,
            name: r.name,
            priority: Number(r.priority),
            permissions: byRole.get(r.id) ?? []
          })),
          userRoles: userRoles.map((r) => ({ userId: r.user_id, roleId: r.role_id })),
          teams,
          teamMembers: members.map((m) => ({ teamId: m.team_id, userId: m.user_id })),
          teamRoles: teamRoles.map((t) => ({ teamId: t.team_id, roleId: t.role_id })),
          overrides: overrides.map((o) => ({ userId: o.user_id, permission: o.permission, effect: o.effect }))
        }
        return { policy: compilePolicy(input), version }
      }).pipe(Effect.orDie, Effect.withSpan("Access.loadPolicy"))

    const store = (tenantId: string, entry: CacheEntry) => {
      if (!cache.has(tenantId) && cache.size >= options.maxCachedTenants) {
        const oldest = cache.keys().next()
        if (!oldest.done) cache.delete(oldest.value)
      }
      cache.set(tenantId, entry)
    }

    /** Revalidates (or rebuilds) the tenant's entry in its own transaction and caches it. */
    const revalidate = (tenantId: string) =>
      Effect.gen(function* () {
        const startedAt = generation.get(tenantId) ?? 0
        const current = cache.get(tenantId)
        const version = yield* inTenant(readVersion(tenantId))
        const at = clock.unsafeCurrentTimeMillis()
        if (current && current.version === version && cache.get(tenantId) === current) {
          current.checkedAt = at
          return current
        }
        const loaded = yield* inTenant(loadPolicy(tenantId))
        // A local mutation while loading: keep the result, but revalidate on next use.
        const stale = (generation.get(tenantId) ?? 0) !== startedAt
        const entry: CacheEntry = { ...loaded, checkedAt: stale ? Number.NEGATIVE_INFINITY : at }
        store(tenantId, entry)
        return entry
      })

    /** {@link revalidate}, at most one at a time per tenant (others wait for its result). */
    const refresh = (tenantId: string): Effect.Effect<CacheEntry, never, CurrentTenant> =>
      Effect.flatMap(Deferred.make<CacheEntry>(), (mine) =>
        Effect.suspend(() => {
          const pending = inflight.get(tenantId)
          if (pending) return Deferred.await(pending)
          inflight.set(tenantId, mine)
          return revalidate(tenantId).pipe(
            Effect.onExit((exit) =>
              Effect.zipRight(
                Effect.sync(() => inflight.delete(tenantId)),
                Deferred.done(mine, exit)
              )
            )
          )
        })
      )

    /**
     * The current tenant's compiled policy, fresh within the TTL. Inside a
     * caller's transaction, consistent with that transaction.
     */
    const policyFor: Effect.Effect<CompiledPolicy, never, CurrentTenant> = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const inTransaction = Option.isSome(yield* Effect.serviceOption(SqlClient.TransactionConnection))
      const entry = cache.get(tenant.id)
      if (inTransaction) {
        // The caller's transaction may hold uncommitted access changes: compare
        // versions in it, and never cache what it reads.
        const version = yield* readVersion(tenant.id)
        if (entry && entry.version === version) return entry.policy
        return (yield* loadPolicy(tenant.id)).policy
      }
      if (entry && clock.unsafeCurrentTimeMillis() - entry.checkedAt < ttlMs) return entry.policy
      return (yield* refresh(tenant.id)).policy
    })

    /**
     * Whether the user holds a concrete permission (`resource:action`) in the
     * current tenant: explicit deny > allow > default deny. In memory except
     * for a version query once per TTL per tenant.
     */
    const check = (userId: string, permission: string): Effect.Effect<boolean, never, CurrentTenant> =>
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
          return Effect.map(policyFor, (p) =>
            isPattern(permission) ? p.holds(id, permission) : p.check(id, permission)
          )
        }
        default: {
          const scope = actor.permissions
          if (scope === undefined) return Effect.succeed(false)
          return Effect.succeed(isPattern(permission) ? holdsScoped(scope, permission) : checkScoped(scope, permission))
        }
      }
    }

    /**
     * Synchronous fast path: the decision from this replica's cached policy
     * of `tenantId`, or `undefined` when there is none or it is older than the
     * TTL (then call {@link check}). For hot loops and benchmarks.
     */
    const checkCompiled = (tenantId: string, userId: string, permission: string): boolean | undefined => {
      const entry = cache.get(tenantId)
      if (entry === undefined || clock.unsafeCurrentTimeMillis() - entry.checkedAt >= ttlMs) return undefined
      return entry.policy.check(userId, permission)
    }

    // -------------------------------------------------------------------------
    // No escalation: nobody hands out what they do not hold
    // -------------------------------------------------------------------------

    /**
     * Refuses to let the `CurrentActor` hand out a permission it does not hold
     * itself, directly or indirectly (an API key's scope, a new user's default
     * role, a team's roles given to a new member, a role assigned or granted
     * more, an allow override). Each pattern must be held
     * as {@link checkActor} decides — a pattern wholly (`CompiledPolicy.holds`:
     * `*:*` needs `*:*` and no deny at all). Operators and the system hold
     * everything; an API key only its scope. Needs no permission of its own:
     * it only answers about the caller. Patterns are checked in the order given.
     *
     * `what` names the operation in the 403 message ("an API key scope").
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

    /** A role's permission patterns, by role name (sorted; empty when no role has that name). */
    const rolePermissionsByName = (tenantId: string, roleName: string) =>
      sql<{ permission: string }>`SELECT rp.permission FROM roles r
        JOIN role_permissions rp ON rp.tenant_id = r.tenant_id AND rp.role_id = r.id
        WHERE r.tenant_id = ${tenantId} AND r.name = ${roleName} ORDER BY rp.permission`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map((r) => r.permission))
      )

    /**
     * {@link requireHeld} for every permission pattern the role named
     * `roleName` grants in the current tenant, read fresh (nothing to hold
     * when the tenant has no such role). For operations that give a role as a
     * side effect, e.g. creating a user, whose type brings a default role.
     * @errors Forbidden (403) naming the first pattern of the role not held
     */
    const requireHeldRole = (
      roleName: string,
      what: string
    ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const permissions = yield* inTenant(rolePermissionsByName(tenant.id, roleName))
        yield* requireHeld(permissions, `${what} (role "${roleName}")`)
      })

    /**
     * {@link requireHeld} for every permission pattern of `role`, read in the
     * caller's transaction (inside a mutation): for operations that hand the
     * role to someone (a user, a team's members).
     * @errors Forbidden (403) naming the first pattern of the role not held
     */
    const requireHeldRoleRow = (tenantId: string, role: Role, what: string) =>
      Effect.flatMap(rolePermissions(tenantId, role.id), (permissions) =>
        requireHeld(permissions, `${what} (role "${role.name}")`)
      )

    /**
     * {@link requireHeld} for every allow pattern a user holds in the current
     * tenant (roles, team roles and allow overrides, from the compiled
     * policy; the user's deny overrides are not subtracted, so this errs on
     * the side of refusing). For operations that hand the caller another
     * user's account, e.g. setting their password.
     * @errors Forbidden (403) naming the first pattern of the user not held
     */
    const requireHeldUser = (
      userId: string,
      what: string
    ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
      Effect.flatMap(policyFor, (p) =>
        requireHeld(
          p.grants(userId).allow.map((g) => g.pattern),
          what
        )
      )

    /**
     * Refuses permission patterns the current tenant does not know, by the
     * rule of role grants: a concrete `resource:action` must be declared by a
     * module or created by the tenant; `resource:*` needs a known resource;
     * `*:*` always passes. Needs no permission (it only says whether names
     * are known). Used for API key scopes.
     * @errors ValidationError (400) on `field`, naming the first unknown pattern
     */
    const validatePermissions = (
      patterns: ReadonlyArray<string>,
      field: string
    ): Effect.Effect<void, ValidationError, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) => inTenant(validatePatterns(tenant.id, patterns, field)))

    /**
     * Like {@link check}, and says which grant or deny decided (or that
     * nothing matched). Requires `roles:read`.
     */
    const explain = (userId: string, permission: string) =>
      rolesRead(
        Effect.map(policyFor, (p) => {
          const e = p.explain(userId, permission)
          return new Explanation({ user_id: userId, permission, ...e })
        })
      )

    /**
     * Everything that decides a user's permissions, read fresh from the
     * database: roles (direct and through teams), overrides, the allow and
     * deny patterns in force, and the known concrete permissions held.
     * Requires `roles:read`.
     * @errors ValidationError (user id not a UUID)
     */
    const effectivePermissions = (userId: string) =>
      rolesRead(
        Effect.gen(function* () {
          yield* requireUserId(userId)
          const tenant = yield* CurrentTenant
          return yield* inTenant(
            Effect.gen(function* () {
              const direct = yield* sql<{ id: string; name: string; priority: number }>`
                SELECT r.id, r.name, r.priority FROM user_roles ur
                JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                WHERE ur.tenant_id = ${tenant.id} AND ur.user_id = ${userId}`
              const viaTeams = yield* sql<{
                id: string
                name: string
                priority: number
                team_id: string
                team_name: string
              }>`
                SELECT r.id, r.name, r.priority, t.id AS team_id, t.name AS team_name FROM team_members m
                JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
                JOIN team_roles tr ON tr.tenant_id = m.tenant_id AND tr.team_id = m.team_id
                JOIN roles r ON r.tenant_id = tr.tenant_id AND r.id = tr.role_id
                WHERE m.tenant_id = ${tenant.id} AND m.user_id = ${userId}`
              const overrides = yield* sql<{ permission: string; effect: GrantEffect }>`
                SELECT permission, effect FROM user_permissions
                WHERE tenant_id = ${tenant.id} AND user_id = ${userId} ORDER BY permission`
              const roleIds = [...new Set([...direct, ...viaTeams].map((r) => r.id))]
              const grants =
                roleIds.length === 0
                  ? []
                  : yield* sql<{ role_id: string; permission: string }>`
                    SELECT role_id, permission FROM role_permissions
                    WHERE tenant_id = ${tenant.id} AND ${sql.in("role_id", roleIds)}`
              const known = yield* knownPermissions(tenant.id)
              const roles = new Map(
                [...direct, ...viaTeams].map((r) => [
                  r.id,
                  {
                    id: r.id,
                    name: r.name,
                    priority: Number(r.priority),
                    permissions: grants.filter((g) => g.role_id === r.id).map((g) => g.permission)
                  }
                ])
              )
              const teams = new Map(viaTeams.map((t) => [t.team_id, { id: t.team_id, name: t.team_name }]))
              const policy = compilePolicy({
                roles: [...roles.values()],
                userRoles: direct.map((r) => ({ userId, roleId: r.id })),
                teams: [...teams.values()],
                teamMembers: [...teams.keys()].map((teamId) => ({ teamId, userId })),
                teamRoles: viaTeams.map((t) => ({ teamId: t.team_id, roleId: t.id })),
                overrides: overrides.map((o) => ({ userId, permission: o.permission, effect: o.effect }))
              })
              const g = policy.grants(userId)
              const roleGrants = [
                ...direct.map(
                  (r) =>
                    new RoleGrant({
                      role_id: r.id as Role["id"],
                      role_name: r.name,
                      priority: Number(r.priority),
                      via: "direct",
                      team_id: null,
                      team_name: null
                    })
                ),
                ...viaTeams.map(
                  (r) =>
                    new RoleGrant({
                      role_id: r.id as Role["id"],
                      role_name: r.name,
                      priority: Number(r.priority),
                      via: "team",
                      team_id: r.team_id as Team["id"],
                      team_name: r.team_name
                    })
                )
              ].sort((a, b) => b.priority - a.priority || a.role_name.localeCompare(b.role_name))
              return new EffectivePermissions({
                user_id: userId,
                roles: roleGrants,
                overrides: overrides.map((o) => ({ permission: o.permission, effect: o.effect })),
                allow: g.allow.map((s) => s.pattern),
                deny: g.deny.map((s) => s.pattern),
                permissions: [...policy.effective(userId, [...known.keys()].sort())]
              })
            })
          )
        }).pipe(Effect.withSpan("Access.effectivePermissions"))
      )

    /**
     * The names of the roles a user holds, directly or through a team,
     * highest priority first: the access token's `roles` claim (identity's
     * `RoleResolver`). Read from the tenant's compiled policy (no query
     * within the policy's TTL, the same freshness as {@link check}). Needs no
     * permission: it is read for the user being authenticated, never
     * returned to another caller.
     */
    const roleNames = (userId: string): Effect.Effect<ReadonlyArray<string>, never, CurrentTenant> =>
      isUuid(userId) ? Effect.map(policyFor, (p) => p.roleNames(userId)) : Effect.succeed([])

    // -------------------------------------------------------------------------
    // Onboarding
    // -------------------------------------------------------------------------

    /**
     * Seeds the current tenant (called by tenant onboarding, ARCHITECTURE §3
     * "default roles"): the catalog's permissions and the default roles with
     * their grants, as system rows. Idempotent: only missing rows are added
     * (so a later release's new permissions and roles can be seeded into
     * existing tenants); nothing missing → no audit row, no event. Returns
     * the default roles.
     */
    const seedDefaults: Effect.Effect<ReadonlyArray<RoleDetail>, never, CurrentTenant | CurrentActor> = mutation(
      "seedDefaults",
      (tenantId, at) =>
        Effect.gen(function* () {
          const existingPerms = new Set(
            (yield* sql<{ name: string }>`SELECT name FROM permissions WHERE tenant_id = ${tenantId}`).map(
              (r) => r.name
            )
          )
          const newPerms = catalogPermissions.filter((p) => !existingPerms.has(p))
          if (newPerms.length > 0) {
            yield* sql`INSERT INTO permissions ${sql.insert(
              newPerms.map((name) => ({
                tenant_id: tenantId,
                name,
                description: describe(name),
                is_system: bool(true),
                created_at: at
              }))
            )}`
          }
          const existingRoles = yield* decodeRoles(yield* sql`SELECT * FROM roles WHERE tenant_id = ${tenantId}`)
          const byName = new Map(existingRoles.map((r) => [r.name, r]))
          const created: Array<string> = []
          for (const def of options.defaultRoles) {
            if (byName.has(def.name)) continue
            const id = yield* newUuid
            yield* sql`INSERT INTO roles (tenant_id, id, name, description, priority, is_system, created_at, updated_at)
              VALUES (${tenantId}, ${id}, ${def.name}, ${def.description}, ${def.priority}, ${bool(true)}, ${at}, ${at})`
            const perms = dedupe(defaultRolePermissions(def, catalogPermissions))
            if (perms.length > 0) {
              yield* sql`INSERT INTO role_permissions ${sql.insert(
                perms.map((permission) => ({ tenant_id: tenantId, role_id: id, permission, created_at: at }))
              )}`
            }
            const [row] = yield* decodeRoles(
              yield* sql`SELECT * FROM roles WHERE tenant_id = ${tenantId} AND id = ${id}`
            )
            byName.set(def.name, row!)
            created.push(def.name)
          }
          if (newPerms.length > 0 || created.length > 0) {
            const summary = { roles: created, permissions: newPerms }
            yield* commit(tenantId, {
              action: "access.defaults.seed",
              targetType: "tenant",
              targetId: tenantId,
              after: summary,
              event: "signet.access.defaults.seeded",
              data: summary
            })
          }
          const out: Array<RoleDetail> = []
          for (const def of options.defaultRoles) {
            const role = byName.get(def.name)!
            out.push(yield* roleDetail(tenantId, role))
          }
          return out
        }).pipe(Effect.orDie)
    )

    // -------------------------------------------------------------------------
    // Permissions
    // -------------------------------------------------------------------------

    /** The tenant's known permissions (declared by modules and created by the tenant), by name. Requires `roles:read`. */
    const listPermissions = rolesRead(
      Effect.flatMap(CurrentTenant, (tenant) =>
        inTenant(knownPermissions(tenant.id)).pipe(
          Effect.map((m) => [...m.values()].sort((a, b) => (a.name < b.name ? -1 : 1)))
        )
      )
    )

    /**
     * Creates a tenant-specific permission (e.g. `reports:export`) so that
     * roles can be granted it. Requires `roles:write`.
     * @errors Conflict (already known)
     */
    const createPermission = (input: CreatePermission) =>
      rolesWrite(
        mutation("createPermission", (tenantId, at) =>
          Effect.gen(function* () {
            const known = yield* knownPermissions(tenantId)
            if (known.has(input.name)) {
              return yield* new Conflict({ message: `permission "${input.name}" already exists`, field: "name" })
            }
            const info = new PermissionInfo({
              name: input.name,
              description: input.description ?? "",
              is_system: false
            })
            yield* sql`INSERT INTO permissions (tenant_id, name, description, is_system, created_at)
              VALUES (${tenantId}, ${info.name}, ${info.description}, ${bool(false)}, ${at})`.pipe(
              Effect.catchAll(uniqueConflict("name", `permission "${input.name}" already exists`))
            )
            yield* commit(tenantId, {
              action: "access.permission.create",
              targetType: "permission",
              targetId: info.name,
              after: info,
              event: "signet.access.permission.created",
              data: info
            })
            return info
          })
        )
      )

    /**
     * Deletes a tenant-specific permission and every exact grant of it
     * (role grants and user overrides). Requires `roles:write`.
     * @errors PermissionNotFound, Conflict (declared by a module)
     */
    const deletePermission = (name: string) =>
      rolesWrite(
        mutation("deletePermission", (tenantId) =>
          Effect.gen(function* () {
            const known = yield* knownPermissions(tenantId)
            const info = known.get(name)
            if (!info) return yield* new PermissionNotFound({ message: `no permission "${name}"`, permission: name })
            if (info.is_system || catalogSet.has(name)) {
              return yield* new Conflict({
                message: `permission "${name}" is declared by a module and cannot be deleted`,
                field: "name"
              })
            }
            yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenantId} AND permission = ${name}`
            yield* sql`DELETE FROM user_permissions WHERE tenant_id = ${tenantId} AND permission = ${name}`
            yield* sql`DELETE FROM permissions WHERE tenant_id = ${tenantId} AND name = ${name}`
            yield* commit(tenantId, {
              action: "access.permission.delete",
              targetType: "permission",
              targetId: name,
              before: info,
              event: "signet.access.permission.deleted",
              data: { name }
            })
          })
        )
      )

    /**
     * One page (by id, cursor pagination) of the tenant's rows in `table`,
     * decoded by `decode`. Fails with `ValidationError` on a bad cursor.
     */
    const pageOf = <A extends { readonly id: string }>(
      table: "roles" | "teams",
      decode: (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>>,
      params: ListParams
    ) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const rows = yield* inTenant(
          sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${tenant.id} ${after ? sql`AND id > ${after}` : sql``}
            ORDER BY id LIMIT ${limit + 1}`.pipe(Effect.orDie, Effect.flatMap(decode))
        )
        return toPage(rows, limit)
      })

    // -------------------------------------------------------------------------
    // Roles
    // -------------------------------------------------------------------------

    /**
     * Lists the tenant's roles, highest priority first, then by name (the
     * order `Domain.ts` gives priorities), with cursor pagination: the
     * cursor carries the last role's priority and name (names are unique per
     * tenant), so a page boundary survives the deletion of that role.
     * Requires `roles:read`.
     * @errors ValidationError (bad cursor)
     */
    const listRoles = (params: ListParams = {}) =>
      rolesRead(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeRoleCursor(params.cursor)
          const rows = yield* inTenant(
            sql`SELECT * FROM roles WHERE tenant_id = ${tenant.id} ${
              after
                ? sql`AND (priority < ${after.priority} OR (priority = ${after.priority} AND name > ${after.name}))`
                : sql``
            } ORDER BY priority DESC, name LIMIT ${limit + 1}`.pipe(Effect.orDie, Effect.flatMap(decodeRoles))
          )
          const items = rows.slice(0, limit)
          const last = items[items.length - 1]
          return { items, next_cursor: rows.length > limit && last ? encodeRoleCursor(last) : null }
        })
      )

    /** One role with its permission patterns. Requires `roles:read`. @errors RoleNotFound */
    const getRole = (id: string) =>
      rolesRead(
        Effect.flatMap(CurrentTenant, (tenant) =>
          inTenant(Effect.flatMap(requireRole(tenant.id, id), (r) => roleDetail(tenant.id, r)))
        )
      )

    /** The role with this name, if any. Requires `roles:read`. */
    const findRoleByName = (name: string) =>
      rolesRead(
        Effect.flatMap(CurrentTenant, (tenant) =>
          inTenant(
            sql`SELECT * FROM roles WHERE tenant_id = ${tenant.id} AND name = ${name}`.pipe(
              Effect.orDie,
              Effect.flatMap(decodeRoles),
              Effect.flatMap((rows) =>
                rows[0] ? Effect.map(roleDetail(tenant.id, rows[0]), Option.some) : Effect.succeed(Option.none())
              )
            )
          )
        )
      )

    /**
     * Creates a role with its permission patterns. Requires `roles:write`,
     * and the caller must hold every pattern given ({@link requireHeld}):
     * whoever may assign the role could otherwise hand out more than they
     * hold.
     * @errors Conflict (name taken), ValidationError (unknown permission),
     * Forbidden (403, naming the first pattern not held)
     */
    const createRole = (input: CreateRole) =>
      rolesWrite(
        mutation("createRole", (tenantId, at) =>
          Effect.gen(function* () {
            const permissions = dedupe(input.permissions ?? [])
            yield* validatePatterns(tenantId, permissions, "permissions")
            yield* requireHeld(permissions, `creating role "${input.name}"`)
            const id = yield* newUuid
            yield* sql`INSERT INTO roles (tenant_id, id, name, description, priority, is_system, created_at, updated_at)
              VALUES (${tenantId}, ${id}, ${input.name}, ${input.description ?? ""}, ${input.priority ?? 50}, ${bool(false)}, ${at}, ${at})`.pipe(
              Effect.catchAll(uniqueConflict("name", `a role named "${input.name}" already exists`))
            )
            if (permissions.length > 0) {
              yield* sql`INSERT INTO role_permissions ${sql.insert(
                permissions.map((permission) => ({ tenant_id: tenantId, role_id: id, permission, created_at: at }))
              )}`
            }
            const role = yield* requireRole(tenantId, id).pipe(Effect.orDie)
            const detail = detailOf(role, permissions)
            yield* commit(tenantId, {
              action: "access.role.create",
              targetType: "role",
              targetId: id,
              after: detail,
              event: "signet.access.role.created",
              data: detail
            })
            return detail
          })
        )
      )

    /**
     * Changes a role's name, description or priority; an empty patch changes
     * nothing. System roles keep their name. Requires `roles:write`; it
     * changes no permission, so nothing more is held to account (see
     * {@link setRolePermissions} and {@link grant}).
     * @errors RoleNotFound, Conflict (name taken, or renaming a system role)
     */
    const updateRole = (id: string, input: UpdateRole) =>
      rolesWrite(
        mutation("updateRole", (tenantId, at) =>
          Effect.gen(function* () {
            const before = yield* requireRole(tenantId, id)
            const patch: { name?: string; description?: string; priority?: number } = {}
            if (input.name !== undefined && input.name !== before.name) patch.name = input.name
            if (input.description !== undefined && input.description !== before.description) {
              patch.description = input.description
            }
            if (input.priority !== undefined && input.priority !== before.priority) patch.priority = input.priority
            if (Object.keys(patch).length === 0) return yield* roleDetail(tenantId, before)
            if (before.is_system && patch.name !== undefined) {
              return yield* new Conflict({
                message: `"${before.name}" is a system role and cannot be renamed`,
                field: "name"
              })
            }
            const after = new Role({ ...before, ...patch, updated_at: at })
            yield* sql`UPDATE roles SET name = ${after.name}, description = ${after.description},
                priority = ${after.priority}, updated_at = ${at}
              WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
              Effect.catchAll(uniqueConflict("name", `a role named "${after.name}" already exists`))
            )
            yield* commit(tenantId, {
              action: "access.role.update",
              targetType: "role",
              targetId: id,
              before,
              after,
              event: "signet.access.role.updated",
              data: after
            })
            return yield* roleDetail(tenantId, after)
          })
        )
      )

    /**
     * Deletes a role, its grants and its assignments (to users and teams).
     * Requires `roles:write`.
     * @errors RoleNotFound, Conflict (system role)
     */
    const deleteRole = (id: string) =>
      rolesWrite(
        mutation("deleteRole", (tenantId) =>
          Effect.gen(function* () {
            const role = yield* requireRole(tenantId, id)
            if (role.is_system) {
              return yield* new Conflict({ message: `"${role.name}" is a system role and cannot be deleted` })
            }
            const before = yield* roleDetail(tenantId, role)
            const [users] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM user_roles
              WHERE tenant_id = ${tenantId} AND role_id = ${id}`
            const [teams] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM team_roles
              WHERE tenant_id = ${tenantId} AND role_id = ${id}`
            yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenantId} AND role_id = ${id}`
            yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenantId} AND role_id = ${id}`
            yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenantId} AND role_id = ${id}`
            yield* sql`DELETE FROM roles WHERE tenant_id = ${tenantId} AND id = ${id}`
            yield* commit(tenantId, {
              action: "access.role.delete",
              targetType: "role",
              targetId: id,
              before: { ...before, assigned_users: Number(users?.n ?? 0), assigned_teams: Number(teams?.n ?? 0) },
              event: "signet.access.role.deleted",
              data: { id, name: role.name }
            })
          })
        )
      )

    /** The admin role always keeps `*:*`, so a tenant cannot lock itself out. */
    const guardAdmin = (role: Role, permissions: ReadonlyArray<string>) =>
      role.is_system && role.name === "admin" && !permissions.includes(ALL_PERMISSIONS)
        ? Effect.fail(
            new Conflict({ message: `the system role "admin" always holds ${ALL_PERMISSIONS}`, field: "permissions" })
          )
        : Effect.void

    const changePermissions = (
      name: string,
      roleId: string,
      next: (current: ReadonlyArray<string>) => ReadonlyArray<string>,
      action: string,
      event: string
    ) =>
      mutation(name, (tenantId, at) =>
        Effect.gen(function* () {
          const role = yield* requireRole(tenantId, roleId)
          const current = yield* rolePermissions(tenantId, roleId)
          const wanted = dedupe(next(current))
          const added = wanted.filter((p) => !current.includes(p))
          const removed = current.filter((p) => !wanted.includes(p))
          if (added.length === 0 && removed.length === 0) return detailOf(role, current)
          yield* validatePatterns(tenantId, added, "permissions")
          yield* requireHeld(added, `granting to role "${role.name}"`)
          yield* guardAdmin(role, wanted)
          if (removed.length > 0) {
            yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenantId} AND role_id = ${roleId}
              AND ${sql.in("permission", removed)}`
          }
          if (added.length > 0) {
            yield* sql`INSERT INTO role_permissions ${sql.insert(
              added.map((permission) => ({ tenant_id: tenantId, role_id: roleId, permission, created_at: at }))
            )}`
          }
          const detail = detailOf(role, wanted)
          yield* commit(tenantId, {
            action,
            targetType: "role",
            targetId: roleId,
            before: { permissions: current },
            after: { permissions: wanted },
            event,
            data: { role_id: roleId, name: role.name, added, removed, permissions: wanted }
          })
          return detail
        })
      )

    /**
     * Replaces a role's permission patterns. Requires `roles:write`, and the
     * caller must hold every pattern the call adds ({@link requireHeld});
     * patterns kept or removed need nothing more. A call that changes nothing
     * checks nothing.
     * @errors RoleNotFound, ValidationError (unknown permission), Forbidden
     * (403, naming the first added pattern not held), Conflict (admin without `*:*`)
     */
    const setRolePermissions = (roleId: string, permissions: ReadonlyArray<string>) =>
      rolesWrite(
        changePermissions(
          "setRolePermissions",
          roleId,
          () => permissions,
          "access.role.permissions.set",
          "signet.access.role.permissions.set"
        )
      )

    /**
     * Adds one permission pattern to a role (no-op when present). Requires
     * `roles:write`, and the caller must hold the pattern when it is new to
     * the role ({@link requireHeld}).
     * @errors RoleNotFound, ValidationError, Forbidden (403, the pattern not held)
     */
    const grant = (roleId: string, permission: string) =>
      rolesWrite(
        changePermissions(
          "grant",
          roleId,
          (current) => [...current, permission],
          "access.role.permission.grant",
          "signet.access.role.permission.granted"
        )
      )

    /**
     * Removes one permission pattern from a role (no-op when absent). Requires
     * `roles:write` only: it takes away.
     * @errors RoleNotFound, Conflict (admin's `*:*`)
     */
    const revoke = (roleId: string, permission: string) =>
      rolesWrite(
        changePermissions(
          "revoke",
          roleId,
          (current) => current.filter((p) => p !== permission),
          "access.role.permission.revoke",
          "signet.access.role.permission.revoked"
        )
      )

    // -------------------------------------------------------------------------
    // User roles and overrides
    // -------------------------------------------------------------------------

    const userRoleRows = (tenantId: string, userId: string, roleId?: string) =>
      sql`SELECT ur.user_id, ur.role_id, r.name AS role_name, r.priority, ur.created_at AS assigned_at
        FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
        WHERE ur.tenant_id = ${tenantId} AND ur.user_id = ${userId}
        ${roleId ? sql`AND ur.role_id = ${roleId}` : sql``}
        ORDER BY r.priority DESC, r.name`.pipe(Effect.orDie, Effect.flatMap(decodeUserRoles))

    /** The roles assigned directly to a user (highest priority first). Requires `roles:read`. @errors ValidationError */
    const listUserRoles = (userId: string) =>
      rolesRead(
        Effect.zipRight(
          requireUserId(userId),
          Effect.flatMap(CurrentTenant, (tenant) => inTenant(userRoleRows(tenant.id, userId)))
        )
      )

    /**
     * Assigns a role to a user (no-op when assigned). Requires `roles:write`,
     * and the caller must hold every permission pattern of the role
     * ({@link requireHeld}; checked on every call, no-ops included). Also
     * used by the default-role steps of user creation and roster retypes,
     * with the creating actor.
     * @errors RoleNotFound, ValidationError (user id), Forbidden (403, naming
     * the first pattern of the role not held)
     */
    const assignRole = (userId: string, roleId: string) =>
      rolesWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("assignRole", (tenantId, at) =>
            Effect.gen(function* () {
              const role = yield* requireRole(tenantId, roleId)
              yield* requireHeldRoleRow(tenantId, role, "assigning a role to a user")
              const existing = yield* userRoleRows(tenantId, userId, roleId)
              if (existing[0]) return existing[0]
              yield* sql`INSERT INTO user_roles (tenant_id, user_id, role_id, created_at)
                VALUES (${tenantId}, ${userId}, ${roleId}, ${at})`
              const assigned = new UserRole({
                user_id: userId,
                role_id: role.id,
                role_name: role.name,
                priority: role.priority,
                assigned_at: at
              })
              yield* commit(tenantId, {
                action: "access.user_role.assign",
                targetType: "user",
                targetId: userId,
                after: assigned,
                event: "signet.access.user.role.assigned",
                data: assigned
              })
              return assigned
            })
          )
        )
      )

    /**
     * Gives one role to many users at once (bulk imports): one version bump,
     * one audit row and one event for the whole batch; users who already hold
     * the role are skipped. Requires `roles:write`, and the caller must hold
     * every permission pattern of the role ({@link requireHeld}; checked once
     * per call, even when every user already holds the role).
     * @errors RoleNotFound, ValidationError (a user id), Forbidden (403,
     * naming the first pattern of the role not held)
     */
    const assignRoleMany = (userIds: ReadonlyArray<string>, roleId: string) =>
      rolesWrite(
        Effect.zipRight(
          Effect.forEach(userIds, requireUserId, { discard: true }),
          mutation("assignRoleMany", (tenantId, at) =>
            Effect.gen(function* () {
              const role = yield* requireRole(tenantId, roleId)
              yield* requireHeldRoleRow(tenantId, role, "assigning a role to users")
              const holders = new Set(
                (yield* sql<{ user_id: string }>`SELECT user_id FROM user_roles WHERE tenant_id = ${tenantId}
                  AND role_id = ${roleId}`).map((r) => r.user_id)
              )
              const fresh = [...new Set(userIds)].filter((u) => !holders.has(u))
              for (let i = 0; i < fresh.length; i += 200) {
                const rows = fresh
                  .slice(i, i + 200)
                  .map((user_id) => ({ tenant_id: tenantId, user_id, role_id: roleId, created_at: at }))
                yield* sql`INSERT INTO user_roles ${sql.insert(rows)}`
              }
              if (fresh.length > 0) {
                yield* commit(tenantId, {
                  action: "access.user_role.assign_many",
                  targetType: "role",
                  targetId: role.id,
                  after: { role: role.name, users: fresh.length },
                  event: "signet.access.role.assigned_many",
                  data: { role_id: role.id, user_ids: fresh }
                })
              }
              return fresh.length
            })
          )
        )
      )

    /**
     * Removes a role from a user (no-op when not assigned). Requires
     * `roles:write` only: it takes away.
     * @errors RoleNotFound, ValidationError (user id)
     */
    const unassignRole = (userId: string, roleId: string) =>
      rolesWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("unassignRole", (tenantId) =>
            Effect.gen(function* () {
              const role = yield* requireRole(tenantId, roleId)
              const existing = yield* userRoleRows(tenantId, userId, roleId)
              if (!existing[0]) return
              yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND role_id = ${roleId}`
              yield* commit(tenantId, {
                action: "access.user_role.unassign",
                targetType: "user",
                targetId: userId,
                before: existing[0],
                event: "signet.access.user.role.unassigned",
                data: { user_id: userId, role_id: role.id, role_name: role.name }
              })
            })
          )
        )
      )

    const overrideRows = (tenantId: string, userId: string) =>
      sql`SELECT user_id, permission, effect, updated_at FROM user_permissions
        WHERE tenant_id = ${tenantId} AND user_id = ${userId} ORDER BY permission`.pipe(
        Effect.orDie,
        Effect.flatMap(decodeOverrides)
      )

    /** A user's permission overrides, by permission. Requires `roles:read`. @errors ValidationError */
    const listUserOverrides = (userId: string) =>
      rolesRead(
        Effect.zipRight(
          requireUserId(userId),
          Effect.flatMap(CurrentTenant, (tenant) => inTenant(overrideRows(tenant.id, userId)))
        )
      )

    /**
     * Sets a user-level override: `allow` grants the pattern whatever the
     * roles say, `deny` refuses it whatever else allows it. Requires
     * `roles:write`; an `allow` also needs the caller to hold the pattern
     * ({@link requireHeld}; checked on every call, no-ops included), a `deny`
     * takes away and needs nothing more.
     * @errors ValidationError (user id, unknown permission), Forbidden (403,
     * an allowed pattern not held)
     */
    const setUserOverride = (userId: string, permission: string, effect: GrantEffect) =>
      rolesWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("setUserOverride", (tenantId, at) =>
            Effect.gen(function* () {
              yield* validatePatterns(tenantId, [permission], "permission")
              if (effect === "allow") yield* requireHeld([permission], "an allow override")
              const before = (yield* overrideRows(tenantId, userId)).find((o) => o.permission === permission)
              if (before && before.effect === effect) return before
              yield* sql`INSERT INTO user_permissions (tenant_id, user_id, permission, effect, updated_at)
                VALUES (${tenantId}, ${userId}, ${permission}, ${effect}, ${at})
                ON CONFLICT (tenant_id, user_id, permission)
                DO UPDATE SET effect = excluded.effect, updated_at = excluded.updated_at`
              const after = new UserOverride({ user_id: userId, permission, effect, updated_at: at })
              yield* commit(tenantId, {
                action: "access.user_override.set",
                targetType: "user",
                targetId: userId,
                before: before ?? null,
                after,
                event: "signet.access.user.override.set",
                data: after
              })
              return after
            })
          )
        )
      )

    /**
     * Removes a user-level override (no-op when absent). Requires
     * `roles:write`. Removing an `allow` takes away; removing a `deny` hands
     * the pattern back to whatever else allows it, so the caller must then
     * hold the pattern ({@link requireHeld}).
     * @errors ValidationError, Forbidden (403, a lifted deny's pattern not held)
     */
    const removeUserOverride = (userId: string, permission: string) =>
      rolesWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("removeUserOverride", (tenantId) =>
            Effect.gen(function* () {
              const before = (yield* overrideRows(tenantId, userId)).find((o) => o.permission === permission)
              if (!before) return
              if (before.effect === "deny") yield* requireHeld([permission], "lifting a deny override")
              yield* sql`DELETE FROM user_permissions
                WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND permission = ${permission}`
              yield* commit(tenantId, {
                action: "access.user_override.remove",
                targetType: "user",
                targetId: userId,
                before,
                event: "signet.access.user.override.removed",
                data: { user_id: userId, permission }
              })
            })
          )
        )
      )

    /**
     * Forgets a user: their roles, overrides and team memberships (called by
     * identity when a user is deleted; no-op when there are none). Requires
     * `users:delete`.
     * @errors ValidationError (user id)
     */
    const removeUserGrants = (userId: string) =>
      usersDelete(
        Effect.zipRight(
          requireUserId(userId),
          mutation("removeUserGrants", (tenantId) =>
            Effect.gen(function* () {
              const roles = yield* userRoleRows(tenantId, userId)
              const overrides = yield* overrideRows(tenantId, userId)
              const teams = yield* sql<{ team_id: string }>`SELECT team_id FROM team_members
                WHERE tenant_id = ${tenantId} AND user_id = ${userId} ORDER BY team_id`
              if (roles.length === 0 && overrides.length === 0 && teams.length === 0) return
              yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenantId} AND user_id = ${userId}`
              yield* sql`DELETE FROM user_permissions WHERE tenant_id = ${tenantId} AND user_id = ${userId}`
              yield* sql`DELETE FROM team_members WHERE tenant_id = ${tenantId} AND user_id = ${userId}`
              const before = {
                roles: roles.map((r) => r.role_name),
                overrides: overrides.map((o) => ({ permission: o.permission, effect: o.effect })),
                teams: teams.map((t) => t.team_id)
              }
              yield* commit(tenantId, {
                action: "access.user_grants.remove",
                targetType: "user",
                targetId: userId,
                before,
                event: "signet.access.user.grants.removed",
                data: { user_id: userId }
              })
            })
          )
        )
      )

    // -------------------------------------------------------------------------
    // Teams
    // -------------------------------------------------------------------------

    /** Lists the tenant's teams by id, with cursor pagination. Requires `teams:read`. */
    const listTeams = (params: ListParams = {}) => teamsRead(pageOf("teams", decodeTeams, params))

    /** One team with the roles it grants. Requires `teams:read`. @errors TeamNotFound */
    const getTeam = (id: string) =>
      teamsRead(
        Effect.flatMap(CurrentTenant, (tenant) =>
          inTenant(Effect.flatMap(requireTeam(tenant.id, id), (t) => teamDetail(tenant.id, t)))
        )
      )

    /** Creates a team. Requires `teams:write`. @errors Conflict (name taken) */
    const createTeam = (input: CreateTeam) =>
      teamsWrite(
        mutation("createTeam", (tenantId, at) =>
          Effect.gen(function* () {
            const id = yield* newUuid
            yield* sql`INSERT INTO teams (tenant_id, id, name, description, created_at, updated_at)
              VALUES (${tenantId}, ${id}, ${input.name}, ${input.description ?? ""}, ${at}, ${at})`.pipe(
              Effect.catchAll(uniqueConflict("name", `a team named "${input.name}" already exists`))
            )
            const team = yield* requireTeam(tenantId, id).pipe(Effect.orDie)
            yield* commit(tenantId, {
              action: "access.team.create",
              targetType: "team",
              targetId: id,
              after: team,
              event: "signet.access.team.created",
              data: team
            })
            return new TeamDetail({ ...team, roles: [] })
          })
        )
      )

    /** Renames or redescribes a team; an empty patch changes nothing. Requires `teams:write`. @errors TeamNotFound, Conflict */
    const updateTeam = (id: string, input: UpdateTeam) =>
      teamsWrite(
        mutation("updateTeam", (tenantId, at) =>
          Effect.gen(function* () {
            const before = yield* requireTeam(tenantId, id)
            const name = input.name ?? before.name
            const description = input.description ?? before.description
            if (name === before.name && description === before.description) return yield* teamDetail(tenantId, before)
            const after = new Team({ ...before, name, description, updated_at: at })
            yield* sql`UPDATE teams SET name = ${name}, description = ${description}, updated_at = ${at}
              WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
              Effect.catchAll(uniqueConflict("name", `a team named "${name}" already exists`))
            )
            yield* commit(tenantId, {
              action: "access.team.update",
              targetType: "team",
              targetId: id,
              before,
              after,
              event: "signet.access.team.updated",
              data: after
            })
            return yield* teamDetail(tenantId, after)
          })
        )
      )

    /** Deletes a team with its memberships and role grants. Requires `teams:write`. @errors TeamNotFound */
    const deleteTeam = (id: string) =>
      teamsWrite(
        mutation("deleteTeam", (tenantId) =>
          Effect.gen(function* () {
            const team = yield* requireTeam(tenantId, id)
            const before = yield* teamDetail(tenantId, team)
            yield* sql`DELETE FROM team_members WHERE tenant_id = ${tenantId} AND team_id = ${id}`
            yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenantId} AND team_id = ${id}`
            yield* sql`DELETE FROM teams WHERE tenant_id = ${tenantId} AND id = ${id}`
            yield* commit(tenantId, {
              action: "access.team.delete",
              targetType: "team",
              targetId: id,
              before,
              event: "signet.access.team.deleted",
              data: { id, name: team.name }
            })
          })
        )
      )

    /** A team's members by user id, with cursor pagination. Requires `teams:read`. @errors TeamNotFound */
    const listTeamMembers = (teamId: string, params: ListParams = {}) =>
      teamsRead(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeCursor(params.cursor)
          const rows = yield* inTenant(
            Effect.gen(function* () {
              yield* requireTeam(tenant.id, teamId)
              return yield* sql<{ user_id: string; created_at: string }>`SELECT user_id, created_at FROM team_members
                WHERE tenant_id = ${tenant.id} AND team_id = ${teamId} ${after ? sql`AND user_id > ${after}` : sql``}
                ORDER BY user_id LIMIT ${limit + 1}`.pipe(Effect.orDie)
            })
          )
          const page = toPage(
            rows.map((r) => ({ id: r.user_id, created_at: r.created_at })),
            limit
          )
          return {
            items: page.items.map(
              (r) => new TeamMember({ team_id: teamId as Team["id"], user_id: r.id, added_at: r.created_at })
            ),
            next_cursor: page.next_cursor
          }
        })
      )

    /**
     * Adds a user to a team (no-op when a member). Requires `teams:write`,
     * and the caller must hold every permission the team's roles grant: a
     * membership hands those roles to the member (who may be the caller), so
     * `teams:write` alone must not reach beyond what its holder has
     * ({@link requireHeld}). Checked on every call, no-ops included.
     * @errors TeamNotFound, ValidationError, Forbidden (a team role's permission not held)
     */
    const addTeamMember = (teamId: string, userId: string) =>
      teamsWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("addTeamMember", (tenantId, at) =>
            Effect.gen(function* () {
              const team = yield* requireTeam(tenantId, teamId)
              const granted = yield* sql<{ permission: string }>`SELECT DISTINCT rp.permission FROM team_roles tr
                JOIN role_permissions rp ON rp.tenant_id = tr.tenant_id AND rp.role_id = tr.role_id
                WHERE tr.tenant_id = ${tenantId} AND tr.team_id = ${teamId} ORDER BY rp.permission`
              yield* requireHeld(
                granted.map((g) => g.permission),
                `adding a member to team "${team.name}"`
              )
              const [existing] = yield* sql<{ created_at: string }>`SELECT created_at FROM team_members
                WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND user_id = ${userId}`
              if (existing) return new TeamMember({ team_id: team.id, user_id: userId, added_at: existing.created_at })
              yield* sql`INSERT INTO team_members (tenant_id, team_id, user_id, created_at)
                VALUES (${tenantId}, ${teamId}, ${userId}, ${at})`
              const member = new TeamMember({ team_id: team.id, user_id: userId, added_at: at })
              yield* commit(tenantId, {
                action: "access.team_member.add",
                targetType: "team",
                targetId: teamId,
                after: member,
                event: "signet.access.team.member.added",
                data: member
              })
              return member
            })
          )
        )
      )

    /** Removes a user from a team (no-op when not a member). Requires `teams:write`. @errors TeamNotFound, ValidationError */
    const removeTeamMember = (teamId: string, userId: string) =>
      teamsWrite(
        Effect.zipRight(
          requireUserId(userId),
          mutation("removeTeamMember", (tenantId) =>
            Effect.gen(function* () {
              yield* requireTeam(tenantId, teamId)
              const [existing] = yield* sql<{ created_at: string }>`SELECT created_at FROM team_members
                WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND user_id = ${userId}`
              if (!existing) return
              yield* sql`DELETE FROM team_members
                WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND user_id = ${userId}`
              yield* commit(tenantId, {
                action: "access.team_member.remove",
                targetType: "team",
                targetId: teamId,
                before: { team_id: teamId, user_id: userId },
                event: "signet.access.team.member.removed",
                data: { team_id: teamId, user_id: userId }
              })
            })
          )
        )
      )

    /**
     * Grants a role to every member of a team (no-op when granted).
     * Assigning team roles changes permissions, so it requires `roles:write`,
     * and the caller must hold every permission pattern of the role
     * ({@link requireHeld}; checked on every call, no-ops included).
     * @errors TeamNotFound, RoleNotFound, Forbidden (403, naming the first
     * pattern of the role not held)
     */
    const assignTeamRole = (teamId: string, roleId: string) =>
      rolesWrite(
        mutation("assignTeamRole", (tenantId, at) =>
          Effect.gen(function* () {
            const team = yield* requireTeam(tenantId, teamId)
            const role = yield* requireRole(tenantId, roleId)
            yield* requireHeldRoleRow(tenantId, role, `assigning a role to team "${team.name}"`)
            const [existing] = yield* sql`SELECT 1 AS x FROM team_roles
              WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND role_id = ${roleId}`
            if (!existing) {
              yield* sql`INSERT INTO team_roles (tenant_id, team_id, role_id, created_at)
                VALUES (${tenantId}, ${teamId}, ${roleId}, ${at})`
              const data = { team_id: team.id, team_name: team.name, role_id: role.id, role_name: role.name }
              yield* commit(tenantId, {
                action: "access.team_role.assign",
                targetType: "team",
                targetId: teamId,
                after: data,
                event: "signet.access.team.role.assigned",
                data
              })
            }
            return yield* teamDetail(tenantId, team)
          })
        )
      )

    /** Withdraws a role from a team (no-op when not granted). Requires `roles:write` only: it takes away. @errors TeamNotFound, RoleNotFound */
    const unassignTeamRole = (teamId: string, roleId: string) =>
      rolesWrite(
        mutation("unassignTeamRole", (tenantId) =>
          Effect.gen(function* () {
            const team = yield* requireTeam(tenantId, teamId)
            const role = yield* requireRole(tenantId, roleId)
            const [existing] = yield* sql`SELECT 1 AS x FROM team_roles
              WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND role_id = ${roleId}`
            if (existing) {
              yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenantId} AND team_id = ${teamId} AND role_id = ${roleId}`
              const data = { team_id: team.id, team_name: team.name, role_id: role.id, role_name: role.name }
              yield* commit(tenantId, {
                action: "access.team_role.unassign",
                targetType: "team",
                targetId: teamId,
                before: data,
                event: "signet.access.team.role.unassigned",
                data
              })
            }
            return yield* teamDetail(tenantId, team)
          })
        )
      )

    /** Adds a span named after the operation (reads; mutations have theirs in `mutation`; checks stay unspanned, they are the hot path). */
    const traced =
      <Args extends ReadonlyArray<any>, A, E, R>(name: string, f: (...args: Args) => Effect.Effect<A, E, R>) =>
      (...args: Args): Effect.Effect<A, E, R> =>
        Effect.withSpan(f(...args), `Access.${name}`)

    return {
      // decisions
      check,
      checkActor,
      checkCompiled,
      requireHeld,
      requireHeldRole: traced("requireHeldRole", requireHeldRole),
      requireHeldUser: traced("requireHeldUser", requireHeldUser),
      validatePermissions: traced("validatePermissions", validatePermissions),
      explain: traced("explain", explain),
      effectivePermissions,
      roleNames: traced("roleNames", roleNames),
      policyFor,
      /** Drops this replica's compiled policy of a tenant (the next check reloads it). */
      invalidate: (tenantId: string): Effect.Effect<void> => Effect.sync(() => invalidate(tenantId)),
      // onboarding
      seedDefaults,
      // permissions
      listPermissions: Effect.withSpan(listPermissions, "Access.listPermissions"),
      createPermission,
      deletePermission,
      // roles
      listRoles: traced("listRoles", listRoles),
      getRole: traced("getRole", getRole),
      findRoleByName: traced("findRoleByName", findRoleByName),
      createRole,
      updateRole,
      deleteRole,
      setRolePermissions,
      grant,
      revoke,
      // users
      listUserRoles: traced("listUserRoles", listUserRoles),
      assignRole,
      assignRoleMany,
      unassignRole,
      listUserOverrides: traced("listUserOverrides", listUserOverrides),
      setUserOverride,
      removeUserOverride,
      removeUserGrants,
      // teams
      listTeams: traced("listTeams", listTeams),
      getTeam: traced("getTeam", getTeam),
      createTeam,
      updateTeam,
      deleteTeam,
      listTeamMembers: traced("listTeamMembers", listTeamMembers),
      addTeamMember,
      removeTeamMember,
      assignTeamRole,
      unassignTeamRole
    } as const
  })
}) {}

/** Default description of a declared permission: `attendance:write` → "write attendance". */
const describe = (permission: string): string => {
  const [resource, action] = permission.split(":")
  return `${action} ${resource}`
}

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
 * access.createRole(input).pipe(policyUse("roles:write")) // handler: 403 unless allowed
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
