/**
 * The access service's onboarding seed and permission catalogue (seed 001
 * "permissions"; ARCHITECTURE §3 "default roles"): seeding a tenant with the
 * modules' permissions and the default roles, and the tenant's own
 * permissions (list, create, delete). Every change is one `Kit.mutation`
 * (version bump, one audit row, one CloudEvent).
 *
 * @module
 */

import {
  type CreatePermission,
  defaultRolePermissions,
  PermissionInfo,
  PermissionNotFound,
  type RoleDetail,
  RoleId
} from "@signet/contracts/access/Domain"
import { type CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { Effect } from "effect"
import { dedupe, describe, type Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { makeRoles } from "./Roles.js"

type Roles = ReturnType<typeof makeRoles>

const rolesRead = policyRequire("roles", "read")
const rolesWrite = policyRequire("roles", "write")

/** Onboarding's seed and the permission catalogue, on `kit` and the role lookups of `roles`. */
export const makePermissions = (kit: Kit, roles: Roles) => {
  const { repo, mutation, commit, inTenant, options, catalogPermissions, catalogSet } = kit
  const { requireRole, roleDetail } = roles

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
          const id = yield* newId(RoleId)
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

  return { seedDefaults, listPermissions, createPermission, deletePermission } as const
}
