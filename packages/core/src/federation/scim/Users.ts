/**
 * SCIM `/Users` (issue 19 §3; RFC 7644 §3): list (filter, sort, page), get,
 * create, replace, patch, delete — over identity's service, never its
 * tables. SCIM-only state (`userName`, `externalId`, `displayName`, the
 * enterprise extension) lives in `scim_users`.
 *
 * - **Create** matches before it creates (users from SCIM, OneRoster and
 *   SSO coexist): a `userName` or `externalId` already linked → 409
 *   `uniqueness`; a live Signet user with the e-mail and no SCIM link is
 *   **adopted** (linked, profile updated, type kept); otherwise a new user
 *   of the mapped type (`UserInput.ts`) is created without a password.
 * - **`active: false`** disables the user and revokes all their sessions
 *   (`Auth.disableUser`); `active: true` re-enables.
 * - **Delete** deprovisions softly: the user is disabled (sessions revoked)
 *   and the SCIM link dropped (the id answers 404 afterwards); the Signet
 *   user, its history and grants stay for an administrator to delete.
 * - `userType` cannot change once provisioned (400 `mutability`).
 * - Acting on an existing user (adopt, change, deprovision) needs the power
 *   that user holds: the token's scope covers students and teachers, so the
 *   tenant's administrators are out of SCIM's reach (403).
 *
 * @module
 */
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import type { User, UserId } from "@signet/contracts/identity/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import { Access } from "../../access/Access.js"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { Auth } from "../../identity/Auth.js"
import { Identity } from "../../identity/Users.js"
import { tenantTx } from "../../kernel/Database.js"
import { instant } from "../../kernel/Sql.js"
import {
  checkIfMatch,
  ENTERPRISE_SCHEMA,
  eqLookup,
  etagOf,
  type ListQuery,
  listResponse,
  normalizeName,
  notFound,
  parseList,
  SCIM_LIMITS,
  scimError,
  USER_SCHEMA
} from "./Kit.js"
import { applyPatch } from "./Patch.js"
import { ScimRepo, type ScimUserRow } from "./Repo.js"
import { mapUserType, namesOf, parseUser, ScimOptions, type UserInput } from "./UserInput.js"

/** A single resource with its ETag. */
export interface Versioned {
  readonly resource: Record<string, unknown>
  readonly etag: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** Identity's and access's errors in SCIM terms (RFC 7644 §3.12). */
export const toScimError = (e: { readonly _tag: string; readonly message?: string }): ScimError => {
  switch (e._tag) {
    case "ScimError":
      return e as unknown as ScimError
    case "Conflict":
      return scimError(409, e.message ?? "conflict", "uniqueness")
    case "ValidationError":
      return scimError(400, e.message ?? "invalid value", "invalidValue")
    case "Forbidden":
      return scimError(403, e.message ?? "forbidden")
    // The plan's `users.max` (issue 20): RFC 7644 §3.12 has no quota type; 403 "operation not permitted".
    case "QuotaExceeded":
      return scimError(403, e.message ?? "the plan's user limit is reached")
    default:
      return scimError(404, e.message ?? "not found")
  }
}

/** The User resource of a Signet user and its SCIM link (RFC 7643 §4.1). */
export const userResource = (user: User, link: ScimUserRow, base: string): Versioned => {
  const hasEnterprise = Object.keys(link.enterprise).length > 0
  const body: Record<string, unknown> = {
    schemas: hasEnterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
    id: user.id,
    ...(link.external_id === null ? {} : { externalId: link.external_id }),
    userName: link.user_name,
    name: {
      givenName: user.given_name,
      familyName: user.family_name,
      formatted: `${user.given_name} ${user.family_name}`
    },
    displayName: link.display_name ?? `${user.given_name} ${user.family_name}`,
    emails: [{ value: user.email, type: "work", primary: true }],
    active: user.status !== "disabled",
    userType: capital(user.user_type),
    ...(hasEnterprise ? { [ENTERPRISE_SCHEMA]: link.enterprise } : {})
  }
  const etag = etagOf(body)
  const modified = DateTime.max(user.updated_at, link.updated_at)
  body.meta = {
    resourceType: "User",
    created: DateTime.formatIso(link.created_at),
    lastModified: DateTime.formatIso(modified),
    location: `${base}/Users/${user.id}`,
    version: etag
  }
  return { resource: body, etag }
}

/** The shared steps of the `/Users` operations: loading, linking, uniqueness, applying to the Signet user. */
const userKit = Effect.gen(function* () {
  const repo = yield* ScimRepo
  const identity = yield* Identity
  const auth = yield* Auth
  const access = yield* Access
  const audit = yield* Audit
  const events = yield* Events

  const commit = (action: string, userId: string, data: Record<string, unknown>) =>
    Effect.zipRight(
      audit.record({ action: `scim.user.${action}`, targetType: "user", targetId: userId, after: data }),
      events.publish({ type: `signet.scim.user.${action}`, subject: userId, data: { user_id: userId, ...data } })
    )

  /** The resource of a linked user, or 404. */
  const load = (id: string, base: string) =>
    Effect.gen(function* () {
      if (!UUID.test(id)) return yield* notFound("User", id)
      const link = yield* repo.user(id)
      if (Option.isNone(link)) return yield* notFound("User", id)
      const user = yield* identity.get(id as UserId).pipe(Effect.mapError(() => notFound("User", id)))
      return { user, link: link.value, ...userResource(user, link.value, base) }
    })

  /** Stores the SCIM side of `userId` from `input`. */
  const link = (userId: string, input: UserInput, created: string | undefined) =>
    Effect.gen(function* () {
      const at = instant(yield* Clock.currentTimeMillis)
      yield* repo.upsertUser({
        user_id: userId,
        user_name: input.userName,
        user_name_normalized: normalizeName(input.userName),
        external_id: input.externalId,
        display_name: input.displayName,
        enterprise: input.enterprise,
        created_at: created ?? at,
        updated_at: at
      })
    })

  /** 409 when `userName` or `externalId` is linked to another user than `self`. */
  const requireUnique = (input: UserInput, self: string | undefined) =>
    Effect.gen(function* () {
      const byName = yield* repo.userByName(normalizeName(input.userName))
      if (Option.isSome(byName) && byName.value.user_id !== self && (yield* live(byName.value.user_id)))
        return yield* scimError(409, `userName "${input.userName}" is taken`, "uniqueness")
      if (input.externalId !== null) {
        for (const other of yield* repo.usersByExternalId(input.externalId))
          if (other.user_id !== self && (yield* live(other.user_id)))
            return yield* scimError(409, `externalId "${input.externalId}" is taken`, "uniqueness")
      }
    })

  /**
   * Whether a linked user still exists in identity; a link to a user an
   * administrator deleted is dropped here, so the IdP can provision the name again.
   */
  const live = (userId: string) =>
    Effect.gen(function* () {
      const row = yield* identity.findRow(userId)
      if (Option.isSome(row) && row.value.deleted_at === null) return true
      yield* repo.deleteUser(userId)
      return false
    })

  /**
   * Acting on an existing user needs the power that user holds
   * (`Access.requireHeldUser`, as in `UserAdmin`): an IdP cannot adopt,
   * edit, disable or delete the tenant's administrator with a SCIM token.
   */
  const requirePower = (userId: UserId) => access.requireHeldUser(userId, "provisioning this user over SCIM")

  /** Brings the Signet user to `input`: profile, then status (disable revokes sessions). */
  const applyToUser = (user: User, input: UserInput) =>
    Effect.gen(function* () {
      yield* requirePower(user.id)
      const names = namesOf(input)
      const patch = {
        ...(input.email.toLowerCase() !== user.email.toLowerCase() ? { email: input.email } : {}),
        ...(names.given !== user.given_name ? { given_name: names.given } : {}),
        ...(names.family !== user.family_name ? { family_name: names.family } : {})
      }
      if (Object.keys(patch).length > 0) yield* identity.update(user.id, patch)
      if (!input.active && user.status !== "disabled") {
        yield* auth.disableUser(user.id)
        yield* commit("deprovisioned", user.id, { reason: "active=false" })
      } else if (input.active && user.status === "disabled") {
        yield* identity.lifecycle<never, never>(user.id, "enabled")
      }
    })

  return { repo, identity, auth, commit, load, link, requireUnique, applyToUser, requirePower } as const
})

/** The `/Users` seam of the SCIM service; see the module comment. */
export const makeUsers = Effect.gen(function* () {
  const { repo, identity, auth, commit, load, link, requireUnique, applyToUser, requirePower } = yield* userKit

  /**
   * Creates (or adopts, see the module comment) a user from a User body; answers it with 201.
   * @errors ScimError 400 (`invalidValue`, `invalidSyntax`), 409 `uniqueness`
   */
  const create = (body: unknown, base: string) =>
    tenantTx(
      Effect.gen(function* () {
        const input = yield* parseUser(body)
        yield* requireUnique(input, undefined)
        const options = yield* ScimOptions
        const existing = yield* identity.findByLogin(input.email)
        let userId: string
        if (Option.isSome(existing)) {
          if (Option.isSome(yield* repo.user(existing.value.id)))
            return yield* scimError(409, `the e-mail ${input.email} belongs to another SCIM user`, "uniqueness")
          userId = existing.value.id
          yield* applyToUser(yield* identity.get(existing.value.id), input)
          yield* link(userId, input, undefined)
          yield* commit("adopted", userId, { userName: input.userName, externalId: input.externalId })
        } else {
          const names = namesOf(input)
          const user = yield* identity.create({
            email: input.email,
            given_name: names.given,
            family_name: names.family,
            user_type: yield* mapUserType(input.userType, options)
          })
          userId = user.id
          if (!input.active) yield* applyToUser(user, input)
          yield* link(userId, input, undefined)
          yield* commit("created", userId, { userName: input.userName, externalId: input.externalId })
        }
        return yield* load(userId, base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.createUser"))

  /** Stores `input` over the linked user `current` (PUT and the result of PATCH). */
  const store = (current: { user: User; link: ScimUserRow }, input: UserInput, base: string) =>
    Effect.gen(function* () {
      yield* requireUnique(input, current.user.id)
      if (input.userType !== undefined) {
        const mapped = yield* mapUserType(input.userType, yield* ScimOptions)
        if (mapped !== current.user.user_type)
          return yield* scimError(400, "userType cannot change once provisioned", "mutability")
      }
      yield* applyToUser(current.user, input)
      yield* link(current.user.id, input, instant(current.link.created_at))
      yield* commit("updated", current.user.id, { userName: input.userName, active: input.active })
      return yield* load(current.user.id, base)
    })

  /** Replaces a user (PUT). @errors ScimError 404, 412 (If-Match), 400, 409 */
  const replace = (id: string, body: unknown, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        return yield* store(current, yield* parseUser(body), base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.replaceUser"))

  /** Patches a user (PATCH, `Patch.ts`). @errors ScimError 404, 412, 400 (`invalidPath`, `noTarget`, …), 409 */
  const patch = (id: string, body: unknown, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        const patched = yield* applyPatch("User", current.resource, body)
        return yield* store(current, yield* parseUser(patched), base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.patchUser"))

  /** Deprovisions a user (DELETE; see the module comment). @errors ScimError 404, 412 */
  const remove = (id: string, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        yield* requirePower(current.user.id)
        if (current.user.status !== "disabled") yield* auth.disableUser(current.user.id)
        yield* repo.deleteUser(current.user.id)
        yield* commit("deprovisioned", current.user.id, { reason: "delete" })
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.deleteUser"))

  /** One user. @errors ScimError 404 */
  const get = (id: string, base: string) =>
    tenantTx(Effect.map(load(id, base), ({ etag, resource }) => ({ etag, resource }))).pipe(
      Effect.withSpan("Scim.getUser")
    )

  /**
   * A ListResponse of users. `userName eq`, `externalId eq` and `id eq`
   * are looked up; any other filter is evaluated over at most `maxScan` users.
   * @errors ScimError 400 (`invalidFilter`, `invalidValue`, `tooMany`)
   */
  const list = (query: ListQuery, base: string) =>
    tenantTx(
      Effect.gen(function* () {
        const q = yield* parseList(query)
        const byName = eqLookup(q.filter, "userName")
        const byExt = eqLookup(q.filter, "externalId")
        const byId = eqLookup(q.filter, "id")
        const links =
          byName !== undefined
            ? Option.toArray(yield* repo.userByName(normalizeName(byName)))
            : byExt !== undefined
              ? yield* repo.usersByExternalId(byExt)
              : byId !== undefined
                ? UUID.test(byId)
                  ? Option.toArray(yield* repo.user(byId))
                  : []
                : yield* repo.users(SCIM_LIMITS.maxScan + 1)
        if (links.length > SCIM_LIMITS.maxScan)
          return yield* scimError(400, `the filter would scan more than ${SCIM_LIMITS.maxScan} users`, "tooMany")
        const resources = yield* Effect.forEach(links, (l) =>
          identity.get(l.user_id as UserId).pipe(
            Effect.map((u) => Option.some(userResource(u, l, base).resource)),
            Effect.orElseSucceed(() => Option.none())
          )
        )
        // A looked-up filter is already applied (case-insensitively, as `userName` is caseExact=false).
        const lookedUp = byName !== undefined || byExt !== undefined || byId !== undefined
        return yield* listResponse(resources.flatMap(Option.toArray), lookedUp ? { ...q, filter: undefined } : q)
      })
    ).pipe(Effect.withSpan("Scim.listUsers"))

  return { create, replace, patch, remove, get, list } as const
})
