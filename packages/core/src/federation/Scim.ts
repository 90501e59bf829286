/**
 * SCIM 2.0 service provider per tenant (issue 19 §3; RFC 7643/7644; seed
 * 003 "User provisioning (SCIM for enterprise)").
 *
 * The service {@link Scim} is composed from its seams in `scim/`:
 * `Tokens.ts` (bearer tokens), `Users.ts` (`/Users` over identity's
 * service), `Groups.ts` (`/Groups` as access teams or academics student
 * groups, `GroupTargets.ts`), `Patch.ts` (PATCH via
 * `scim-patch`), `Kit.ts` (filters via `scim2-parse-filter`, paging,
 * ETags, limits), `Discovery.ts`, `UserInput.ts` (User bodies and the user
 * type mapping), over `Repo.ts`.
 *
 * Facades, with the permission in their types (`policyRequire`), acting on
 * `CurrentTenant` as `CurrentActor`:
 *
 * | operation | permission |
 * |---|---|
 * | `ScimTokensAdmin.list` | `apikeys:read` |
 * | ⚑ `ScimTokensAdmin.create` (step-up, `roles:read`; the actor must hold the token's scope), `ScimTokensAdmin.revoke` | `apikeys:write` |
 * | `ScimProvisioning.listUsers`, `getUser` | `users:read` |
 * | `ScimProvisioning.createUser`, `replaceUser`, `patchUser` | `users:write` |
 * | `ScimProvisioning.deleteUser` | `users:delete` |
 * | `ScimProvisioning.listGroups`, `getGroup` | `teams:read` |
 * | `ScimProvisioning.searchAll` | `users:read` and `teams:read` |
 * | `ScimProvisioning.createGroup`, `replaceGroup`, `patchGroup`, `deleteGroup` | `teams:write` and `teams:read` (they read the team back through access) |
 * | … on a student group (Signet's Group extension, `scim/GroupTargets.ts`) | in addition `academics:read` / `academics:write`, checked at run time |
 *
 * A SCIM token's actor holds exactly `SCIM_SCOPE` (users and teams), so it
 * passes these checks and nothing else in core. {@link ScimAuth} turns a
 * tenant slug and a presented token into that actor (or a 401).
 *
 * @module
 */
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import type { CreateScimToken, ScimTokenId } from "@signet/contracts/federation/ScimDomain"
import { type Actor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option } from "effect"
import { Access } from "../access/Access.js"
import { policyRequire } from "../access/Policy.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { makeGroups } from "./scim/Groups.js"
import type { ListQuery } from "./scim/Kit.js"
import { scimError } from "./scim/Kit.js"
import { ScimRepo } from "./scim/Repo.js"
import { searchAll } from "./scim/SearchAll.js"
import { makeTokens, SCIM_SCOPE, STUDENT_GROUP_SCOPE } from "./scim/Tokens.js"
import { ScimOptions } from "./scim/UserInput.js"
import { makeUsers } from "./scim/Users.js"

export { resourceType, resourceTypesList, schema, schemasList, serviceProviderConfig } from "./scim/Discovery.js"
export {
  ERROR_SCHEMA,
  type ListQuery,
  project,
  SCIM_LIMITS,
  SEARCH_REQUEST_SCHEMA,
  type SearchRequest,
  searchRequest
} from "./scim/Kit.js"
export { SCIM_TABLES, scimMigrations } from "./scim/Migrations.js"
export { SCIM_SCOPE, STUDENT_GROUP_SCOPE } from "./scim/Tokens.js"
export { DEFAULT_SCIM_OPTIONS, ScimOptions, type ScimOptionsShape } from "./scim/UserInput.js"

/** The SCIM service (unguarded; use the facades below). */
export class Scim extends Effect.Service<Scim>()("Signet/Scim", {
  effect: Effect.gen(function* () {
    return { tokens: yield* makeTokens, users: yield* makeUsers, groups: yield* makeGroups } as const
  }),
  dependencies: [ScimRepo.Default]
}) {}

const keysRead = policyRequire("apikeys", "read")
const rolesRead = policyRequire("roles", "read")
const keysWrite = policyRequire("apikeys", "write")
const usersRead = policyRequire("users", "read")
const usersWrite = policyRequire("users", "write")
const usersDelete = policyRequire("users", "delete")
const teamsRead = policyRequire("teams", "read")
const teamsWrite = policyRequire("teams", "write")

/** SCIM token administration; see the module comment for permissions. */
export const ScimTokensAdmin = {
  /**
   * ⚑ Mints a SCIM token (`apikeys:write` and `roles:read`; a `user` actor
   * needs MFA step-up). Its scope is `SCIM_SCOPE` plus the patterns of the
   * default roles of the user types `ScimOptions` maps to (the roles a
   * provisioned user receives), plus `STUDENT_GROUP_SCOPE` when
   * `student_groups` is true, fixed now; the actor must hold all of it —
   * a token never carries more than its creator. After changing those
   * roles, mint a new token. The secret is in the answer only.
   * @errors Forbidden (step-up, or a scope permission not held)
   */
  create: (input: CreateScimToken) =>
    keysWrite(
      rolesRead(
        Effect.gen(function* () {
          const access = yield* Access
          yield* access.requireStepUp
          const options = yield* ScimOptions
          const types = new Set([options.defaultUserType, ...Object.values(options.userTypes)])
          const scope = new Set(SCIM_SCOPE)
          if (input.student_groups === true) for (const p of STUDENT_GROUP_SCOPE) scope.add(p)
          for (const type of types) {
            const role = yield* access.findRoleByName(DEFAULT_ROLE_OF_TYPE[type])
            if (Option.isSome(role)) for (const p of role.value.permissions) scope.add(p)
          }
          const permissions = [...scope].sort()
          yield* access.requireHeld(permissions, "a SCIM token")
          return yield* Scim.use((s) => s.tokens.create(input.name, permissions))
        })
      )
    ),
  /** The tenant's SCIM tokens (`apikeys:read`), never their secrets. */
  list: () => keysRead(Scim.use((s) => s.tokens.list)),
  /** Revokes a SCIM token (`apikeys:write`). @errors ScimTokenNotFound */
  revoke: (id: ScimTokenId) => keysWrite(Scim.use((s) => s.tokens.revoke(id)))
}

/** SCIM resource operations; `base` is the tenant's SCIM base URL (for `meta.location`). */
export const ScimProvisioning = {
  /** A ListResponse of users (`users:read`). @errors ScimError 400 */
  listUsers: (q: ListQuery, base: string) => usersRead(Scim.use((s) => s.users.list(q, base))),
  /** One user with its ETag (`users:read`). @errors ScimError 404 */
  getUser: (id: string, base: string) => usersRead(Scim.use((s) => s.users.get(id, base))),
  /** Creates or adopts a user (`users:write`). @errors ScimError 400, 409 */
  createUser: (body: unknown, base: string) => usersWrite(Scim.use((s) => s.users.create(body, base))),
  /** Replaces a user (`users:write`). @errors ScimError 400, 404, 409, 412 */
  replaceUser: (id: string, body: unknown, base: string, ifMatch?: string) =>
    usersWrite(Scim.use((s) => s.users.replace(id, body, base, ifMatch))),
  /** Patches a user (`users:write`). @errors ScimError 400, 404, 409, 412 */
  patchUser: (id: string, body: unknown, base: string, ifMatch?: string) =>
    usersWrite(Scim.use((s) => s.users.patch(id, body, base, ifMatch))),
  /** Deprovisions a user (`users:delete`). @errors ScimError 404, 412 */
  deleteUser: (id: string, base: string, ifMatch?: string) =>
    usersDelete(Scim.use((s) => s.users.remove(id, base, ifMatch))),
  /**
   * A ListResponse over users then groups (`POST /.search`, RFC 7644
   * §3.4.3; `users:read` and `teams:read`; `scim/SearchAll.ts`).
   * @errors ScimError 400 (`sortBy`, filter, paging)
   */
  searchAll: (q: ListQuery, base: string) =>
    usersRead(
      teamsRead(
        Scim.use((s) =>
          searchAll(
            (uq, b) => s.users.list(uq, b),
            (gq, b) => s.groups.list(gq, b),
            q,
            base
          )
        )
      )
    ),
  /** A ListResponse of groups (`teams:read`). @errors ScimError 400 */
  listGroups: (q: ListQuery, base: string) => teamsRead(Scim.use((s) => s.groups.list(q, base))),
  /** One group with its ETag (`teams:read`). @errors ScimError 404 */
  getGroup: (id: string, base: string) => teamsRead(Scim.use((s) => s.groups.get(id, base))),
  /** Creates a group (`teams:write`). @errors ScimError 400, 403, 409 */
  createGroup: (body: unknown, base: string) => teamsWrite(Scim.use((s) => s.groups.create(body, base))),
  /** Replaces a group (`teams:write`). @errors ScimError 400, 403, 404, 409, 412 */
  replaceGroup: (id: string, body: unknown, base: string, ifMatch?: string) =>
    teamsWrite(Scim.use((s) => s.groups.replace(id, body, base, ifMatch))),
  /** Patches a group (`teams:write`). @errors ScimError 400, 403, 404, 409, 412 */
  patchGroup: (id: string, body: unknown, base: string, ifMatch?: string) =>
    teamsWrite(Scim.use((s) => s.groups.patch(id, body, base, ifMatch))),
  /** Deletes a group (`teams:write`). @errors ScimError 404, 412 */
  deleteGroup: (id: string, base: string, ifMatch?: string) =>
    teamsWrite(Scim.use((s) => s.groups.remove(id, base, ifMatch)))
}

/** Authentication of the SCIM endpoints. */
export const ScimAuth = {
  /**
   * The tenant and actor of a SCIM request: the tenant `slug` must be
   * active and the bearer `token` one of its unrevoked SCIM tokens.
   * Anything else — no token, another tenant's token, an API key, a
   * session token, an unknown or suspended tenant — is the same 401.
   * @errors ScimError 401
   */
  authenticate: (slug: string, token: string) =>
    Effect.gen(function* () {
      const unauthorized = scimError(401, "a valid SCIM bearer token of this tenant is required")
      const tenant = yield* Tenancy.use((t) => t.resolveActive(slug)).pipe(Effect.mapError(() => unauthorized))
      const current = { id: tenant.id, slug: tenant.slug }
      const actor = yield* Scim.use((s) => s.tokens.authenticate(token)).pipe(
        Effect.provideService(CurrentTenant, current)
      )
      if (Option.isNone(actor)) return yield* unauthorized
      return { tenant: current, actor: actor.value as Actor }
    })
}
