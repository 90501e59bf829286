/**
 * Attribute mapping of SSO connections (issue 19 §2 "just-in-time
 * provisioning with attribute mapping to user type, school and roles"): the
 * rules that read an IdP's claims (OpenID Connect) or attributes (SAML) and
 * decide a person's user type, school and roles. The contract of a mapping
 * is `SsoAttributeMapping` (`@signet/contracts/integrations/SsoDomain`).
 *
 * - {@link checkMapping} runs when a connection is registered: every role
 *   it names must exist in the tenant.
 * - {@link powersOf} lists what a connection can hand out (roles by name,
 *   the default roles of the user types it can create), for the facade's
 *   no-escalation check.
 * - {@link mappedUserType}, {@link mappedSchool} shape a new (`jit`) user;
 *   {@link syncRoles} gives (and with `every_login` takes back) the mapped
 *   roles, as Signet itself, audited by `Access` (`access.user_role.*`).
 *
 * A role deleted after the mapping was registered is skipped at sign-in
 * (never created); the sign-in still succeeds.
 *
 * @module
 */
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import type { UserId } from "@signet/contracts/identity/Domain"
import type { SsoAttributeMapping } from "@signet/contracts/integrations/SsoDomain"
import { CurrentActor, type CurrentTenant, systemActor } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect, Option } from "effect"
import { Access, policyUse } from "../access/Access.js"
import { UserSchools } from "../identity/Ports.js"

/** The user types of a connection (`SsoUserType`). */
type UserType = keyof typeof DEFAULT_ROLE_OF_TYPE

/** Values of one claim read at most (a `groups` claim of a very large directory is cut there). */
const MAX_CLAIM_VALUES = 1_000

/**
 * The string values of `claim` in `person`: a string, or the strings (and
 * numbers) of an array; anything else is no value. SAML attributes arrive
 * the same way (one value or several).
 */
export const claimValues = (person: Readonly<Record<string, unknown>>, claim: string): ReadonlyArray<string> => {
  const raw = Object.hasOwn(person, claim) ? person[claim] : undefined
  const list = Array.isArray(raw) ? raw.slice(0, MAX_CLAIM_VALUES) : raw === undefined ? [] : [raw]
  return list.flatMap((v) => (typeof v === "string" ? [v] : typeof v === "number" ? [String(v)] : []))
}

/** The user type the mapping gives `person`: the first mapped value (in the mapping's order) the claim holds. */
export const mappedUserType = (
  mapping: SsoAttributeMapping | null,
  person: Readonly<Record<string, unknown>>
): Option.Option<UserType> => {
  if (mapping?.user_type == null) return Option.none()
  const held = new Set(claimValues(person, mapping.user_type.claim))
  return Option.fromNullable(mapping.user_type.values.find((v) => held.has(v.value))?.user_type)
}

/**
 * The school the mapping names for `person` (its id, code or OneRoster
 * `sourcedId`, through identity's `UserSchools` port), or none.
 */
export const mappedSchool = (mapping: SsoAttributeMapping | null, person: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    if (mapping?.school_claim == null) return Option.none<string>()
    const key = claimValues(person, mapping.school_claim)[0]?.trim()
    if (key === undefined || key === "" || key.length > 256) return Option.none<string>()
    return yield* Effect.flatMap(UserSchools, (schools) => schools.resolve(key))
  })

/** Every role name the mapping can give. */
const mappedRoleNames = (mapping: SsoAttributeMapping | null): ReadonlySet<string> =>
  new Set(mapping?.roles?.values.flatMap((v) => v.roles) ?? [])

/**
 * What a connection can hand out: the roles its mapping names, and — when
 * it creates users (`jit`) — the default role of every user type it can
 * set. `administrator` is true when it can create `admin` or `dev` users.
 */
export const powersOf = (input: {
  readonly provisioning: "jit" | "link_only"
  readonly default_user_type: UserType
  readonly attribute_mapping: SsoAttributeMapping | null
}) => {
  const types = new Set<UserType>(
    input.provisioning === "jit"
      ? [input.default_user_type, ...(input.attribute_mapping?.user_type?.values.map((v) => v.user_type) ?? [])]
      : []
  )
  const roles = new Set([
    ...mappedRoleNames(input.attribute_mapping),
    ...[...types].map((t) => DEFAULT_ROLE_OF_TYPE[t])
  ])
  return { roles: [...roles].sort(), administrator: types.has("admin") || types.has("dev") }
}

/**
 * Runs the role operation `self` as Signet itself (lookups, and the
 * assignments the IdP's answer decides), which holds every permission.
 */
const asSystem = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(policyUse("roles:*"), Effect.orDie, Effect.provideService(CurrentActor, systemActor))

/**
 * Checks a mapping before it is stored: every role it names exists in the
 * current tenant. @errors ValidationError (`attribute_mapping.roles`, naming
 * the unknown role)
 */
export const checkMapping = (mapping: SsoAttributeMapping | null) =>
  Effect.gen(function* () {
    const access = yield* Access
    for (const name of mappedRoleNames(mapping)) {
      const role = yield* asSystem(access.findRoleByName(name))
      if (Option.isNone(role))
        return yield* ValidationError.field("attribute_mapping.roles", `no role "${name}" in this tenant`)
    }
  })

/**
 * Gives `userId` the roles the mapping's claim values give `person`; with
 * `sync: "every_login"` (or for a user created now, `created`), also takes
 * away the roles the mapping names that the claims no longer give — only
 * those: a role the mapping does not name is never touched. Runs as Signet
 * itself; each change is audited and published by `Access`. Answers the
 * role names given and taken.
 */
export const syncRoles = (
  mapping: SsoAttributeMapping | null,
  person: Readonly<Record<string, unknown>>,
  userId: UserId,
  created: boolean
): Effect.Effect<
  { readonly given: ReadonlyArray<string>; readonly taken: ReadonlyArray<string> },
  never,
  Access | CurrentTenant
> =>
  Effect.gen(function* () {
    const none = { given: [], taken: [] }
    const roles = mapping?.roles
    if (roles == null || (!created && roles.sync === "on_create")) return none
    const access = yield* Access
    const held = new Set(claimValues(person, roles.claim))
    const wanted = new Set(roles.values.filter((v) => held.has(v.value)).flatMap((v) => v.roles))
    const current = new Map((yield* asSystem(access.listUserRoles(userId))).map((r) => [r.role_name, r.role_id]))
    const given: Array<string> = []
    const taken: Array<string> = []
    for (const name of mappedRoleNames(mapping)) {
      if (wanted.has(name) && !current.has(name)) {
        const role = yield* asSystem(access.findRoleByName(name))
        if (Option.isNone(role)) continue // deleted since the mapping was registered
        yield* asSystem(access.assignRole(userId, role.value.id))
        given.push(name)
      } else if (!wanted.has(name) && current.has(name) && roles.sync === "every_login") {
        yield* asSystem(access.unassignRole(userId, current.get(name)!))
        taken.push(name)
      }
    }
    return { given, taken }
  }).pipe(Effect.orDie, Effect.withSpan("SsoMapping.syncRoles"))
