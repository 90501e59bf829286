/**
 * Access (RBAC) permissions as data (seed 001 "permissions"; ARCHITECTURE §3
 * "RBAC", "default roles"): the grammar of permissions and patterns, the
 * modules' permission catalogue, the default roles seeded at onboarding and
 * the default role of each user type. Re-exported by `Domain.ts`.
 *
 * - A permission is a `resource:action` string. Grants may also use the
 *   wildcards `resource:*` (every action on a resource) and `*:*` (everything).
 * - Modules declare their permissions as data ({@link PermissionCatalog}).
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { Schema } from "effect"

/**
 * Grammar of a grantable permission pattern: `resource:action`,
 * `resource:*` or `*:*`. Resources and actions are lowercase identifiers
 * (`[a-z][a-z0-9_-]*`).
 */
export const PERMISSION_PATTERN = /^(?:\*:\*|[a-z][a-z0-9_-]*:(?:[a-z][a-z0-9_-]*|\*))$/

/** Grammar of a concrete permission (what an operation requires): no wildcard. */
export const CONCRETE_PERMISSION_PATTERN = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/

/** The `*:*` pattern: every action on every resource (the admin grant). */
export const ALL_PERMISSIONS = "*:*"

/**
 * A permission pattern as granted to a role or a user: `attendance:write`,
 * `attendance:*` or `*:*` (at most 128 characters).
 */
export const Permission = Schema.String.pipe(
  Schema.maxLength(128, { message: () => "must be at most 128 characters" }),
  Schema.pattern(PERMISSION_PATTERN, {
    message: () => "must be resource:action, resource:* or *:* (lowercase letters, digits, _ and -)"
  }),
  Schema.annotations({ identifier: "Permission", examples: ["attendance:write", "attendance:*", "*:*"] })
)
/** @see Permission */
export type Permission = typeof Permission.Type

/**
 * A concrete permission, as an operation requires it and as `check`
 * evaluates it: `resource:action`, no wildcard.
 */
export const ConcretePermission = Schema.String.pipe(
  Schema.maxLength(128, { message: () => "must be at most 128 characters" }),
  Schema.pattern(CONCRETE_PERMISSION_PATTERN, {
    message: () => "must be resource:action without wildcards (lowercase letters, digits, _ and -)"
  }),
  Schema.annotations({ identifier: "ConcretePermission", examples: ["attendance:write"] })
)
/** @see ConcretePermission */
export type ConcretePermission = typeof ConcretePermission.Type

/**
 * Permissions declared as data by a module (better-auth style):
 * `{ attendance: ["read", "write", "admin"] } as const`. Keys are resources,
 * values their actions.
 */
export type PermissionCatalog = { readonly [resource: string]: ReadonlyArray<string> }

/** The `resource:action` strings of a catalog, as a union type. */
export type CatalogPermission<C extends PermissionCatalog> = {
  [R in keyof C & string]: `${R}:${C[R][number]}`
}[keyof C & string]

/**
 * The permissions of the modules of `@signet/core` (ARCHITECTURE §1). Each
 * module's actions, as data; the access module seeds them into every tenant.
 */
export const corePermissions = {
  tenants: ["read", "write"],
  users: ["read", "write", "delete"],
  roles: ["read", "write"],
  teams: ["read", "write"],
  apikeys: ["read", "write"],
  tokens: ["introspect"],
  audit: ["read"],
  settings: ["read", "write"],
  academics: ["read", "write"],
  attendance: ["read", "write", "admin"],
  beacons: ["read", "write"],
  webhooks: ["read", "write"],
  billing: ["read", "write", "ingest"],
  activities: ["read", "write", "admin"],
  /** Files on activity targets (issue 22 "Attachments"): list and download (`read`), upload and delete (`write`). */
  attachments: ["read", "write"],
  /** Carbon footprints on activity targets (issue 22 "Carbon footprints"): lists and totals (`read`), record, change, delete, restore (`write`). */
  carbon: ["read", "write"],
  /**
   * Communication channels of the tenant (issue 22 "Channel configs"): list
   * and read (`read`), add, change, delete, restore (`write`). Admin-only by
   * default: no default role but admin holds them, not even viewer's reads.
   */
  channels: ["read", "write"],
  /** Relying parties of the tenant's OpenID Connect provider (issue 19 §1). */
  oidc_clients: ["read", "write"],
  /**
   * OAuth bindings (issue 21 §4): provider credentials and users' bindings
   * (`read`, `write`), another user's access token at a provider (`use`).
   */
  oauth: ["read", "write", "use"],
  /** SSO connections to outside OpenID Connect IdPs (issue 19 §2): list (`read`), register and delete (`write`). */
  sso: ["read", "write"]
} as const satisfies PermissionCatalog

/** A permission declared by {@link corePermissions}, e.g. `"attendance:write"`. */
export type CorePermission = CatalogPermission<typeof corePermissions>

/**
 * The `resource:action` strings of one or more catalogs, sorted and without
 * duplicates: `permissionsOf({ a: ["read"] }, { b: ["write"] })` →
 * `["a:read", "b:write"]`.
 */
export const permissionsOf = (...catalogs: ReadonlyArray<PermissionCatalog>): ReadonlyArray<string> => {
  const out = new Set<string>()
  for (const catalog of catalogs) {
    for (const [resource, actions] of Object.entries(catalog)) {
      for (const action of actions) out.add(`${resource}:${action}`)
    }
  }
  return [...out].sort()
}

/**
 * Merges catalogs (union of actions per resource), e.g. the core catalog with
 * an embedding application's own.
 */
export const mergeCatalogs = (...catalogs: ReadonlyArray<PermissionCatalog>): PermissionCatalog => {
  const out = new Map<string, Set<string>>()
  for (const catalog of catalogs) {
    for (const [resource, actions] of Object.entries(catalog)) {
      const set = out.get(resource) ?? new Set<string>()
      for (const a of actions) set.add(a)
      out.set(resource, set)
    }
  }
  return Object.fromEntries([...out].map(([r, a]) => [r, [...a].sort()]))
}

/** One default role: created by onboarding in every tenant (`is_system`). */
export interface DefaultRole {
  readonly name: string
  readonly description: string
  readonly priority: number
  /** Permission patterns granted, or a function of the catalog's permissions. */
  readonly permissions: ReadonlyArray<string> | ((catalogPermissions: ReadonlyArray<string>) => ReadonlyArray<string>)
}

/**
 * The default role a new user of each type receives (`dev` users are
 * administrators). Used by user creation, roster imports and the checks that
 * nobody hands out a role they do not hold.
 */
export const DEFAULT_ROLE_OF_TYPE = { admin: "admin", dev: "admin", teacher: "teacher", student: "student" } as const

/**
 * The default roles seeded at onboarding (seed 001 "Default roles: admin,
 * manager, user, viewer" + the school vertical's teacher and student), as
 * data. Only `admin` can change roles by default (`roles:write`), so no
 * other default role can grant itself more.
 */
export const DEFAULT_ROLES: ReadonlyArray<DefaultRole> = [
  { name: "admin", description: "Everything in the tenant", priority: 100, permissions: [ALL_PERMISSIONS] },
  {
    name: "manager",
    description:
      "Runs the organisation: users, teams, academics, attendance and beacons; reads roles and the audit log",
    priority: 80,
    permissions: [
      "users:read",
      "users:write",
      "roles:read",
      "teams:*",
      "academics:*",
      "attendance:*",
      "beacons:*",
      "activities:*",
      "attachments:*",
      "carbon:*",
      "audit:read",
      "settings:read"
    ]
  },
  {
    name: "teacher",
    description: "Teaches courses: reads academics and users, takes attendance",
    priority: 60,
    permissions: [
      "users:read",
      "teams:read",
      "academics:read",
      "attendance:read",
      "attendance:write",
      "beacons:read",
      "activities:read",
      "activities:write",
      "attachments:read",
      "attachments:write",
      "carbon:read"
    ]
  },
  {
    name: "user",
    description: "A member of the organisation: reads the directory and academics",
    priority: 40,
    permissions: ["users:read", "teams:read", "academics:read", "activities:read", "attachments:read", "carbon:read"]
  },
  {
    name: "student",
    description: "Follows courses: reads academics, signs attendance",
    priority: 30,
    permissions: ["academics:read", "attendance:write"]
  },
  {
    name: "viewer",
    description: "Read-only: every read permission but billing's and channels' (admins only)",
    priority: 20,
    permissions: (all) =>
      all.filter((p) => p.endsWith(":read") && !p.startsWith("billing:") && !p.startsWith("channels:"))
  }
]

/** The permission patterns of a default role for a catalog's permissions. */
export const defaultRolePermissions = (role: DefaultRole, catalogPermissions: ReadonlyArray<string>) =>
  typeof role.permissions === "function" ? role.permissions(catalogPermissions) : role.permissions

/** A permission known to a tenant: declared by a module (`is_system`) or created by the tenant. */
export class PermissionInfo extends Schema.Class<PermissionInfo>("PermissionInfo")({
  name: ConcretePermission,
  description: Schema.String,
  is_system: Schema.Boolean
}) {}
