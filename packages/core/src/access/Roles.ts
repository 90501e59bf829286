/**
 * The access service's roles (seed 001 "roles"): the role lookups the
 * other seams share, and role listing, reading, creation, update and
 * deletion. Every change is one `Kit.mutation` (version bump, one audit
 * row, one CloudEvent); a role is created only with patterns the caller
 * holds (no escalation). Onboarding's seed and the permission catalogue
 * are in `Permissions.ts`, a role's patterns in `RolePatterns.ts`.
 *
 * @module
 */

import {
  type CreateRole,
  Role,
  RoleDetail,
  RoleId,
  RoleNotFound,
  type UpdateRole
} from "@signet/contracts/access/Domain"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import type { Checks } from "./Checks.js"
import type { ListParams } from "./Config.js"
import { dedupe, type Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { RoleCursor } from "./Repo.js"

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

/** Role lookups shared by the seams (`RoleNotFound` for another tenant's role too), on `kit`. */
const makeRoleLookup = (kit: Kit) => {
  const { repo } = kit

  const roleNotFound = (id: RoleId) => new RoleNotFound({ message: `no role ${id}`, role: id })

  /** The role, or RoleNotFound (another tenant's role too). */
  const requireRole = (id: RoleId) =>
    Effect.flatMap(repo.findRole(id), (r) =>
      Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(roleNotFound(id))
    )

  const detailOf = (role: Role, permissions: ReadonlyArray<string>) =>
    new RoleDetail({ ...role, permissions: [...permissions] })

  const roleDetail = (role: Role) => Effect.map(repo.rolePermissions(role.id), (p) => detailOf(role, p))

  return { requireRole, detailOf, roleDetail } as const
}

type RoleLookup = ReturnType<typeof makeRoleLookup>

/** Role reads, on `kit` and the role lookups `lookup`. */
const makeRoleReads = (kit: Kit, lookup: RoleLookup) => {
  const { repo, inTenant } = kit
  const { requireRole, roleDetail } = lookup

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
  const getRole = (id: RoleId) =>
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

  return { listRoles, getRole, findRoleByName } as const
}

/** Role creation, update and deletion, on `kit`, the decisions `checks` and the role lookups `lookup`. */
const makeRoleWrites = (kit: Kit, checks: Checks, lookup: RoleLookup) => {
  const { repo, mutation, commit } = kit
  const { requireRole, detailOf, roleDetail } = lookup

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
          const id = yield* newId(RoleId)
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
  const updateRole = (id: RoleId, input: UpdateRole) =>
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
  const deleteRole = (id: RoleId) =>
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

  return { createRole, updateRole, deleteRole } as const
}

/** Role lookups and role operations, on `kit` and the decisions `checks`. */
export const makeRoles = (kit: Kit, checks: Checks) => {
  const lookup = makeRoleLookup(kit)
  return { ...lookup, ...makeRoleReads(kit, lookup), ...makeRoleWrites(kit, checks, lookup) } as const
}
