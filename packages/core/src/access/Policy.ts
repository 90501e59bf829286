/**
 * The compiled RBAC policy: pure, synchronous, no I/O (ARCHITECTURE §3
 * "Checks run in memory against a per-tenant compiled policy"; seed 001
 * "Permission Check Flow").
 *
 * {@link compilePolicy} turns one tenant's rules — roles and their
 * permission patterns, user → role, user → team, team → role, and user
 * overrides (allow / deny) — into hash maps per role and per user (built
 * at first use, after a linear indexing pass), so that
 * {@link CompiledPolicy.check} costs a bounded number of hash lookups (at
 * most 18) whatever the number of rules:
 *
 * 1. explicit deny: the user's deny overrides on `resource:action`,
 *    `resource:*` or `*:*` → **deny**;
 * 2. allow: the user's allow overrides, then the roles held directly or
 *    through a team, on the same three keys → **allow**;
 * 3. otherwise → **default deny**.
 *
 * Role pattern maps are shared by all holders of a role. Queries must be
 * concrete permissions (`resource:action`); anything else — wildcards,
 * malformed strings — is a default deny (fail closed).
 *
 * Pattern matching and fixed scopes live in `Patterns.ts`, the policy
 * requirement in the types ({@link AccessPolicy}, {@link policyRequire};
 * STYLE.md "policy pattern") in `Requirement.ts`; both are re-exported here.
 * `policyUse`, which discharges a requirement by checking the actor, lives in
 * `Access.ts` because it needs the service.
 *
 * This module imports only those two pure modules, so benchmarks load it alone.
 *
 * @module
 */
import {
  ALL,
  DEFAULT_DENY,
  type PolicyExplanation,
  RESOURCE_PATTERN,
  resourceWildcard,
  type Source
} from "./Patterns.js"

export {
  checkScoped,
  compileScope,
  explainScoped,
  holdsScoped,
  type PermissionScope,
  type PolicyExplanation,
  patternMatches,
  resourceWildcard,
  type Source
} from "./Patterns.js"
export {
  type AccessPolicy,
  type Discharges,
  type PermissionString,
  policyRequire
} from "./Requirement.js"

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/** Effect of a user override. */
export type OverrideEffect = "allow" | "deny"

/** A role and the permission patterns it grants. `priority`: higher first. */
export interface PolicyRole {
  readonly id: string
  readonly name: string
  readonly priority: number
  readonly permissions: ReadonlyArray<string>
}

/** A team (its roles are granted to its members). */
export interface PolicyTeam {
  readonly id: string
  readonly name: string
}

/** One tenant's rules, as read from the access tables. Unknown ids in links are ignored. */
export interface PolicyInput {
  readonly roles: ReadonlyArray<PolicyRole>
  readonly userRoles: ReadonlyArray<{ readonly userId: string; readonly roleId: string }>
  readonly teams: ReadonlyArray<PolicyTeam>
  readonly teamMembers: ReadonlyArray<{ readonly teamId: string; readonly userId: string }>
  readonly teamRoles: ReadonlyArray<{ readonly teamId: string; readonly roleId: string }>
  readonly overrides: ReadonlyArray<{
    readonly userId: string
    readonly permission: string
    readonly effect: OverrideEffect
  }>
}

/** An empty rule set. */
export const emptyPolicyInput: PolicyInput = {
  roles: [],
  userRoles: [],
  teams: [],
  teamMembers: [],
  teamRoles: [],
  overrides: []
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/** A user's grants as compiled: deny and allow patterns, each with the rule that put it there. */
export interface SubjectGrants {
  readonly deny: ReadonlyArray<Source>
  readonly allow: ReadonlyArray<Source>
}

interface Subject {
  /** Deny overrides, by pattern. */
  readonly deny: Map<string, Source> | null
  /** Allow overrides, by pattern. */
  readonly allow: Map<string, Source> | null
  /**
   * Pattern maps of the roles held (directly or through teams), highest
   * priority first: one map per role (shared by every holder of the role),
   * or one merged map when the user holds more than {@link MERGE_ABOVE} roles.
   */
  readonly roles: ReadonlyArray<Map<string, Source>>
}

/** Users holding more roles than this get one merged pattern map (shared by users with the same roles). */
const MERGE_ABOVE = 4

const firstMatch = (map: Map<string, Source> | null, exact: string, wildcard: string): Source | undefined =>
  map === null ? undefined : (map.get(exact) ?? map.get(wildcard) ?? map.get(ALL))

interface RoleLink {
  readonly role: PolicyRole
  readonly team: PolicyTeam | null
}

/** The indexed rules a {@link CompiledPolicy} builds its per-user subjects from. */
interface Index {
  /** Roles held per user (directly or through a team). */
  readonly links: Map<string, Array<RoleLink>>
  readonly deny: Map<string, Map<string, Source>>
  readonly allow: Map<string, Map<string, Source>>
  readonly userCount: number
}

/**
 * One tenant's compiled policy. Immutable as far as callers can tell; build
 * a new one (with {@link compilePolicy}) when the rules change.
 *
 * Compilation indexes the rules (linear in their number). A user's lookup
 * structure is built on the user's first check and kept: the user's
 * overrides, and the pattern maps of the roles held — one map per role,
 * shared by all its holders, or for users holding more than four roles one
 * merged map shared by users with the same roles. Memory therefore grows
 * with roles and overrides, not with users × permissions, and a check is
 * at most 6 + 3 × 4 = 18 hash lookups whatever the number of rules.
 */
export class CompiledPolicy {
  /** Number of rules compiled: role grants + user-role and team links + overrides. */
  readonly ruleCount: number
  readonly #index: Index
  readonly #subjects = new Map<string, Subject>()
  readonly #roleMaps = new Map<string, Map<string, Source>>()
  readonly #merged = new Map<string, Map<string, Source>>()

  /** @internal use {@link compilePolicy}. */
  constructor(index: Index, ruleCount: number) {
    this.#index = index
    this.ruleCount = ruleCount
  }

  /**
   * Names of the roles a user holds, directly or through a team, each once,
   * highest priority first, then by name: the access token's `roles` claim.
   * Empty for a user who holds none.
   */
  roleNames(userId: string): ReadonlyArray<string> {
    const list = this.#index.links.get(userId)
    if (list === undefined) return []
    const roles = new Map<string, PolicyRole>()
    for (const { role } of list) roles.set(role.id, role)
    return [...roles.values()].sort((a, b) => b.priority - a.priority || compare(a.name, b.name)).map((r) => r.name)
  }

  /** Number of users with at least one role, team role or override. */
  get subjectCount(): number {
    return this.#index.userCount
  }

  /** The user's lookup structure (built on first use), or undefined when the user has no grant. */
  #subject(userId: string): Subject | undefined {
    const cached = this.#subjects.get(userId)
    if (cached !== undefined) return cached
    const list = this.#index.links.get(userId)
    const d = this.#index.deny.get(userId) ?? null
    let a = this.#index.allow.get(userId) ?? null
    if (list === undefined && d === null && a === null) return undefined
    if (d !== null && a !== null) {
      // A deny override also wins over the same pattern allowed by an override.
      a = new Map([...a].filter(([pattern]) => !d.has(pattern)))
    }
    const subject: Subject = {
      deny: d,
      allow: a !== null && a.size > 0 ? a : null,
      roles: list === undefined ? [] : this.#roleMapsOf(list)
    }
    this.#subjects.set(userId, subject)
    return subject
  }

  /** The pattern map of one held role (per role, or per team and role), built once. */
  #roleMap(link: RoleLink): Map<string, Source> {
    const key = `${link.role.id}/${link.team?.id ?? ""}`
    const existing = this.#roleMaps.get(key)
    if (existing !== undefined) return existing
    const { role, team } = link
    const map = new Map<string, Source>()
    for (const pattern of role.permissions) {
      if (map.has(pattern)) continue
      map.set(pattern, {
        kind: team === null ? "role" : "team_role",
        id: role.id,
        name: role.name,
        pattern,
        team: team === null ? null : { id: team.id, name: team.name }
      })
    }
    this.#roleMaps.set(key, map)
    return map
  }

  /** The pattern maps of a user's held roles, highest priority first (merged above {@link MERGE_ABOVE}). */
  #roleMapsOf(list: ReadonlyArray<RoleLink>): ReadonlyArray<Map<string, Source>> {
    // Highest priority first; direct before team; then by name, id (deterministic explanations).
    const sorted = [...list].sort(
      (a, b) =>
        b.role.priority - a.role.priority ||
        (a.team === null ? 0 : 1) - (b.team === null ? 0 : 1) ||
        compare(a.role.name, b.role.name) ||
        compare(a.role.id, b.role.id) ||
        compare(a.team?.id ?? "", b.team?.id ?? "")
    )
    const maps = sorted.map((l) => this.#roleMap(l))
    if (maps.length <= MERGE_ABOVE) return maps
    const key = sorted.map((l) => `${l.role.id}/${l.team?.id ?? ""}`).join(",")
    let merged = this.#merged.get(key)
    if (merged === undefined) {
      merged = new Map<string, Source>()
      for (const m of maps) for (const [pattern, source] of m) if (!merged.has(pattern)) merged.set(pattern, source)
      this.#merged.set(key, merged)
    }
    return [merged]
  }

  /**
   * Whether `userId` may do `permission` (a concrete `resource:action`).
   * Explicit deny > allow > default deny. At most 18 hash lookups once the
   * user's structure is built.
   */
  check(userId: string, permission: string): boolean {
    const s = this.#subjects.get(userId) ?? this.#subject(userId)
    if (s === undefined) return false
    const wildcard = resourceWildcard(permission)
    if (wildcard === null) return false
    const d = s.deny
    if (d !== null && (d.has(permission) || d.has(wildcard) || d.has(ALL))) return false
    const a = s.allow
    if (a !== null && (a.has(permission) || a.has(wildcard) || a.has(ALL))) return true
    const roles = s.roles
    for (let i = 0; i < roles.length; i++) {
      const r = roles[i]!
      if (r.has(permission) || r.has(wildcard) || r.has(ALL)) return true
    }
    return false
  }

  /**
   * Whether the user holds a whole pattern: for a concrete permission the
   * same as {@link check}; for `resource:*`, a grant of `resource:*` or `*:*`
   * and no deny on any action of the resource; for `*:*`, a grant of `*:*`
   * and no deny at all. Used when an operation requires a pattern.
   */
  holds(userId: string, pattern: string): boolean {
    if (!pattern.endsWith(":*")) return this.check(userId, pattern)
    const s = this.#subject(userId)
    if (s === undefined) return false
    if (pattern !== ALL && !RESOURCE_PATTERN.test(pattern)) return false
    if (s.deny !== null) {
      if (pattern === ALL && s.deny.size > 0) return false
      const prefix = pattern.slice(0, -1)
      for (const d of s.deny.keys()) if (d === ALL || d.startsWith(prefix)) return false
    }
    const has = (m: Map<string, Source> | null) => m !== null && (m.has(pattern) || m.has(ALL))
    return has(s.allow) || s.roles.some(has)
  }

  /**
   * Like {@link check}, and names the rule that decided: the most specific
   * matching deny; else the most specific allow override; else the most
   * specific role pattern (exact, then `resource:*`, then `*:*`), from the
   * highest-priority role holding it (direct before team); `null` source for
   * a default deny.
   */
  explain(userId: string, permission: string): PolicyExplanation {
    const s = this.#subject(userId)
    const wildcard = resourceWildcard(permission)
    if (s === undefined || wildcard === null) return DEFAULT_DENY
    const deny = firstMatch(s.deny, permission, wildcard)
    if (deny) return { allowed: false, decision: "deny", source: deny }
    let allow = firstMatch(s.allow, permission, wildcard)
    for (const key of [permission, wildcard, ALL]) {
      if (allow) break
      for (const m of s.roles) {
        allow = m.get(key)
        if (allow) break
      }
    }
    return allow ? { allowed: true, decision: "allow", source: allow } : DEFAULT_DENY
  }

  /** The user's deny and allow patterns (sorted by pattern), each with its source. */
  grants(userId: string): SubjectGrants {
    const s = this.#subject(userId)
    if (s === undefined) return { deny: [], allow: [] }
    const values = (m: Map<string, Source> | null) => (m === null ? [] : [...m.values()])
    const allow = new Map<string, Source>()
    for (const src of [...values(s.allow), ...s.roles.flatMap(values)]) {
      if (!allow.has(src.pattern)) allow.set(src.pattern, src)
    }
    const byPattern = (a: Source, b: Source) => compare(a.pattern, b.pattern)
    return { deny: values(s.deny).sort(byPattern), allow: [...allow.values()].sort(byPattern) }
  }

  /** The concrete permissions among `known` that the user holds (deny applied), in the order given. */
  effective(userId: string, known: Iterable<string>): ReadonlyArray<string> {
    const out: Array<string> = []
    for (const p of known) if (this.check(userId, p)) out.push(p)
    return out
  }
}

/**
 * Compiles one tenant's rules (see the module comment for the decision
 * order). Linear in the number of rules. Links to unknown roles or teams are
 * ignored; invalid patterns are kept but can never match a concrete query.
 */
export const compilePolicy = (input: PolicyInput): CompiledPolicy => {
  const roles = new Map(input.roles.map((r) => [r.id, r]))
  const teams = new Map(input.teams.map((t) => [t.id, t]))

  const teamRoles = new Map<string, Array<PolicyRole>>()
  for (const link of input.teamRoles) {
    const role = roles.get(link.roleId)
    if (!role || !teams.has(link.teamId)) continue
    const list = teamRoles.get(link.teamId)
    if (list) list.push(role)
    else teamRoles.set(link.teamId, [role])
  }

  const links = new Map<string, Array<RoleLink>>()
  const addLink = (userId: string, link: RoleLink) => {
    const list = links.get(userId)
    if (list) list.push(link)
    else links.set(userId, [link])
  }
  for (const ur of input.userRoles) {
    const role = roles.get(ur.roleId)
    if (role) addLink(ur.userId, { role, team: null })
  }
  for (const m of input.teamMembers) {
    const team = teams.get(m.teamId)
    if (!team) continue
    for (const role of teamRoles.get(m.teamId) ?? []) addLink(m.userId, { role, team })
  }

  const deny = new Map<string, Map<string, Source>>()
  const allow = new Map<string, Map<string, Source>>()
  for (const o of input.overrides) {
    const target = o.effect === "deny" ? deny : allow
    let map = target.get(o.userId)
    if (!map) target.set(o.userId, (map = new Map<string, Source>()))
    map.set(o.permission, { kind: "user_override", id: o.userId, name: o.effect, pattern: o.permission, team: null })
  }

  const users = new Set<string>(links.keys())
  for (const id of deny.keys()) users.add(id)
  for (const id of allow.keys()) users.add(id)

  let ruleCount = input.userRoles.length + input.teamMembers.length + input.teamRoles.length + input.overrides.length
  for (const r of input.roles) ruleCount += r.permissions.length
  return new CompiledPolicy({ links, deny, allow, userCount: users.size }, ruleCount)
}
