/**
 * Shared pieces of the SCIM service (issue 19 §3; RFC 7643/7644): URNs,
 * limits, SCIM errors, ETags, and list queries — filters parsed and
 * evaluated by `scim2-parse-filter` (not our own parser), sorting and
 * 1-based pagination (RFC 7644 §3.4.2).
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { ScimError, type ScimType } from "@signet/contracts/federation/ScimDomain"
import { Effect } from "effect"
import * as ScimFilter from "scim2-parse-filter"

/** Core User schema URN (RFC 7643 §4.1). */
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
/** Enterprise User extension URN (RFC 7643 §4.3). */
export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
/** Core Group schema URN (RFC 7643 §4.2). */
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
/**
 * Signet's Group extension URN (issue 19 §3): `kind` — `team` (default) or
 * `student_group` — and, for a student group, `schoolId`; both fixed at
 * creation (`mutability: immutable`).
 */
export const SIGNET_GROUP_SCHEMA = "urn:signet:params:scim:schemas:extension:group:2.0"
/** ListResponse message URN (RFC 7644 §3.4.2). */
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
/** PatchOp message URN (RFC 7644 §3.5.2). */
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
/** Error message URN (RFC 7644 §3.12). */
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

/**
 * Resource limits of the SCIM endpoints (every resource has one): page size,
 * request body, PATCH operations, filter length, group size, and how many
 * resources a general filter may scan (beyond: 400 `tooMany`).
 */
export const SCIM_LIMITS = {
  /** Largest `count` of a list page (RFC 7644 §3.4.2.4; also `filter.maxResults`). */
  maxPageSize: 200,
  /** Default `count` when the request gives none. */
  defaultPageSize: 100,
  /** Largest request body, in bytes (`bulk` is not supported). */
  maxBodyBytes: 256 * 1024,
  /** Most operations in one PATCH request. */
  maxPatchOperations: 100,
  /** Longest `filter` expression, in characters. */
  maxFilterLength: 1_000,
  /** Most members of one group. */
  maxGroupMembers: 10_000,
  /** Most resources a filter other than `userName|externalId|id eq` evaluates. */
  maxScan: 10_000
} as const

/** A SCIM error with `status` and, for 400s, a `scimType` (RFC 7644 §3.12). */
export const scimError = (status: number, detail: string, scimType?: ScimType): ScimError =>
  scimType === undefined ? new ScimError({ status, detail }) : new ScimError({ status, detail, scimType })

/** 404 for a resource id that does not exist in the tenant (also another tenant's). */
export const notFound = (kind: string, id: string) => scimError(404, `${kind} ${id} not found`)

/** A plain JSON object, or undefined. */
export const asObject = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined

/** The value of `key` in `obj`, matched case-insensitively (SCIM attribute names are, RFC 7643 §2.1). */
export const attr = (obj: Record<string, unknown> | undefined, key: string): unknown => {
  if (!obj) return undefined
  if (key in obj) return obj[key]
  const k = key.toLowerCase()
  for (const [name, v] of Object.entries(obj)) if (name.toLowerCase() === k) return v
  return undefined
}

/** A weak ETag over a resource's content (without `meta`): `W/"<20 hex>"`. */
export const etagOf = (resource: Record<string, unknown>): string => {
  const { meta: _, ...content } = resource
  return `W/"${Crypto.createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 20)}"`
}

/**
 * Checks `If-Match` (RFC 7644 §3.14) against the current ETag: absent or `*`
 * passes; anything else must be the current version.
 * @errors ScimError 412 (version changed)
 */
export const checkIfMatch = (ifMatch: string | undefined, current: string): Effect.Effect<void, ScimError> => {
  if (ifMatch === undefined || ifMatch.trim() === "" || ifMatch.trim() === "*") return Effect.void
  const wanted = ifMatch.split(",").map((s) => s.trim())
  const bare = (t: string) => t.replace(/^W\//, "")
  return wanted.some((w) => bare(w) === bare(current))
    ? Effect.void
    : Effect.fail(scimError(412, `the resource changed: its version is ${current}`))
}

/** Query parameters of a list request (RFC 7644 §3.4.2), as received. */
export interface ListQuery {
  readonly filter?: string | undefined
  readonly startIndex?: string | undefined
  readonly count?: string | undefined
  readonly sortBy?: string | undefined
  readonly sortOrder?: string | undefined
}

/** The schema URN of a `POST …/.search` body (RFC 7644 §3.4.3). */
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

/** A `POST …/.search` body as a list query and the projection it asks for. */
export interface SearchRequest {
  readonly query: ListQuery
  readonly attributes: string | undefined
  readonly excludedAttributes: string | undefined
}

/**
 * Reads a SCIM search request (RFC 7644 §3.4.3: `POST /Users/.search`,
 * `/Groups/.search`) — `filter`, `startIndex`, `count`, `sortBy`,
 * `sortOrder`, `attributes`, `excludedAttributes` in a JSON body instead of
 * the query string (so a filter with personal data stays out of URLs and
 * logs) — into the query a `GET` list takes; the list then applies the same
 * rules ({@link parseList}).
 * @errors ScimError 400 `invalidSyntax` (not an object, or without the SearchRequest schema), `invalidValue` (a member of the wrong type)
 */
export const searchRequest = (body: unknown): Effect.Effect<SearchRequest, ScimError> =>
  Effect.gen(function* () {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return yield* scimError(400, "the search request must be a JSON object", "invalidSyntax")
    const b = body as Record<string, unknown>
    if (!Array.isArray(b.schemas) || !b.schemas.includes(SEARCH_REQUEST_SCHEMA))
      return yield* scimError(400, `schemas must include ${SEARCH_REQUEST_SCHEMA}`, "invalidSyntax")
    const text = (name: string) =>
      b[name] === undefined || typeof b[name] === "string"
        ? Effect.succeed(b[name] as string | undefined)
        : Effect.fail(scimError(400, `${name} must be a string`, "invalidValue"))
    const int = (name: string) =>
      b[name] === undefined || (typeof b[name] === "number" && Number.isInteger(b[name]))
        ? Effect.succeed(b[name] === undefined ? undefined : String(b[name]))
        : Effect.fail(scimError(400, `${name} must be an integer`, "invalidValue"))
    const names = (name: string) =>
      b[name] === undefined
        ? Effect.succeed(undefined)
        : Array.isArray(b[name]) && (b[name] as Array<unknown>).every((n) => typeof n === "string")
          ? Effect.succeed((b[name] as Array<string>).join(","))
          : Effect.fail(scimError(400, `${name} must be an array of attribute names`, "invalidValue"))
    return {
      query: {
        filter: yield* text("filter"),
        startIndex: yield* int("startIndex"),
        count: yield* int("count"),
        sortBy: yield* text("sortBy"),
        sortOrder: yield* text("sortOrder")
      },
      attributes: yield* names("attributes"),
      excludedAttributes: yield* names("excludedAttributes")
    }
  })

/** A parsed list request. */
export interface ParsedList {
  readonly filter: ScimFilter.Filter | undefined
  readonly startIndex: number
  readonly count: number
  readonly sortBy: string | undefined
  readonly descending: boolean
}

const intParam = (name: string, raw: string | undefined, fallback: number) => {
  if (raw === undefined || raw === "") return Effect.succeed(fallback)
  if (!/^-?\d{1,9}$/.test(raw)) return Effect.fail(scimError(400, `${name} must be an integer`, "invalidValue"))
  return Effect.succeed(Number(raw))
}

/**
 * Parses a list request: the filter through `scim2-parse-filter`,
 * `startIndex` below 1 read as 1, `count` clamped to 0..`maxPageSize`.
 * @errors ScimError 400 `invalidFilter` (unparsable or longer than `maxFilterLength`), `invalidValue` (non-integer paging)
 */
export const parseList = (q: ListQuery): Effect.Effect<ParsedList, ScimError> =>
  Effect.gen(function* () {
    const startIndex = Math.max(1, yield* intParam("startIndex", q.startIndex, 1))
    const count = Math.min(
      SCIM_LIMITS.maxPageSize,
      Math.max(0, yield* intParam("count", q.count, SCIM_LIMITS.defaultPageSize))
    )
    const filter = q.filter === undefined || q.filter.trim() === "" ? undefined : yield* parseFilter(q.filter)
    const order = (q.sortOrder ?? "ascending").toLowerCase()
    if (order !== "ascending" && order !== "descending")
      return yield* scimError(400, "sortOrder must be ascending or descending", "invalidValue")
    if (q.sortBy !== undefined && !/^[A-Za-z0-9:._$-]{1,200}$/.test(q.sortBy))
      return yield* scimError(400, "sortBy must be an attribute path", "invalidValue")
    return { filter, startIndex, count, sortBy: q.sortBy || undefined, descending: order === "descending" }
  })

/**
 * Parses a SCIM filter expression (RFC 7644 §3.4.2.2) with `scim2-parse-filter`.
 * @errors ScimError 400 `invalidFilter`
 */
export const parseFilter = (text: string): Effect.Effect<ScimFilter.Filter, ScimError> => {
  if (text.length > SCIM_LIMITS.maxFilterLength)
    return Effect.fail(scimError(400, `filter longer than ${SCIM_LIMITS.maxFilterLength} characters`, "invalidFilter"))
  return Effect.try({
    try: () => ScimFilter.parse(text),
    catch: (e) =>
      scimError(400, `invalid filter: ${e instanceof Error ? e.message.slice(0, 200) : "unparsable"}`, "invalidFilter")
  })
}

/**
 * The resource attribute value at a dotted path (`name.familyName`,
 * `emails.value`, an extension URN prefix), case-insensitively; arrays
 * answer their first element's value.
 */
export const valueAt = (resource: Record<string, unknown>, path: string): unknown => {
  let current: unknown = resource
  let rest = path
  const lower = path.toLowerCase()
  if (lower.startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)) {
    current = attr(resource, ENTERPRISE_SCHEMA)
    rest = path.slice(ENTERPRISE_SCHEMA.length + 1)
  }
  for (const part of rest.split(".")) {
    if (Array.isArray(current)) current = current[0]
    current = attr(asObject(current), part)
  }
  return Array.isArray(current) ? current[0] : current
}

const compare = (a: unknown, b: unknown): number => {
  if (a === b) return 0
  if (a === undefined || a === null) return 1
  if (b === undefined || b === null) return -1
  const x = typeof a === "string" ? a.toLowerCase() : String(a)
  const y = typeof b === "string" ? b.toLowerCase() : String(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Applies filter, sort and page to resources, answering a ListResponse
 * (RFC 7644 §3.4.2). The filter is evaluated by `scim2-parse-filter`'s
 * `filter`; a filter the library cannot evaluate answers `invalidFilter`.
 * @errors ScimError 400 `invalidFilter`
 */
export const listResponse = (
  resources: ReadonlyArray<Record<string, unknown>>,
  q: ParsedList
): Effect.Effect<Record<string, unknown>, ScimError> =>
  Effect.gen(function* () {
    const filtered = q.filter
      ? yield* Effect.try({
          try: () => resources.filter(ScimFilter.filter(q.filter!)),
          catch: () => scimError(400, "the filter cannot be evaluated", "invalidFilter")
        })
      : [...resources]
    if (q.sortBy) {
      const by = q.sortBy
      filtered.sort((a, b) => compare(valueAt(a, by), valueAt(b, by)) * (q.descending ? -1 : 1))
    }
    const page = filtered.slice(q.startIndex - 1, q.startIndex - 1 + q.count)
    return {
      schemas: [LIST_SCHEMA],
      totalResults: filtered.length,
      startIndex: q.startIndex,
      itemsPerPage: page.length,
      Resources: page
    }
  })

/**
 * The value of `attribute eq "value"` when the filter is exactly that
 * comparison (the lookups Entra ID and Okta send before creating), else undefined.
 */
export const eqLookup = (filter: ScimFilter.Filter | undefined, attribute: string): string | undefined => {
  if (!filter || filter.op !== "eq") return undefined
  const c = filter as ScimFilter.Compare
  return c.attrPath.toLowerCase() === attribute.toLowerCase() && typeof c.compValue === "string"
    ? c.compValue
    : undefined
}

/** Normalises a `userName` for uniqueness (case-insensitive, RFC 7643 §4.1.1). */
export const normalizeName = (s: string): string => s.trim().toLowerCase()

/** The `meta` of a resource (RFC 7643 §3.1). */
export const meta = (
  resourceType: "User" | "Group",
  location: string,
  created: string,
  lastModified: string
): Record<string, unknown> => ({ resourceType, created, lastModified, location })

/** Attributes every representation keeps (RFC 7643 §7 `returned: always`). */
const ALWAYS = new Set(["id", "schemas", "meta"])

/**
 * A resource (or every resource of a ListResponse) limited by the
 * `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.4.2.5),
 * top-level attribute names compared case-insensitively (a dotted name
 * counts for its top-level attribute); `id`, `schemas` and `meta` stay.
 */
export const project = (body: unknown, attributes: string | undefined, excluded: string | undefined): unknown => {
  const names = (s: string | undefined) =>
    s === undefined || s.trim() === ""
      ? undefined
      : new Set(
          s
            .split(",")
            .slice(0, 50)
            .map((a) => a.trim().split(".")[0]!.toLowerCase())
        )
  const keep = names(attributes)
  const drop = names(excluded)
  if (!keep && !drop) return body
  const one = (r: unknown) => {
    const obj = asObject(r)
    if (!obj) return r
    return Object.fromEntries(
      Object.entries(obj).filter(([k]) => {
        const key = k.toLowerCase()
        if (ALWAYS.has(key)) return true
        if (keep) return keep.has(key)
        return !drop!.has(key)
      })
    )
  }
  const list = asObject(body)
  if (list && Array.isArray(list.Resources)) return { ...list, Resources: list.Resources.map(one) }
  return one(body)
}
