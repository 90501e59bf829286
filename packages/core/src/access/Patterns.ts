/**
 * Permission patterns and fixed scopes: pure, synchronous, no I/O (seed 001
 * "Permission Check Flow"). What a concrete permission's `resource:*` key
 * is, whether a pattern covers a permission, the shape of a decision and of
 * the rule behind it, and the decisions of a fixed permission set (an API
 * key's or a beacon's scope). The compiled per-tenant policy (`Policy.ts`)
 * builds on these.
 *
 * This module has no runtime import, so benchmarks load it alone.
 *
 * @module
 */

/** `*:*`: every action on every resource. */
export const ALL = "*:*"

const CONCRETE = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/
/** Grammar of a `resource:*` pattern. */
export const RESOURCE_PATTERN = /^[a-z][a-z0-9_-]*:\*$/

// Queries are a small set of literal strings in practice (the permissions
// services require); caching their `resource:*` key avoids a string
// allocation per check. Bounded so that arbitrary input cannot grow it.
const wildcardCache = new Map<string, string | null>()
const WILDCARD_CACHE_MAX = 10_000

/**
 * The `resource:*` key of a concrete permission, or `null` when the string
 * is not a concrete `resource:action` (such queries are denied).
 */
export const resourceWildcard = (permission: string): string | null => {
  const cached = wildcardCache.get(permission)
  if (cached !== undefined) return cached
  const key = CONCRETE.test(permission) ? `${permission.slice(0, permission.indexOf(":"))}:*` : null
  if (wildcardCache.size < WILDCARD_CACHE_MAX) wildcardCache.set(permission, key)
  return key
}

/**
 * True when a grant pattern covers a concrete permission: equal, the
 * resource's `resource:*`, or `*:*`.
 */
export const patternMatches = (pattern: string, permission: string): boolean => {
  if (pattern === ALL || pattern === permission) return CONCRETE.test(permission)
  return pattern.endsWith(":*") && CONCRETE.test(permission) && permission.startsWith(pattern.slice(0, -1))
}

/**
 * The rule that decided (same shape as `DecisionSource` in `Domain.ts`):
 * `user_override` (`id` = user id), `role`, `team_role` (`team` set), or
 * `scope` (a fixed permission set, e.g. an API key's).
 */
export interface Source {
  readonly kind: "user_override" | "role" | "team_role" | "scope"
  readonly id: string
  readonly name: string
  readonly pattern: string
  readonly team: { readonly id: string; readonly name: string } | null
}

/** Result of {@link CompiledPolicy.explain}. */
export interface PolicyExplanation {
  readonly allowed: boolean
  readonly decision: "deny" | "allow" | "default-deny"
  readonly source: Source | null
}

/** The answer when nothing matched (or the query is not a concrete permission). */
export const DEFAULT_DENY: PolicyExplanation = { allowed: false, decision: "default-deny", source: null }

// ---------------------------------------------------------------------------
// Scoped actors (API keys): a fixed permission set
// ---------------------------------------------------------------------------

/** A fixed set of permission patterns (an API key's scope), compiled for lookups. */
export type PermissionScope = ReadonlySet<string>

/** Compiles a scope: the set of its patterns. */
export const compileScope = (permissions: Iterable<string>): PermissionScope => new Set(permissions)

/**
 * Whether a fixed permission set allows a concrete permission: the set holds
 * it, its `resource:*`, or `*:*`. No deny in a scope; malformed queries are
 * denied.
 */
export const checkScoped = (scope: PermissionScope | ReadonlyArray<string>, permission: string): boolean => {
  const wildcard = resourceWildcard(permission)
  if (wildcard === null) return false
  if (Array.isArray(scope)) {
    const list = scope as ReadonlyArray<string>
    return list.includes(permission) || list.includes(wildcard) || list.includes(ALL)
  }
  const set = scope as PermissionScope
  return set.has(permission) || set.has(wildcard) || set.has(ALL)
}

/**
 * Whether a fixed permission set holds a whole pattern: a concrete
 * permission as {@link checkScoped}; `resource:*` when the set holds it or
 * `*:*`; `*:*` only when the set holds `*:*`.
 */
export const holdsScoped = (scope: PermissionScope | ReadonlyArray<string>, pattern: string): boolean => {
  if (!pattern.endsWith(":*")) return checkScoped(scope, pattern)
  if (pattern !== ALL && !RESOURCE_PATTERN.test(pattern)) return false
  const has = (p: string) =>
    Array.isArray(scope) ? (scope as ReadonlyArray<string>).includes(p) : (scope as PermissionScope).has(p)
  return has(ALL) || has(pattern)
}

/** {@link checkScoped} with the matching pattern; `source.kind` is `scope` and `id` is `scopeId`. */
export const explainScoped = (
  scope: PermissionScope | ReadonlyArray<string>,
  permission: string,
  scopeId: string
): PolicyExplanation => {
  const wildcard = resourceWildcard(permission)
  if (wildcard === null) return DEFAULT_DENY
  const set = Array.isArray(scope) ? new Set(scope as ReadonlyArray<string>) : (scope as PermissionScope)
  const pattern = set.has(permission) ? permission : set.has(wildcard) ? wildcard : set.has(ALL) ? ALL : null
  return pattern === null
    ? DEFAULT_DENY
    : { allowed: true, decision: "allow", source: { kind: "scope", id: scopeId, name: "scope", pattern, team: null } }
}
