/**
 * The access service's roles and permissions (seed 001 "roles /
 * permissions / role_permissions"; ARCHITECTURE §3 "default roles"):
 * onboarding's seed, the tenant's custom permissions, roles and the
 * permission patterns they grant. Every change is one `Kit.mutation`
 * (version bump, one audit row, one CloudEvent); adding permissions to a
 * role needs the caller to hold them (no escalation).
 *
 * @module
 */

import {
  ALL_PERMISSIONS,
  type CreatePermission,
  type CreateRole,
  defaultRolePermissions,
  PermissionInfo,
  PermissionNotFound,
  Role,
  RoleDetail,
  RoleNotFound,
  type UpdateRole
} from "@signet/contracts/access/Domain"
import { type CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import type { makeChecks } from "./Checks.js"
import type { ListParams } from "./Config.js"
import { dedupe, describe, type Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { RoleCursor } from "./Repo.js"

type Checks = Effect.Effect.Success<ReturnType<typeof makeChecks>>

/** Cursor of role listings (ordered by priority, then name): base64url of `[priority, name]`. */
const encodeRoleCursor = (role: RoleCursor): string =>
  Buffer.from(JSON.stringify([role.priority, role.name]), "utf8").toString("base64url")

/**
 * Decodes a role-listing cursor.
 * @errors ValidationError naming `cursor` when it is not one of ours
 */
const decodeRoleCursor = (cursor: string | undefined): Effect.Effect<RoleCursor | undefined, ValidationError> => {
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

const rolesRead = policyRequire("roles", "read")
const rolesWrite = policyRequire("roles", "write")

/** Role and permission operations, on `kit` and the decisions `checks`. */
export const makeRoles = (kit: Kit, checks: Checks) => {
  const { repo, mutation, commit, inTenant, options, catalogPermissions, catalogSet } = kit

  const roleNotFound = (id: string) => new RoleNotFound({ message: `no role ${id}`, role: id })

  /** The role, or RoleNotFound (another tenant's role too). */
  const requireRole = (id: string) =>
    Effect.flatMap(repo.findRole(id), (r) =>
      Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(roleNotFound(id))
    )

  const detailOf = (role: Role, permissions: ReadonlyArray<string>) =>
    new RoleDetail({ ...role, permissions: [...permissions] })

  const roleDetail = (role: Role) => Effect.map(repo.rolePermissions(role.id), (p) => detailOf(role, p))

  /**
   * Seeds the current tenant (tenant onboarding): the catalog's permissions
   * and the default roles with their grants, as system rows. Idempotent:
   * only missing rows are added; nothing missing → no audit row, no event.
   * Returns the default roles.
   */
  const seedDefaults: Effect.Effect<ReadonlyArray<RoleDetail>, never, CurrentTenant | CurrentActor> = mutation(
    "seedDefaults",
    (at) =>
      Effect.gen(function* () {
        const existingPerms = new Set((yield* repo.permissionRows()).map((r) => r.name))
        const newPerms = catalogPermissions.filter((p) => !existingPerms.has(p))
        yield* repo.insertPermissions(
          newPerms.map((name) => new PermissionInfo({ name, description: describe(name), is_system: true })),
          at
        )
        const byName = new Map((yield* repo.allRoles()).map((r) => [r.name, r]))
        const created: Array<string> = []
        for (const def of options.defaultRoles) {
          if (byName.has(def.name)) continue
          const id = yield* newUuid
          yield* repo.insertRole(
            { id, name: def.name, description: def.description, priority: def.priority, is_system: true },
            at
          )
          yield* repo.insertRolePermissions(id, dedupe(defaultRolePermissions(def, catalogPermissions)), at)
          byName.set(def.name, yield* requireRole(id))
          created.push(def.name)
        }
        if (newPerms.length > 0 || created.length > 0) {
          const summary = { roles: created, permissions: newPerms }
          yield* commit({
            action: "access.defaults.seed",
            targetType: "tenant",
            targetId: (yield* CurrentTenant).id,
            after: summary,
            event: "signet.access.defaults.seeded",
            data: summary
          })
        }
        return yield* Effect.forEach(options.defaultRoles, (def) => roleDetail(byName.get(def.name)!))
      }).pipe(Effect.orDie)
  )

  /** The tenant's known permissions (declared by modules and created by the tenant), by name. Requires `roles:read`. */
  const listPermissions = rolesRead(
    inTenant(kit.knownPermissions).pipe(
      Effect.map((m) => [...m.values()].sort((a, b) => (a.name < b.name ? -1 : 1))),
      Effect.withSpan("Access.listPermissions")
    )
  )

  /**
   * Creates a tenant-specific permission (e.g. `reports:export`) so that
   * roles can be granted it. Requires `roles:write`.
   * @errors Conflict (already known)
   */
  const createPermission = (input: CreatePermission) =>
    rolesWrite(
      mutation("createPermission", (at) =>
        Effect.gen(function* () {
          const known = yield* kit.knownPermissions
          const taken = `permission "${input.name}" already exists`
          if (known.has(input.name)) return yield* new Conflict({ message: taken, field: "name" })
          const info = new PermissionInfo({ name: input.name, description: input.description ?? "", is_system: false })
          yield* repo.insertPermission(info, at).pipe(Effect.catchAll(kit.uniqueConflict("name", taken)))
          yield* commit({
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
      mutation("deletePermission", () =>
        Effect.gen(function* () {
          const info = (yield* kit.knownPermissions).get(name)
          if (!info) return yield* new PermissionNotFound({ message: `no permission "${name}"`, permission: name })
          if (info.is_system || catalogSet.has(name)) {
            return yield* new Conflict({
              message: `permission "${name}" is declared by a module and cannot be deleted`,
              field: "name"
            })
          }
          yield* repo.deletePermission(name)
          yield* commit({
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
   * Lists the tenant's roles, highest priority first, then by name, with
   * cursor pagination (the cursor carries the last role's priority and
   * name). Requires `roles:read`.
   * @errors ValidationError (bad cursor)
   */
  const listRoles = (params: ListParams = {}) =>
    rolesRead(
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeRoleCursor(params.cursor)
        const rows = yield* inTenant(repo.pageRoles(after, limit + 1))
        const items = rows.slice(0, limit)
        const last = items[items.length - 1]
        return { items, next_cursor: rows.length > limit && last ? encodeRoleCursor(last) : null }
      }).pipe(Effect.withSpan("Access.listRoles"))
    )

  /** One role with its permission patterns. Requires `roles:read`. @errors RoleNotFound */
  const getRole = (id: string) =>
    rolesRead(inTenant(Effect.flatMap(requireRole(id), roleDetail)).pipe(Effect.withSpan("Access.getRole")))

  /** The role with this name, if any. Requires `roles:read`. */
  const findRoleByName = (name: string) =>
    rolesRead(
      inTenant(
        Effect.flatMap(repo.findRoleByName(name), (role) =>
          Option.isSome(role) ? Effect.map(roleDetail(role.value), Option.some) : Effect.succeed(Option.none())
        )
      ).pipe(Effect.withSpan("Access.findRoleByName"))
    )

  /**
   * Creates a role with its permission patterns. Requires `roles:write`,
   * and the caller must hold every pattern given (`requireHeld`).
   * @errors Conflict (name taken), ValidationError (unknown permission),
   * Forbidden (403, naming the first pattern not held)
   */
  const createRole = (input: CreateRole) =>
    rolesWrite(
      mutation("createRole", (at) =>
        Effect.gen(function* () {
          const permissions = dedupe(input.permissions ?? [])
          yield* kit.validatePatterns(permissions, "permissions")
          yield* checks.requireHeld(permissions, `creating role "${input.name}"`)
          const id = yield* newUuid
          yield* repo
            .insertRole(
              {
                id,
                name: input.name,
                description: input.description ?? "",
                priority: input.priority ?? 50,
                is_system: false
              },
              at
            )
            .pipe(Effect.catchAll(kit.uniqueConflict("name", `a role named "${input.name}" already exists`)))
          yield* repo.insertRolePermissions(id, permissions, at)
          const detail = detailOf(yield* requireRole(id).pipe(Effect.orDie), permissions)
          yield* commit({
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
   * nothing. System roles keep their name. Requires `roles:write`.
   * @errors RoleNotFound, Conflict (name taken, or renaming a system role)
   */
  const updateRole = (id: string, input: UpdateRole) =>
    rolesWrite(
      mutation("updateRole", (at) =>
        Effect.gen(function* () {
          const before = yield* requireRole(id)
          const patch: { name?: string; description?: string; priority?: number } = {}
          if (input.name !== undefined && input.name !== before.name) patch.name = input.name
          if (input.description !== undefined && input.description !== before.description) {
            patch.description = input.description
          }
          if (input.priority !== undefined && input.priority !== before.priority) patch.priority = input.priority
          if (Object.keys(patch).length === 0) return yield* roleDetail(before)
          if (before.is_system && patch.name !== undefined) {
            return yield* new Conflict({
              message: `"${before.name}" is a system role and cannot be renamed`,
              field: "name"
            })
          }
          const after = new Role({ ...before, ...patch, updated_at: at })
          yield* repo
            .updateRole(after)
            .pipe(Effect.catchAll(kit.uniqueConflict("name", `a role named "${after.name}" already exists`)))
          yield* commit({
            action: "access.role.update",
            targetType: "role",
            targetId: id,
            before,
            after,
            event: "signet.access.role.updated",
            data: after
          })
          return yield* roleDetail(after)
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
      mutation("deleteRole", () =>
        Effect.gen(function* () {
          const role = yield* requireRole(id)
          if (role.is_system) {
            return yield* new Conflict({ message: `"${role.name}" is a system role and cannot be deleted` })
          }
          const before = yield* roleDetail(role)
          const holders = yield* repo.countRoleHolders(id)
          yield* repo.deleteRole(id)
          yield* commit({
            action: "access.role.delete",
            targetType: "role",
            targetId: id,
            before: { ...before, assigned_users: holders.users, assigned_teams: holders.teams },
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

  /** A change of a role's patterns: only what it adds is validated and must be held. */
  const changePermissions = (
    name: string,
    roleId: string,
    next: (current: ReadonlyArray<string>) => ReadonlyArray<string>,
    action: string,
    event: string
  ) =>
    mutation(name, (at) =>
      Effect.gen(function* () {
        const role = yield* requireRole(roleId)
        const current = yield* repo.rolePermissions(roleId)
        const wanted = dedupe(next(current))
        const added = wanted.filter((p) => !current.includes(p))
        const removed = current.filter((p) => !wanted.includes(p))
        if (added.length === 0 && removed.length === 0) return detailOf(role, current)
        yield* kit.validatePatterns(added, "permissions")
        yield* checks.requireHeld(added, `granting to role "${role.name}"`)
        yield* guardAdmin(role, wanted)
        yield* repo.deleteRolePermissions(roleId, removed)
        yield* repo.insertRolePermissions(roleId, added, at)
        yield* commit({
          action,
          targetType: "role",
          targetId: roleId,
          before: { permissions: current },
          after: { permissions: wanted },
          event,
          data: { role_id: roleId, name: role.name, added, removed, permissions: wanted }
        })
        return detailOf(role, wanted)
      })
    )

  /**
   * Replaces a role's permission patterns. Requires `roles:write`, and the
   * caller must hold every pattern the call adds.
   * @errors RoleNotFound, ValidationError (unknown permission), Forbidden
   * (403, the first added pattern not held), Conflict (admin without `*:*`)
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
   * `roles:write`, and the caller must hold the pattern when it is new.
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

  return {
    requireRole,
    seedDefaults,
    listPermissions,
    createPermission,
    deletePermission,
    listRoles,
    getRole,
    findRoleByName,
    createRole,
    updateRole,
    deleteRole,
    setRolePermissions,
    grant,
    revoke
  } as const
}
