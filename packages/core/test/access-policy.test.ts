/**
 * The compiled RBAC policy (packages/core/src/access/Policy.ts): examples of
 * the decision order (seed 001 "Permission Check Flow": explicit deny >
 * allow > default deny) and fast-check properties comparing the compiled
 * engine with a naive reference on random rule sets.
 */
import {
  type CatalogPermission,
  corePermissions,
  DEFAULT_ROLES,
  defaultRolePermissions,
  mergeCatalogs,
  Permission,
  permissionsOf
} from "@signet/contracts/access/Domain"
import {
  checkScoped,
  compilePolicy,
  compileScope,
  emptyPolicyInput,
  explainScoped,
  holdsScoped,
  type PolicyInput,
  patternMatches,
  resourceWildcard
} from "@signet/core/access/Policy"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const input = (patch: Partial<PolicyInput>): PolicyInput => ({ ...emptyPolicyInput, ...patch })

describe("role names (the access token's roles claim)", () => {
  it("lists each held role once, direct or through a team, highest priority first, then by name", () => {
    const role = (id: string, priority: number) => ({ id, name: id, priority, permissions: ["users:read"] })
    const p = compilePolicy(
      input({
        roles: [role("teacher", 50), role("viewer", 10), role("mentor", 50), role("admin", 100)],
        userRoles: [
          { userId: "u", roleId: "teacher" },
          { userId: "u", roleId: "viewer" },
          { userId: "u", roleId: "missing-role" }
        ],
        teams: [{ id: "t", name: "Staff" }],
        teamMembers: [{ teamId: "t", userId: "u" }],
        teamRoles: [
          { teamId: "t", roleId: "teacher" },
          { teamId: "t", roleId: "mentor" }
        ]
      })
    )
    expect(p.roleNames("u")).toEqual(["mentor", "teacher", "viewer"])
    expect(p.roleNames("nobody")).toEqual([])
  })
})

describe("permission grammar and catalog", () => {
  it("accepts resource:action, resource:* and *:*; refuses the rest", () => {
    for (const ok of ["attendance:write", "attendance:*", "*:*", "api_keys:read-all"]) {
      expect(Either.isRight(Schema.decodeUnknownEither(Permission)(ok))).toBe(true)
    }
    for (const bad of ["*:read", "Attendance:read", "attendance", "a:b:c", "attendance:", ":read", "a :b", ""]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(Permission)(bad))).toBe(true)
    }
  })

  it("turns catalogs into permission strings (typed), merges them, derives the viewer role", () => {
    const all = permissionsOf(corePermissions)
    expect(all).toContain("attendance:admin")
    expect(all).toEqual([...all].sort())
    const typed: CatalogPermission<typeof corePermissions> = "beacons:write"
    expect(all).toContain(typed)
    expect(permissionsOf(mergeCatalogs({ a: ["read"] }, { a: ["write"], b: ["x"] }))).toEqual([
      "a:read",
      "a:write",
      "b:x"
    ])
    const viewer = DEFAULT_ROLES.find((r) => r.name === "viewer")!
    const reads = defaultRolePermissions(viewer, all)
    // Every resource's read but billing's (issue 20: billing is for the tenant's admins only);
    // `tokens` (issue 19 §4) has no read, only `introspect`; channels (issue 22 "Channel configs") are admin-only.
    const readable = Object.entries(corePermissions).filter(([, actions]) =>
      (actions as ReadonlyArray<string>).includes("read")
    )
    expect(reads.length).toBe(readable.length - 2)
    expect(reads).not.toContain("channels:read")
    expect(reads).not.toContain("tokens:introspect")
    expect(reads).not.toContain("billing:read")
    expect(reads.every((p) => p.endsWith(":read"))).toBe(true)
    expect(defaultRolePermissions(DEFAULT_ROLES.find((r) => r.name === "admin")!, all)).toEqual(["*:*"])
  })

  it("computes the resource wildcard of concrete permissions only", () => {
    expect(resourceWildcard("attendance:write")).toBe("attendance:*")
    expect(resourceWildcard("attendance:*")).toBeNull()
    expect(resourceWildcard("*:*")).toBeNull()
    expect(resourceWildcard("a:b:c")).toBeNull()
    expect(patternMatches("attendance:*", "attendance:write")).toBe(true)
    expect(patternMatches("attendance:*", "attendances:write")).toBe(false)
  })
})

describe("compiled policy: examples", () => {
  const roles = [
    { id: "r-admin", name: "admin", priority: 100, permissions: ["*:*"] },
    { id: "r-teacher", name: "teacher", priority: 60, permissions: ["attendance:read", "attendance:write"] },
    { id: "r-acad", name: "academics", priority: 50, permissions: ["academics:*"] },
    { id: "r-low", name: "low", priority: 10, permissions: ["attendance:read"] }
  ]

  it("explicit deny beats every allow, including *:* and an allow override", () => {
    const p = compilePolicy(
      input({
        roles,
        userRoles: [{ userId: "u1", roleId: "r-admin" }],
        overrides: [
          { userId: "u1", permission: "settings:*", effect: "deny" },
          { userId: "u1", permission: "settings:read", effect: "allow" }
        ]
      })
    )
    expect(p.check("u1", "users:delete")).toBe(true)
    expect(p.check("u1", "settings:read")).toBe(false)
    expect(p.explain("u1", "settings:read")).toEqual({
      allowed: false,
      decision: "deny",
      source: { kind: "user_override", id: "u1", name: "deny", pattern: "settings:*", team: null }
    })
  })

  it("wildcards: resource:* covers every action of that resource only", () => {
    const p = compilePolicy(input({ roles, userRoles: [{ userId: "u", roleId: "r-acad" }] }))
    expect(p.check("u", "academics:write")).toBe(true)
    expect(p.check("u", "academics:anything")).toBe(true)
    expect(p.check("u", "attendance:read")).toBe(false)
    expect(p.explain("u", "academics:read").source).toMatchObject({
      kind: "role",
      name: "academics",
      pattern: "academics:*"
    })
  })

  it("default deny for unknown users, unknown permissions and malformed or wildcard queries", () => {
    const p = compilePolicy(input({ roles, userRoles: [{ userId: "u", roleId: "r-admin" }] }))
    expect(p.check("nobody", "users:read")).toBe(false)
    expect(p.explain("nobody", "users:read")).toEqual({ allowed: false, decision: "default-deny", source: null })
    for (const q of ["users:*", "*:*", "users", "Users:read", "a:b:c", ""]) expect(p.check("u", q)).toBe(false)
  })

  it("team roles grant to members; explain names the team; direct roles and higher priority win the explanation", () => {
    const p = compilePolicy(
      input({
        roles,
        teams: [{ id: "t1", name: "Teachers" }],
        teamMembers: [
          { teamId: "t1", userId: "u1" },
          { teamId: "t1", userId: "u2" }
        ],
        teamRoles: [{ teamId: "t1", roleId: "r-teacher" }],
        userRoles: [{ userId: "u2", roleId: "r-low" }]
      })
    )
    expect(p.check("u1", "attendance:write")).toBe(true)
    expect(p.explain("u1", "attendance:write").source).toEqual({
      kind: "team_role",
      id: "r-teacher",
      name: "teacher",
      pattern: "attendance:write",
      team: { id: "t1", name: "Teachers" }
    })
    // u2 holds attendance:read directly (priority 10) and through the team (priority 60): priority first.
    expect(p.explain("u2", "attendance:read").source).toMatchObject({ kind: "team_role", name: "teacher" })
    expect(p.check("u3", "attendance:read")).toBe(false)
  })

  it("holds: a pattern is held only when granted whole and no deny cuts into it", () => {
    const p = compilePolicy(
      input({
        roles,
        userRoles: [
          { userId: "admin", roleId: "r-admin" },
          { userId: "limited", roleId: "r-admin" },
          { userId: "acad", roleId: "r-acad" }
        ],
        overrides: [{ userId: "limited", permission: "users:delete", effect: "deny" }]
      })
    )
    expect(p.holds("admin", "*:*")).toBe(true)
    expect(p.holds("limited", "*:*")).toBe(false)
    expect(p.holds("limited", "users:*")).toBe(false)
    expect(p.holds("limited", "roles:*")).toBe(true)
    expect(p.holds("acad", "academics:*")).toBe(true)
    expect(p.holds("acad", "*:*")).toBe(false)
    expect(p.holds("acad", "academics:read")).toBe(true)
  })

  it("grants and effective permissions list patterns with their sources", () => {
    const p = compilePolicy(
      input({
        roles,
        userRoles: [{ userId: "u", roleId: "r-teacher" }],
        overrides: [
          { userId: "u", permission: "attendance:write", effect: "deny" },
          { userId: "u", permission: "beacons:read", effect: "allow" }
        ]
      })
    )
    const g = p.grants("u")
    expect(g.deny.map((s) => s.pattern)).toEqual(["attendance:write"])
    expect(g.allow.map((s) => s.pattern)).toEqual(["attendance:read", "attendance:write", "beacons:read"])
    expect(p.effective("u", permissionsOf(corePermissions))).toEqual(["attendance:read", "beacons:read"])
  })

  it("compiles in one linear pass; role maps are shared by their holders; more than four roles are merged", () => {
    const userRoles = Array.from({ length: 5000 }, (_, i) => ({ userId: `u${i}`, roleId: "r-teacher" }))
    const p = compilePolicy(input({ roles, userRoles }))
    expect(p.subjectCount).toBe(5000)
    expect(p.ruleCount).toBe(5000 + 5)
    expect(p.check("u4999", "attendance:write")).toBe(true)
    // Five roles: one merged map; the explanation still prefers the most specific pattern, then priority.
    const many = compilePolicy(
      input({
        roles: [...roles, { id: "r-extra", name: "extra", priority: 5, permissions: ["beacons:read"] }],
        userRoles: ["r-admin", "r-teacher", "r-acad", "r-low", "r-extra"].map((roleId) => ({ userId: "m", roleId }))
      })
    )
    expect(many.check("m", "beacons:read")).toBe(true)
    expect(many.explain("m", "attendance:read").source).toMatchObject({ name: "teacher", pattern: "attendance:read" })
    expect(many.explain("m", "users:read").source).toMatchObject({ name: "admin", pattern: "*:*" })
  })

  it("scoped actors (API keys): a fixed permission set, no deny", () => {
    const scope = compileScope(["attendance:*", "users:read"])
    expect(checkScoped(scope, "attendance:write")).toBe(true)
    expect(checkScoped(scope, "users:read")).toBe(true)
    expect(checkScoped(scope, "users:write")).toBe(false)
    expect(checkScoped(["*:*"], "users:write")).toBe(true)
    expect(checkScoped(scope, "attendance:*")).toBe(false)
    expect(holdsScoped(scope, "attendance:*")).toBe(true)
    expect(holdsScoped(scope, "*:*")).toBe(false)
    expect(explainScoped(scope, "attendance:read", "key-1").source).toMatchObject({
      kind: "scope",
      id: "key-1",
      pattern: "attendance:*"
    })
  })
})

// ---------------------------------------------------------------------------
// Property: compiled engine ≡ naive reference on random rule sets
// ---------------------------------------------------------------------------

const RESOURCES = ["a", "b", "c"] as const
const ACTIONS = ["r", "w", "x"] as const
const CONCRETE = RESOURCES.flatMap((r) => ACTIONS.map((a) => `${r}:${a}`))
const PATTERNS = [...CONCRETE, ...RESOURCES.map((r) => `${r}:*`), "*:*"]
const USERS = ["u1", "u2", "u3", "u4"]
const ROLE_IDS = ["r1", "r2", "r3", "r4"]
const TEAM_IDS = ["t1", "t2", "t3"]
const QUERIES = [...CONCRETE, "a:*", "*:*", "A:r", "a", "a:r:x", ""]

/** Naive matcher, written independently of the engine. */
const refMatches = (pattern: string, permission: string): boolean => {
  const [pr, pa] = pattern.split(":")
  const [qr, qa] = permission.split(":")
  return (pr === "*" && pa === "*") || (pr === qr && (pa === "*" || pa === qa))
}

/** Naive decision: scan every rule. */
const reference = (rules: PolicyInput, userId: string, permission: string): "deny" | "allow" | "default-deny" => {
  if (!CONCRETE.includes(permission)) return "default-deny"
  const mine = rules.overrides.filter((o) => o.userId === userId)
  if (mine.some((o) => o.effect === "deny" && refMatches(o.permission, permission))) return "deny"
  if (mine.some((o) => o.effect === "allow" && refMatches(o.permission, permission))) return "allow"
  const roleIds = new Set(rules.userRoles.filter((u) => u.userId === userId).map((u) => u.roleId))
  for (const m of rules.teamMembers) {
    if (m.userId !== userId || !rules.teams.some((t) => t.id === m.teamId)) continue
    for (const tr of rules.teamRoles) if (tr.teamId === m.teamId) roleIds.add(tr.roleId)
  }
  const held = rules.roles.filter((r) => roleIds.has(r.id))
  return held.some((r) => r.permissions.some((p) => refMatches(p, permission))) ? "allow" : "default-deny"
}

const ruleSet: fc.Arbitrary<PolicyInput> = fc.record({
  roles: fc.uniqueArray(
    fc.record({
      id: fc.constantFrom(...ROLE_IDS),
      name: fc.constantFrom("alpha", "beta", "gamma"),
      priority: fc.integer({ min: 0, max: 3 }),
      permissions: fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 5 })
    }),
    { selector: (r) => r.id, maxLength: 4 }
  ),
  userRoles: fc.array(
    fc.record({ userId: fc.constantFrom(...USERS), roleId: fc.constantFrom(...ROLE_IDS, "r-unknown") }),
    { maxLength: 8 }
  ),
  teams: fc.uniqueArray(fc.record({ id: fc.constantFrom(...TEAM_IDS), name: fc.constantFrom("T", "U") }), {
    selector: (t) => t.id,
    maxLength: 3
  }),
  teamMembers: fc.array(
    fc.record({ teamId: fc.constantFrom(...TEAM_IDS, "t-unknown"), userId: fc.constantFrom(...USERS) }),
    { maxLength: 8 }
  ),
  teamRoles: fc.array(
    fc.record({ teamId: fc.constantFrom(...TEAM_IDS), roleId: fc.constantFrom(...ROLE_IDS, "r-unknown") }),
    { maxLength: 6 }
  ),
  overrides: fc.uniqueArray(
    fc.record({
      userId: fc.constantFrom(...USERS),
      permission: fc.constantFrom(...PATTERNS),
      effect: fc.constantFrom("allow" as const, "deny" as const)
    }),
    { selector: (o) => `${o.userId} ${o.permission}`, maxLength: 6 }
  )
})

describe("compiled policy ≡ naive reference (fast-check)", () => {
  it("check and explain agree with the reference on every user × query", () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        const policy = compilePolicy(rules)
        for (const user of [...USERS, "u-unknown"]) {
          for (const q of QUERIES) {
            const expected = reference(rules, user, q)
            const e = policy.explain(user, q)
            expect(policy.check(user, q)).toBe(expected === "allow")
            expect(e.decision).toBe(expected)
            expect(e.allowed).toBe(expected === "allow")
            if (expected === "default-deny") {
              expect(e.source).toBeNull()
              continue
            }
            // The named rule exists, applies to this user and covers the query.
            const src = e.source!
            expect(refMatches(src.pattern, q)).toBe(true)
            if (expected === "deny") {
              expect(src.kind).toBe("user_override")
              expect(rules.overrides).toContainEqual({ userId: user, permission: src.pattern, effect: "deny" })
            } else if (src.kind === "user_override") {
              expect(rules.overrides).toContainEqual({ userId: user, permission: src.pattern, effect: "allow" })
            } else {
              const role = rules.roles.find((r) => r.id === src.id)!
              expect(role.permissions).toContain(src.pattern)
              if (src.kind === "role") expect(rules.userRoles).toContainEqual({ userId: user, roleId: src.id })
              else {
                expect(rules.teamMembers).toContainEqual({ teamId: src.team!.id, userId: user })
                expect(rules.teamRoles).toContainEqual({ teamId: src.team!.id, roleId: src.id })
              }
            }
          }
        }
      }),
      { numRuns: 500 }
    )
  })

  it("holds(pattern) ≡ the pattern granted whole and no deny overlapping it", () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        const policy = compilePolicy(rules)
        for (const user of USERS) {
          for (const pattern of ["a:*", "b:*", "*:*"]) {
            const denies = rules.overrides.filter((o) => o.userId === user && o.effect === "deny")
            const overlaps = denies.some(
              (d) => d.permission === "*:*" || pattern === "*:*" || d.permission.startsWith(pattern.slice(0, -1))
            )
            const roleIds = new Set(rules.userRoles.filter((u) => u.userId === user).map((u) => u.roleId))
            for (const m of rules.teamMembers) {
              if (m.userId !== user || !rules.teams.some((t) => t.id === m.teamId)) continue
              for (const tr of rules.teamRoles) if (tr.teamId === m.teamId) roleIds.add(tr.roleId)
            }
            const granted = [
              ...rules.overrides.filter((o) => o.userId === user && o.effect === "allow").map((o) => o.permission),
              ...rules.roles.filter((r) => roleIds.has(r.id)).flatMap((r) => r.permissions)
            ]
            const whole = granted.includes("*:*") || granted.includes(pattern)
            expect(policy.holds(user, pattern)).toBe(whole && !overlaps)
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  it("effective permissions ≡ the known permissions the reference allows", () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        const policy = compilePolicy(rules)
        for (const user of USERS) {
          expect(policy.effective(user, CONCRETE)).toEqual(
            CONCRETE.filter((q) => reference(rules, user, q) === "allow")
          )
        }
      }),
      { numRuns: 200 }
    )
  })

  it("checkScoped ≡ some pattern of the scope matches", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 6 }), (patterns) => {
        const scope = compileScope(patterns)
        for (const q of QUERIES) {
          const expected = CONCRETE.includes(q) && patterns.some((p) => refMatches(p, q))
          expect(checkScoped(scope, q)).toBe(expected)
          expect(checkScoped(patterns, q)).toBe(expected)
        }
      }),
      { numRuns: 300 }
    )
  })
})
