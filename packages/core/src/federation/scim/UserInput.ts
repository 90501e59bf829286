/**
 * SCIM User documents ↔ Signet users (issue 19 §3; RFC 7643 §4.1, §4.3):
 * reading a User body (POST, PUT, or the result of a PATCH) into what
 * Signet stores, and the user type mapping.
 *
 * Lenient where identity providers are known to differ: attribute names
 * case-insensitively, `active` as a boolean or the strings Entra ID sends
 * (`"True"`, `"False"`), the primary e-mail or the first one, the
 * `userName` as e-mail when no `emails` are given. Unknown attributes are
 * ignored (a PATCH path naming one is refused earlier, `Patch.ts`).
 *
 * @module
 */
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import { Context, Effect } from "effect"
import { asObject, attr, ENTERPRISE_SCHEMA, scimError } from "./Kit.js"
import type { Enterprise } from "./Repo.js"

/** The Signet user types SCIM may provision (never `admin` or `dev`: administrator power is not handed out by an IdP). */
export type ScimUserType = "student" | "teacher"

/**
 * How the SCIM `userType` attribute maps to Signet's `user_type`
 * (case-insensitive), and the type of a user who has none.
 * Defaults: {@link DEFAULT_SCIM_OPTIONS}. An embedder overrides it with
 * `Effect.provideService(ScimOptions, …)`/`Layer.succeed`.
 */
export class ScimOptions extends Context.Reference<ScimOptions>()("Signet/ScimOptions", {
  defaultValue: (): ScimOptionsShape => DEFAULT_SCIM_OPTIONS
}) {}

/** The shape of {@link ScimOptions}. */
export interface ScimOptionsShape {
  /** `user_type` of a provisioned user whose `userType` is absent. */
  readonly defaultUserType: ScimUserType
  /** Lower-cased SCIM `userType` → Signet `user_type`; a value not listed answers 400 `invalidValue`. */
  readonly userTypes: Readonly<Record<string, ScimUserType>>
}

/**
 * Default mapping: `Student`, `Pupil`, `Learner` → student; `Teacher`,
 * `Faculty`, `Staff`, `Employee`, `Instructor` → teacher; absent → student
 * (the least privileged type: a school's directory holds more students than
 * staff, and a staff member wrongly typed loses power rather than a student
 * gaining it).
 */
export const DEFAULT_SCIM_OPTIONS: ScimOptionsShape = {
  defaultUserType: "student",
  userTypes: {
    student: "student",
    pupil: "student",
    learner: "student",
    teacher: "teacher",
    faculty: "teacher",
    staff: "teacher",
    employee: "teacher",
    instructor: "teacher"
  }
}

/** A SCIM User as Signet keeps it. */
export interface UserInput {
  readonly userName: string
  readonly externalId: string | null
  readonly displayName: string | null
  readonly givenName: string | undefined
  readonly familyName: string | undefined
  readonly email: string
  readonly active: boolean
  readonly userType: string | undefined
  readonly enterprise: Enterprise
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

const invalid = (detail: string) => scimError(400, detail, "invalidValue")

const optString = (v: unknown, name: string, max: number): Effect.Effect<string | undefined, ScimError> => {
  if (v === undefined || v === null) return Effect.succeed(undefined)
  if (typeof v !== "string") return Effect.fail(invalid(`${name} must be a string`))
  const s = v.trim()
  if (s.length > max) return Effect.fail(invalid(`${name} longer than ${max} characters`))
  return Effect.succeed(s === "" ? undefined : s)
}

/**
 * A SCIM boolean: `true`/`false`, or the strings `"True"`/`"False"` (any
 * case) that Entra ID sends in PATCH values.
 * @errors ScimError 400 `invalidValue`
 */
export const parseBool = (v: unknown, name: string): Effect.Effect<boolean | undefined, ScimError> => {
  if (v === undefined || v === null) return Effect.succeed(undefined)
  if (typeof v === "boolean") return Effect.succeed(v)
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim()))
    return Effect.succeed(v.trim().toLowerCase() === "true")
  return Effect.fail(invalid(`${name} must be a boolean`))
}

const parseEmail = (obj: Record<string, unknown>, userName: string) =>
  Effect.gen(function* () {
    const emails = attr(obj, "emails")
    if (emails !== undefined && emails !== null && !Array.isArray(emails))
      return yield* invalid("emails must be an array")
    const list = (emails as ReadonlyArray<unknown> | undefined) ?? []
    if (list.length > 10) return yield* invalid("at most 10 emails")
    const entries = list.map(asObject)
    if (entries.some((e) => e === undefined)) return yield* invalid("emails entries must be objects")
    const primary = entries.find((e) => yield_bool(attr(e, "primary")) ?? false) ?? entries[0]
    const value = primary ? attr(primary, "value") : EMAIL.test(userName) ? userName : undefined
    if (typeof value !== "string" || !EMAIL.test(value.trim()) || value.trim().length > 254)
      return yield* invalid("a valid e-mail is required (emails[primary].value, or an e-mail as userName)")
    return value.trim()
  })

const yield_bool = (v: unknown): boolean | undefined =>
  typeof v === "boolean" ? v : typeof v === "string" ? v.toLowerCase() === "true" : undefined

const parseEnterprise = (obj: Record<string, unknown>) =>
  Effect.gen(function* () {
    const raw = attr(obj, ENTERPRISE_SCHEMA)
    if (raw === undefined || raw === null) return {}
    const ext = asObject(raw)
    if (!ext) return yield* invalid(`${ENTERPRISE_SCHEMA} must be an object`)
    const out: Record<string, unknown> = {}
    for (const key of ["employeeNumber", "department", "organization", "division", "costCenter"] as const) {
      const v = yield* optString(attr(ext, key), key, 200)
      if (v !== undefined) out[key] = v
    }
    const manager = attr(ext, "manager")
    const managerValue = typeof manager === "string" ? manager : attr(asObject(manager), "value")
    const m = yield* optString(managerValue, "manager.value", 200)
    if (m !== undefined) out.manager = { value: m }
    return out as Enterprise
  })

/**
 * Reads a User document.
 * @errors ScimError 400 `invalidSyntax` (not an object), `invalidValue` (missing `userName`, no e-mail, wrong types, too long)
 */
export const parseUser = (body: unknown): Effect.Effect<UserInput, ScimError> =>
  Effect.gen(function* () {
    const obj = asObject(body)
    if (!obj) return yield* scimError(400, "the body must be a JSON object", "invalidSyntax")
    const userName = yield* optString(attr(obj, "userName"), "userName", 254)
    if (userName === undefined) return yield* invalid("userName is required")
    const nameRaw = attr(obj, "name")
    const name = asObject(nameRaw)
    if (nameRaw !== undefined && nameRaw !== null && !name) return yield* invalid("name must be an object")
    const userType = attr(obj, "userType")
    return {
      userName,
      externalId: (yield* optString(attr(obj, "externalId"), "externalId", 254)) ?? null,
      displayName: (yield* optString(attr(obj, "displayName"), "displayName", 200)) ?? null,
      givenName: yield* optString(attr(name, "givenName"), "name.givenName", 100),
      familyName: yield* optString(attr(name, "familyName"), "name.familyName", 100),
      email: yield* parseEmail(obj, userName),
      active: (yield* parseBool(attr(obj, "active"), "active")) ?? true,
      userType: yield* optString(userType, "userType", 64),
      enterprise: yield* parseEnterprise(obj)
    }
  })

/**
 * The Signet `user_type` of a SCIM `userType` under the options.
 * @errors ScimError 400 `invalidValue` (a value the mapping does not list)
 */
export const mapUserType = (
  userType: string | undefined,
  options: ScimOptionsShape
): Effect.Effect<ScimUserType, ScimError> => {
  if (userType === undefined) return Effect.succeed(options.defaultUserType)
  const mapped = options.userTypes[userType.toLowerCase()]
  return mapped
    ? Effect.succeed(mapped)
    : Effect.fail(invalid(`userType "${userType}" is not mapped to a Signet user type (docs/scim.md)`))
}

/** Given and family name: from `name`, else from `displayName`, else the e-mail's local part. */
export const namesOf = (input: UserInput): { readonly given: string; readonly family: string } => {
  const words = (input.displayName ?? "").split(/\s+/).filter((w) => w.length > 0)
  const given = input.givenName ?? words[0] ?? input.email.split("@")[0]!.slice(0, 100)
  const family = input.familyName ?? (words.length > 1 ? words.slice(1).join(" ").slice(0, 100) : "-")
  return { given, family }
}
