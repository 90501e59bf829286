#!/usr/bin/env node
/**
 * API fuzzing (issue 8 §4): requests generated from the server's own
 * `/openapi.json` with fast-check, sent to a real server; every response must
 * be < 500, every 4xx an RFC 9457 problem (the contract of `expectProblem` in
 * `@signet/server/testing`), no body may leak a stack trace or SQL, and the
 * server must still answer `GET /ready` with 200 afterwards.
 *
 * This module is also the generator of `packages/server/test/fuzz.test.ts`
 * (1,000 cases in CI against `testServer("sqlite")`); run as a script it does
 * the full run against a real `signet serve` and writes the section
 * "API fuzzing" of docs/benchmarks.md:
 *
 *   node bench/fuzz.mjs [--runs 10000] [--seed 20261121]
 *
 * How a case is made: an operation of the document is picked; its path
 * parameters come mostly from the ids of a fixture built beforehand (tenant,
 * admin, school, classroom, group, users, courses, a signature, an excuse, a
 * role, a team, an API key, a feed, a beacon), otherwise random UUIDs or
 * garbage; its query parameters and JSON body come from a schema→arbitrary
 * mapper over the document's JSON Schemas (type, enum, const, format uuid
 * and date-time — the document's `Instant` and `*_at` strings count as
 * date-time —, minLength/maxLength, pattern via fc.stringMatching,
 * minimum/maximum, items, min/maxItems, required, properties,
 * anyOf/oneOf/allOf, $ref into components.schemas; id-like property names
 * draw from the fixture too). About half of the cases are then made invalid
 * by one mutation: a dropped required field, a value of the wrong type, an
 * extra field, an oversize string, a huge/negative/fractional number, unicode
 * garbage, malformed JSON, a wrong or missing Content-Type, a missing body, a
 * non-object body, a body streamed without Content-Length (as is or past the
 * body limit), a garbage or unencoded path segment, a real id of another kind
 * or tenant, bad query values, odd headers or a method the path does not
 * have. Credentials are mostly the fuzz tenant's admin (TOTP enabled and
 * stepped up, so role and grant changes are reached; the operator for
 * platform endpoints), otherwise a teacher, a student, an API key, none, or a
 * garbage/forged token. `knownCases` (cases that once failed) run first.
 *
 * What is kept away from the fixture, so that later cases still reach the
 * handlers instead of 401/404 (the endpoints are fuzzed all the same):
 * - `POST …/auth/logout` is sent only without a usable token (it would end
 *   the admin's, teacher's or student's session);
 * - `DELETE /tenants/{slug}` and `POST …/suspend` target only the second
 *   ("victim") tenant or random slugs (the fuzz tenant would stop answering);
 * - deletions of users, schools, classrooms, groups, courses, roles, teams,
 *   API keys and feeds, `…/users/{id}/disable`, `…/users/{id}/password`
 *   (revokes the user's sessions) and `…/beacons/{id}/revoke` use spare
 *   objects made for that purpose (or random ids), never the live fixture;
 * - the real password is offered only to the login endpoints (with it,
 *   `POST …/me/password` or `…/me/mfa/disable` could change the admin's
 *   credentials and revoke its session);
 * - the admin's own user id and the built-in roles are not in the id pools
 *   (disabling the admin or stripping its role would turn the rest into 403s).
 * Not reached: endpoints needing a beacon token (`/api/v1/beacon/proofs`,
 * `…/telemetry`, `…/keys/rotate`) are only sent without one or with garbage.
 */
import { createHmac, generateKeyPairSync } from "node:crypto"
import fc from "fast-check"

/** Password of every fixture account. */
export const PASSWORD = "fuzzing passphrase 2026"

// ---------------------------------------------------------------------------
// Schema → arbitrary
// ---------------------------------------------------------------------------

const refName = (ref) => ref.split("/").pop()

/**
 * The schema with `$ref` and `allOf` merged in (siblings of a `$ref` win, as
 * in OpenAPI 3.1), plus the name of the last component it came from.
 */
export const resolveSchema = (spec, schema, seen = 0) => {
  if (!schema || typeof schema !== "object" || seen > 20) return { schema: schema ?? {}, name: undefined }
  let name
  let out = { ...schema }
  if (out.$ref) {
    const { $ref, ...rest } = out
    name = refName($ref)
    const target = resolveSchema(spec, spec.components.schemas[name], seen + 1)
    out = { ...target.schema, ...rest }
  }
  if (out.allOf) {
    const { allOf, ...rest } = out
    let merged = {}
    for (const part of allOf) {
      const r = resolveSchema(spec, part, seen + 1)
      name ??= r.name
      merged = { ...merged, ...r.schema, required: [...(merged.required ?? []), ...(r.schema.required ?? [])] }
    }
    out = { ...merged, ...rest }
  }
  return { schema: out, name }
}

const typesOf = (s) => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : [])

/**
 * Strings generated for a regular expression. fast-check does not do
 * lookarounds, so they are removed for generation; a string that then misses
 * the full pattern or the length bounds is replaced by one sampled that does.
 */
const patterns = new Map()
const patternArb = (pattern, minLength = 0, maxLength = Number.POSITIVE_INFINITY) => {
  const key = `${pattern}\u0000${minLength}\u0000${maxLength}`
  if (!patterns.has(key)) patterns.set(key, makePatternArb(pattern, minLength, maxLength))
  return patterns.get(key)
}
const makePatternArb = (pattern, minLength, maxLength) => {
  const re = new RegExp(pattern)
  const ok = (s) => re.test(s) && s.length >= minLength && s.length <= maxLength
  const arb = fc.stringMatching(new RegExp(pattern.replace(/\(\?[=!](?:[^()]|\([^()]*\))*\)/g, "")), { size: "small" })
  const example = fc.sample(arb, { numRuns: 500, seed: 1 }).find(ok)
  return example === undefined ? arb : arb.map((s) => (ok(s) ? s : example))
}

const MINUTE = 60_000
/** ISO instants around `now`, with the odd far past/future one. */
const instantArb = (now) =>
  fc
    .oneof(
      { weight: 8, arbitrary: fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }) },
      { weight: 1, arbitrary: fc.integer({ min: -60 * 24 * 365 * 60, max: 60 * 24 * 365 * 60 }) }
    )
    .map((m) => new Date(now + m * MINUTE).toISOString())

/**
 * The arbitrary of valid values of a schema. `hint(name)` may return an
 * arbitrary for a property or parameter name (fixture ids, known logins);
 * it is used about three times in four.
 */
export const schemaArb = (spec, schema, ctx, name, depth = 0) => {
  const { schema: s, name: component } = resolveSchema(spec, schema)
  const plain = baseArb(spec, s, component, ctx, name, depth)
  const hinted = name && !typesOf(s).includes("array") ? ctx.hint?.(name) : undefined
  return hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: plain }) : plain
}

const baseArb = (spec, s, component, ctx, name, depth) => {
  if ("const" in s) return fc.constant(s.const)
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum)
  const branches = s.anyOf ?? s.oneOf
  if (Array.isArray(branches) && branches.length > 0) {
    const { anyOf: _a, oneOf: _o, ...rest } = s
    return fc.oneof(...branches.map((b) => schemaArb(spec, { ...rest, ...b }, ctx, name, depth + 1)))
  }
  const types = typesOf(s)
  if (types.length > 1)
    return fc.oneof(...types.map((t) => baseArb(spec, { ...s, type: t }, component, ctx, name, depth)))
  switch (types[0]) {
    case "null":
      return fc.constant(null)
    case "boolean":
      return fc.boolean()
    case "integer":
      return fc.integer({
        min: Math.max(s.minimum ?? -1000, Number.MIN_SAFE_INTEGER),
        max: Math.min(s.maximum ?? 1000, Number.MAX_SAFE_INTEGER)
      })
    case "number":
      return fc.double({
        min: s.minimum ?? -1000,
        max: s.maximum ?? 1000,
        noNaN: true,
        noDefaultInfinity: true
      })
    case "string":
      return stringArb(s, component, ctx, name)
    case "array": {
      const min = s.minItems ?? 0
      const items = schemaArb(spec, s.items ?? {}, ctx, name?.replace(/_ids$/, "_id").replace(/s$/, ""), depth + 1)
      return fc.array(items, { minLength: min, maxLength: Math.min(s.maxItems ?? 4, min + 4) })
    }
    case "object":
      return objectArb(spec, s, ctx, depth)
    default:
      // An unconstrained value (`unknown`, e.g. a setting's value).
      return fc.oneof(
        fc.integer({ min: -5, max: 200 }),
        fc.boolean(),
        fc.constantFrom("late", "refuse", "UTC", "Europe/Paris", "en", "fr-FR"),
        fc.jsonValue({ maxDepth: 2 })
      )
  }
}

const stringArb = (s, component, ctx, name) => {
  if (component === "Instant" || s.format === "date-time" || /(_at|^from|^to)$/.test(name ?? ""))
    return instantArb(ctx.now)
  if (s.format === "uuid") return fc.uuid()
  if (s.format === "binary") return fc.string({ maxLength: 64 })
  if (typeof s.pattern === "string") return patternArb(s.pattern, s.minLength, s.maxLength)
  if (/email|^login$/.test(name ?? "")) return fc.emailAddress()
  const minLength = s.minLength ?? 0
  return fc.string({ minLength, maxLength: Math.min(s.maxLength ?? 24, minLength + 24) })
}

const objectArb = (spec, s, ctx, depth) => {
  const props = s.properties ?? {}
  const keys = Object.keys(props)
  if (keys.length === 0 || depth > 6) return fc.constant({})
  const required = (s.required ?? []).filter((k) => k in props)
  const model = Object.fromEntries(keys.map((k) => [k, schemaArb(spec, props[k], ctx, k, depth + 1)]))
  return fc.record(model, { requiredKeys: required })
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/** Every node of a value with the schema that describes it (when known). */
const nodesOf = (spec, value, schema, path = [], out = []) => {
  const s = schema ? resolveSchema(spec, schema).schema : undefined
  out.push({ path, value, schema: s })
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) nodesOf(spec, v, s?.items, [...path, i], out)
  } else if (value !== null && typeof value === "object") {
    const branch = s?.properties ? s : (s?.anyOf ?? s?.oneOf ?? []).map((b) => resolveSchema(spec, b).schema)
    const object = Array.isArray(branch) ? branch.find((b) => b.properties) : branch
    for (const [k, v] of Object.entries(value)) nodesOf(spec, v, object?.properties?.[k], [...path, k], out)
  }
  return out
}

const setAt = (root, path, f) => {
  if (path.length === 0) return f(root)
  const copy = Array.isArray(root) ? [...root] : { ...root }
  copy[path[0]] = setAt(root[path[0]], path.slice(1), f)
  return copy
}

const defineKey = (object, key, value) => {
  const copy = { ...object }
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  return copy
}

const kindOf = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)

const WRONG_VALUES = [0, -1, 1.5, "text", "", true, false, null, [], [1, "a"], {}, { a: 1 }]
const HUGE_NUMBERS = [1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 1e21, -1, -0, 0.5, 5e-324, 99999999999, -2147483649]
/** Strings no handler should choke on. */
export const UNICODE = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil\u202c",
  "👩‍👩‍👧‍👦",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗",
  "\ufeffbom",
  "İıﬀß\u00a0",
  "𝕊𝕚𝕘𝕟𝕖𝕥",
  "日本語のテキスト",
  "\r\n\t\u000b\u0085\u2028",
  "%00%2e%2e%2f",
  "$" + "{jndi:ldap://x/a}",
  "<script>alert(1)</script>",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "../../../../etc/passwd",
  "\\",
  '"',
  "null",
  "NaN",
  "1e309",
  " ",
  "   padded   "
]

/** Malformed JSON texts. */
const MALFORMED = [
  "",
  "{",
  "}",
  "{not json",
  '{"a":1,}',
  "{'a':1}",
  '{"a":',
  "nul",
  "NaN",
  "[1,2",
  '{"a":1}garbage',
  '{"a":"\\ud800"',
  '{"a":"\\x41"}',
  "\ufeff{}",
  "\u0000",
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  `{"a":${"1".repeat(400)}}`,
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}'
]

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/json; charset=utf-16",
  "application/jsonx",
  "text/calendar",
  "application/zip",
  "*/*",
  "invalid"
]

const EXTRA_KEYS = ["__proto__", "constructor", "tenant_id", "id", "is_admin", "role", "", "a".repeat(300), "x"]

/** Garbage for path segments (URL-encoded when sent). */
export const GARBAGE_IDS = [
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "not-a-uuid",
  "-1",
  "0",
  "99999999999999999999",
  "1e309",
  "a".repeat(300),
  "../..",
  "%2e%2e",
  "*",
  "me",
  "null",
  "' OR 1=1 --",
  "日本",
  "\u0000",
  "👩‍👩‍👧‍👦",
  " "
]

const BODY_MUTATIONS = [
  "drop-required",
  "wrong-type",
  "extra-field",
  "oversize-string",
  "huge-number",
  "unicode",
  "malformed-json",
  "wrong-content-type",
  "no-body",
  "non-object-body",
  "chunked-body"
]
const OTHER_MUTATIONS = ["garbage-path-param", "cross-resource-id", "bad-query", "odd-headers", "wrong-method"]

/** Applies a body mutation to a valid JSON value; returns the body to send. */
const mutateBody = (spec, schema, value, kind, r) => {
  const nodes = nodesOf(spec, value, schema)
  const pick = (xs) => (xs.length > 0 ? xs[r.n % xs.length] : undefined)
  const nonRoot = nodes.filter((x) => x.path.length > 0)
  const json = (v) => ({ json: v })
  switch (kind) {
    case "drop-required": {
      const withRequired = nodes.filter(
        (x) => kindOf(x.value) === "object" && (x.schema?.required ?? []).some((k) => k in x.value)
      )
      const node = pick(withRequired)
      if (!node) return json([])
      const present = node.schema.required.filter((k) => k in node.value)
      const key = present[r.m % present.length]
      return json(
        setAt(value, node.path, (o) => {
          const { [key]: _, ...rest } = o
          return rest
        })
      )
    }
    case "wrong-type": {
      const node = pick(nonRoot) ?? nodes[0]
      const expected = typesOf(node.schema ?? {})
      const candidates = WRONG_VALUES.filter(
        (v) => !expected.includes(kindOf(v) === "number" ? (Number.isInteger(v) ? "integer" : "number") : kindOf(v))
      )
      return json(setAt(value, node.path, () => candidates[r.m % candidates.length]))
    }
    case "extra-field": {
      const node = pick(nodes.filter((x) => kindOf(x.value) === "object"))
      if (!node) return json({ value, extra: 1 })
      return json(setAt(value, node.path, (o) => defineKey(o, EXTRA_KEYS[r.m % EXTRA_KEYS.length], r.extra)))
    }
    case "oversize-string": {
      const strings = nodes.filter((x) => typeof x.value === "string" || typesOf(x.schema ?? {}).includes("string"))
      const node = pick(strings)
      const max = node?.schema?.maxLength
      // Just over the schema's limit when it has a reasonable one, else past the 64 KiB body limit.
      const length = max !== undefined && max < 10_000 ? max + 1 + (r.m % 3) : [5_000, 20_000, 70_000][r.m % 3]
      const big = "x".repeat(length)
      if (!node) return kindOf(value) === "object" ? json(defineKey(value, "name", big)) : json(big)
      return json(setAt(value, node.path, () => big))
    }
    case "huge-number": {
      const numbers = nodes.filter(
        (x) => typeof x.value === "number" || typesOf(x.schema ?? {}).some((t) => t === "integer" || t === "number")
      )
      const node = pick(numbers) ?? pick(nonRoot) ?? nodes[0]
      return json(setAt(value, node.path, () => HUGE_NUMBERS[r.m % HUGE_NUMBERS.length]))
    }
    case "unicode": {
      const strings = nodes.filter((x) => typeof x.value === "string")
      const node = pick(strings) ?? pick(nonRoot) ?? nodes[0]
      return json(setAt(value, node.path, () => r.unicode))
    }
    case "malformed-json":
      return { raw: MALFORMED[r.m % MALFORMED.length], contentType: "application/json" }
    case "wrong-content-type":
      return {
        raw: JSON.stringify(value) ?? "",
        contentType: WRONG_CONTENT_TYPES[r.m % WRONG_CONTENT_TYPES.length]
      }
    case "no-body":
      return undefined
    case "non-object-body":
      return json([[], "text", 42, null, true, [value]][r.m % 6])
    case "chunked-body":
      // Streamed without Content-Length: as is, or padded past the body limits (64 KiB in tests, 1 MiB by default).
      return { json: value, chunked: true, padding: [0, 70_000, 1_100_000][r.m % 3] }
    default:
      return json(value)
  }
}

// ---------------------------------------------------------------------------
// Operations and cases
// ---------------------------------------------------------------------------

const METHODS = ["get", "post", "put", "patch", "delete"]

/** Every operation of the document, as `{ key, method, path, op }`. */
export const operationsOf = (spec) =>
  Object.entries(spec.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({
      key: `${m.toUpperCase()} ${path}`,
      method: m.toUpperCase(),
      path,
      op: item[m],
      methods: METHODS.filter((x) => item[x]).map((x) => x.toUpperCase())
    }))
  )

/** Operations whose path ids must come from the spare objects (they destroy or lock out what they touch). */
const DESTRUCTIVE =
  /^(DELETE \/api\/v1\/tenants\/\{slug\}\/(users|schools|classrooms|groups|courses|roles|teams|api-keys|feeds)\/\{id\}$|DELETE \/api\/v1\/tenants\/\{slug\}\/users\/\{id\}\/mfa$|POST \/api\/v1\/tenants\/\{slug\}\/(users\/\{id\}\/(disable|password)|beacons\/\{id\}\/revoke)$)/
/** Tenant lifecycle operations kept off the fuzz tenant. */
const TENANT_KILLERS = new Set(["DELETE /api/v1/tenants/{slug}", "POST /api/v1/tenants/{slug}/suspend"])
/** Sent only without a usable token. */
const SESSION_KILLERS = new Set(["POST /api/v1/tenants/{slug}/auth/logout"])
/** Operations that get the real password in their bodies. */
const LOGINS = /\/auth\/login$/

/** The fixture pool a path parameter draws from. */
const resourceOf = (path, param) => {
  if (param === "slug" || param === "key" || param === "permission" || param === "file") return param
  if (param === "userId") return "user"
  if (param === "roleId") return "role"
  if (param === "studentId") return "student"
  const segments = path.split("/")
  const before = segments[segments.indexOf(`{${param}}`) - 1]
  return (
    {
      users: "user",
      roles: "role",
      teams: "team",
      schools: "school",
      classrooms: "classroom",
      groups: "group",
      courses: "course",
      "api-keys": "apikey",
      feeds: "feed",
      signatures: "signature",
      excuses: "excuse",
      beacons: "beacon",
      students: "student",
      sessions: "session",
      events: "event"
    }[before] ?? "any"
  )
}

/** Operations for the platform operator (tenants, settings, audit log, event outbox). */
const platformOp = (op) => (op.tags ?? []).some((t) => /^(Tenants|Events|Platform|Audit)\b/.test(t))
const isPublic = (op) => Array.isArray(op.security) && op.security.length === 0

/** Who a case authenticates as. */
const authArb = (entry, ctx) => {
  const garbage = fc.integer({ min: 0, max: ctx.garbageTokens.length - 1 }).map((i) => `garbage:${i}`)
  if (SESSION_KILLERS.has(entry.key)) return fc.oneof(fc.constant("none"), garbage)
  if (entry.path.startsWith("/api/v1/beacon/")) return fc.oneof(fc.constant("none"), garbage, fc.constant("admin"))
  if (isPublic(entry.op))
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant("none") },
      { weight: 2, arbitrary: garbage },
      {
        weight: 1,
        arbitrary: fc.constant("admin")
      }
    )
  if (platformOp(entry.op))
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant("operator") },
      { weight: 2, arbitrary: fc.constant("admin") },
      { weight: 1, arbitrary: fc.constant("none") },
      { weight: 2, arbitrary: garbage }
    )
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant("admin") },
    { weight: 2, arbitrary: fc.constant("teacher") },
    { weight: 2, arbitrary: fc.constant("student") },
    { weight: 1, arbitrary: fc.constant("apikey") },
    { weight: 1, arbitrary: fc.constant("operator") },
    { weight: 1, arbitrary: fc.constant("none") },
    { weight: 2, arbitrary: garbage }
  )
}

/** Path segments sent as they are, not URL-encoded: bad percent-escapes, an encoded slash, a matrix parameter. */
const RAW_SEGMENTS = ["%zz", "%", "%ff%fe", "%ED%A0%80", "a%2Fb", "%00", "..;", "a;b=c", "%252e%252e"].map((raw) => ({
  raw
}))

const garbageArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...GARBAGE_IDS) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  { weight: 1, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: "binary" }) }
)

const pathParamArb = (entry, param, ctx) => {
  const resource = resourceOf(entry.path, param)
  if (resource === "slug") {
    if (TENANT_KILLERS.has(entry.key))
      return fc.oneof({ weight: 6, arbitrary: fc.constant(ctx.victim) }, { weight: 1, arbitrary: garbageArb })
    return fc.oneof(
      { weight: 18, arbitrary: fc.constant(ctx.slug) },
      { weight: platformOp(entry.op) ? 4 : 1, arbitrary: fc.constant(ctx.victim) },
      { weight: 1, arbitrary: fc.constantFrom("nope", "FUZZ", `${ctx.slug}-x`) },
      { weight: 1, arbitrary: garbageArb }
    )
  }
  const pool = ctx.pools[resource]
  const ids = DESTRUCTIVE.test(entry.key) ? pool?.spare : [...(pool?.live ?? []), ...(pool?.spare ?? [])]
  const random = fc.oneof(
    fc.uuid(),
    fc.uuid().map((u) => u.toUpperCase()),
    garbageArb
  )
  if (!ids || ids.length === 0) return random
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ids) }, { weight: 2, arbitrary: random })
}

/** Query values that break their parameter. */
const BAD_QUERY = ["-1", "0", "1e9", "99999999999999999999", "abc", "", "true", "2026-02-30T25:61:00Z", "%zz", "\u0000"]

const queryArb = (spec, entry, ctx) => {
  const params = (entry.op.parameters ?? []).filter((p) => p.in === "query")
  if (params.length === 0) return fc.constant([])
  return fc
    .tuple(
      ...params.map((p) =>
        fc.record({
          present: p.required ? fc.constant(true) : fc.boolean(),
          value: schemaArb(spec, p.schema ?? {}, ctx, p.name).map(String)
        })
      )
    )
    .map((vs) => vs.flatMap((v, i) => (v.present ? [[params[i].name, v.value]] : [])))
}

const headersArb = fc
  .record(
    {
      "x-request-id": fc.oneof(fc.constantFrom("fuzz-1", "<script>", "a".repeat(200), "é"), fc.uuid()),
      accept: fc.constantFrom("application/xml", "text/csv", "*/*", "application/problem+json", "garbage/;;"),
      "accept-encoding": fc.constantFrom("gzip", "br", "identity;q=0", "*"),
      "x-forwarded-for": fc.constantFrom("1.2.3.4", "evil, 10.0.0.1", "::1", "not-an-ip"),
      "idempotency-key": fc.string({ minLength: 0, maxLength: 300 }),
      origin: fc.constantFrom("https://evil.example", "null"),
      "user-agent": fc.constantFrom("x".repeat(4000), "curl/8", ""),
      range: fc.constantFrom("bytes=0-1", "bytes=-1", "garbage")
    },
    { requiredKeys: [] }
  )
  .map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "?")])))

/** Content of the non-JSON uploads (OneRoster zip, iCalendar). */
const uploadArb = (contentType, ctx) => {
  if (contentType === "application/zip")
    return fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.uint8Array({ maxLength: 256 }).map((b) => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...b])),
      fc.constant(new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]))
    )
  const line = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, " "))
  const event = fc
    .record({ start: instantArb(ctx.now), minutes: fc.integer({ min: -60, max: 600 }), summary: line, bad: line })
    .map(({ start, minutes, summary, bad }) => {
      const ics = (iso) => iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "")
      const end = new Date(Date.parse(start) + minutes * MINUTE).toISOString()
      return `BEGIN:VEVENT\r\nUID:${bad}\r\nDTSTART:${ics(start)}\r\nDTEND:${ics(end)}\r\nSUMMARY:${summary}\r\nLOCATION:101\r\nEND:VEVENT\r\n`
    })
  return fc.oneof(
    fc.array(event, { maxLength: 3 }).map((es) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${es.join("")}END:VCALENDAR\r\n`),
    fc.string({ maxLength: 200 }),
    fc.constantFrom("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", "END:VCALENDAR", "")
  )
}

/** The path parameter a mutation replaces: mostly not the tenant slug (that would end at TenantNotFound). */
const paramIndex = (names, r) => {
  const others = names.map((n, i) => (n === "slug" ? -1 : i)).filter((i) => i >= 0)
  return others.length > 0 && r.m % 4 !== 0 ? others[r.n % others.length] : r.n % names.length
}

/**
 * `encodeURIComponent`, except that a lone surrogate is sent as its (invalid)
 * UTF-8 bytes instead of throwing, and a `{ raw }` segment is sent unencoded.
 */
const encodeSegment = (s) =>
  typeof s === "object"
    ? s.raw
    : [...s]
        .map((ch) => {
          const cp = ch.codePointAt(0)
          if (cp < 0xd800 || cp > 0xdfff) return encodeURIComponent(ch)
          return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
            .map((b) => `%${b.toString(16).toUpperCase()}`)
            .join("")
        })
        .join("")

/**
 * Cases that once failed, run before the generated ones (fast-check
 * `examples`) so that the CI run always covers them:
 * a `multipart/form-data` body that is not multipart (was a 500),
 * JSON nested 5,000 deep (was a 500: stack overflow formatting the decode
 * error), a body streamed without Content-Length past the body limit (was a
 * reset connection, no response).
 */
export const knownCases = (ctx) => {
  const base = { query: [], headers: {}, mutation: "known" }
  const login = `/api/v1/tenants/${ctx.slug}/auth/login`
  const loginKey = "POST /api/v1/tenants/{slug}/auth/login"
  return [
    {
      ...base,
      key: loginKey,
      method: "POST",
      path: login,
      auth: "none",
      body: { raw: '{"login":"a@b.example","password":"x"}', contentType: "multipart/form-data; boundary=x" }
    },
    {
      ...base,
      key: "POST /api/v1/tenants/{slug}/schools",
      method: "POST",
      path: `/api/v1/tenants/${ctx.slug}/schools`,
      auth: "admin",
      body: { raw: `${"[".repeat(5000)}${"]".repeat(5000)}`, contentType: "application/json" }
    },
    {
      ...base,
      key: loginKey,
      method: "POST",
      path: login,
      auth: "none",
      body: { json: { login: "a@b.example", password: "x" }, chunked: true, padding: 1_100_000 }
    }
  ]
}

/**
 * The arbitrary of cases: `{ key, method, path, query, headers, auth, body, mutation }`
 * where `body` is `undefined`, `{ json }` or `{ raw, contentType }`.
 */
export const casesArb = (spec, ctx) => {
  const entries = operationsOf(spec)
  const perOp = entries.map((entry) => caseArb(spec, entry, ctx))
  return fc.noBias(fc.integer({ min: 0, max: perOp.length - 1 })).chain((i) => perOp[i])
}

const caseArb = (spec, entry, ctx) => {
  const pathParams = (entry.op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name)
  const content = entry.op.requestBody?.content ?? {}
  const contentType = Object.keys(content)[0]
  const bodySchema = contentType ? content[contentType].schema : undefined
  const json = contentType === "application/json"
  const bodyCtx = { ...ctx, hint: (name) => ctx.hint(name, entry.path) }
  const mutations = [...(contentType ? BODY_MUTATIONS : []), ...OTHER_MUTATIONS]
  return fc
    .record({
      mutation: fc.oneof(
        { weight: 1, arbitrary: fc.constant("none") },
        { weight: 1, arbitrary: fc.constantFrom(...mutations) }
      ),
      auth: authArb(entry, ctx),
      params: fc.tuple(...pathParams.map((p) => pathParamArb(entry, p, ctx))),
      query: queryArb(spec, entry, ctx),
      body: !contentType
        ? fc.constant(undefined)
        : json
          ? schemaArb(spec, bodySchema, bodyCtx)
          : uploadArb(contentType, ctx),
      r: fc.record({
        n: fc.nat(),
        m: fc.nat(),
        extra: fc.jsonValue({ maxDepth: 1 }),
        unicode: fc.oneof(fc.constantFrom(...UNICODE), fc.string({ maxLength: 40, unit: "binary" })),
        garbage: garbageArb,
        bad: fc.constantFrom(...BAD_QUERY),
        headers: headersArb
      })
    })
    .map(({ mutation, auth, params, query, body, r }) => {
      let method = entry.method
      const values = [...params]
      let sentBody = body === undefined ? undefined : json ? { json: body } : { raw: body, contentType }
      let headers = {}
      if (BODY_MUTATIONS.includes(mutation)) {
        sentBody = json
          ? mutateBody(spec, bodySchema, body, mutation, r)
          : mutation === "no-body"
            ? undefined
            : mutation === "wrong-content-type" || mutation === "malformed-json"
              ? { raw: typeof body === "string" ? body : "{}", contentType: "application/json" }
              : { raw: typeof body === "string" ? `${body}${r.unicode}` : body, contentType }
      } else if (mutation === "garbage-path-param" && values.length > 0) {
        values[paramIndex(pathParams, r)] = r.garbage
      } else if (mutation === "cross-resource-id" && values.length > 0) {
        // A real id of another kind (or of the other tenant) where this one is expected.
        values[paramIndex(pathParams, r)] = ctx.crossIds[r.m % ctx.crossIds.length]
      } else if (mutation === "bad-query") {
        const names = (entry.op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)
        const name = names.length > 0 ? names[r.n % names.length] : "limit"
        query = [...query.filter(([k]) => k !== name), [name, r.bad], ...(r.m % 2 ? [[name, "1"]] : []), ["x", r.bad]]
      } else if (mutation === "odd-headers") {
        headers = r.headers
      } else if (mutation === "wrong-method") {
        const others = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].filter(
          (m) => !entry.methods.includes(m)
        )
        if (others.length > 0) method = others[r.n % others.length]
      }
      if (method === "GET" || method === "HEAD") sentBody = undefined
      const path = entry.path.replace(/\{([^}]+)\}/g, (_, name) =>
        encodeSegment(values[pathParams.indexOf(name)] ?? "")
      )
      return { key: entry.key, method, path, query, headers, auth, body: sentBody, mutation }
    })
}

// ---------------------------------------------------------------------------
// Sending and checking
// ---------------------------------------------------------------------------

/** The Authorization header of a case. */
const authorization = (ctx, auth) => {
  if (auth === "none") return undefined
  if (auth.startsWith("garbage:")) return ctx.garbageTokens[Number(auth.slice(8))]
  return `Bearer ${ctx.tokens[auth]}`
}

/** The URL of a case. */
export const urlOf = (base, c) =>
  `${base}${c.path}${c.query.length > 0 ? `?${new URLSearchParams(c.query).toString()}` : ""}`

/** Sends a case; resolves to `{ status, contentType, text, ms }` or `{ error }`. */
export const send = async (base, ctx, c) => {
  const headers = { ...c.headers }
  const auth = authorization(ctx, c.auth)
  if (auth !== undefined) headers.authorization = auth
  let body
  let duplex
  if (c.body?.chunked) {
    headers["content-type"] = "application/json"
    const value =
      c.body.padding > 0 && kindOf(c.body.json) === "object"
        ? defineKey(c.body.json, "padding", "x".repeat(c.body.padding))
        : c.body.padding > 0
          ? { value: c.body.json, padding: "x".repeat(c.body.padding) }
          : c.body.json
    const bytes = new TextEncoder().encode(JSON.stringify(value))
    let at = 0
    body = new ReadableStream({
      pull(controller) {
        if (at >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(at, (at += 16_384)))
      }
    })
    duplex = "half"
  } else if (c.body?.json !== undefined) {
    headers["content-type"] = "application/json"
    body = JSON.stringify(c.body.json)
  } else if (c.body?.raw !== undefined) {
    if (c.body.contentType) headers["content-type"] = c.body.contentType
    body = c.body.raw
  }
  const t0 = performance.now()
  try {
    const res = await fetch(urlOf(base, c), {
      method: c.method,
      headers,
      body,
      ...(duplex ? { duplex } : {}),
      signal: AbortSignal.timeout(15_000)
    })
    const text = await res.text()
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text, ms: performance.now() - t0 }
  } catch (e) {
    return { error: String(e?.cause ?? e), ms: performance.now() - t0 }
  }
}

/** Members every problem has: the contract of `expectProblem` (packages/server/src/testing.ts). */
export const PROBLEM_MEMBERS = ["type", "title", "status", "detail", "instance", "code", "request_id"]
/** The leak check of `expectProblem`, plus more SQL and stack-trace shapes. */
const LEAKS = [
  /at .*\.(ts|js):\d+|SELECT |INSERT /,
  /\n\s+at \S/,
  /node:internal|node_modules\//,
  /\b(UPDATE \w+ SET|DELETE FROM|INSERT INTO)\b/,
  /SQLITE_[A-Z]+|SqliteError|no such (table|column)|syntax error at or near/,
  /violates (foreign key|unique|not-null|check) constraint|duplicate key value/
]

/**
 * What is wrong with a response, as messages (empty when it is fine):
 * status ≥ 500, a 4xx that is not a problem of the `expectProblem` shape
 * with `status` equal to the HTTP status, a stack trace or SQL in the body.
 */
export const violations = (c, res) => {
  if (res.error) return [`no response: ${res.error}`]
  const out = []
  if (res.status >= 500) out.push(`server error ${res.status}`)
  if (res.status >= 400 && c.method !== "HEAD") {
    if (!res.contentType.startsWith("application/problem+json"))
      out.push(`${res.status} with content-type "${res.contentType}", not application/problem+json`)
    let body
    try {
      body = JSON.parse(res.text)
    } catch {
      out.push(`${res.status} body is not JSON`)
    }
    if (body !== undefined) {
      const missing = PROBLEM_MEMBERS.filter((k) => !(body !== null && typeof body === "object" && k in body))
      if (missing.length > 0) out.push(`problem body lacks ${missing.join(", ")}`)
      else if (body.status !== res.status) out.push(`problem status ${body.status} differs from HTTP ${res.status}`)
    }
  }
  const sent = `${c.path} ${JSON.stringify(c.query)} ${c.body?.json !== undefined ? JSON.stringify(c.body.json) : typeof c.body?.raw === "string" ? c.body.raw : ""}`
  for (const re of LEAKS) {
    const m = re.exec(res.text)
    if (m && !sent.includes(m[0])) out.push(`body leaks internals (${JSON.stringify(m[0])})`)
  }
  return out
}

/** Long runs of one character shortened to `c…(×n)`, then the whole cut at `n` characters. */
const clip = (s, n = 1500) => {
  const short = s.replace(/([\s\S])\1{39,}/g, (run, ch) => `${ch}…(×${run.length})`)
  return short.length > n ? `${short.slice(0, n)}… (${s.length} chars)` : short
}

/** A case and its response, for failure messages. */
export const describe = (c, res) => {
  const body =
    c.body === undefined
      ? "(none)"
      : c.body.json !== undefined
        ? `application/json${c.body.chunked ? `, chunked (no Content-Length), plus a "padding" member of ${c.body.padding} characters:` : ""} ${clip(JSON.stringify(c.body.json))}`
        : `${c.body.contentType ?? "(no content-type)"} ${
            typeof c.body.raw === "string"
              ? clip(JSON.stringify(c.body.raw))
              : `<${c.body.raw.length} bytes: ${Buffer.from(c.body.raw).toString("hex").slice(0, 80)}>`
          }`
  const response = res.error ? `no response: ${res.error}` : `${res.status} ${res.contentType}\n    ${clip(res.text)}`
  return [
    `${c.method} ${urlOf("", c)}   [operation ${c.key}, mutation ${c.mutation}, auth ${c.auth}]`,
    `  headers: ${JSON.stringify(c.headers)}`,
    `  body: ${body}`,
    `  response: ${response}`
  ].join("\n")
}

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------

/** RFC 6238 TOTP code (SHA-1, 6 digits, 30 s) of a base32 secret for a time step. */
const totp = (secret, step) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  let bits = ""
  for (const ch of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0")
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => Number.parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac("sha1", key).update(counter).digest()
  const offset = mac[mac.length - 1] & 0xf
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0")
}

/**
 * Builds the state the cases run against and returns the generation context:
 * tokens, id pools (live objects and spare ones for destructive operations),
 * hints for body properties, and `now`.
 */
export const setup = async (base, operatorToken, { slug = "fuzz", victim = "fuzz-victim" } = {}) => {
  const call = async (method, path, token, body, expect = [200, 201]) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {})
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    if (!expect.includes(res.status)) throw new Error(`fuzz setup: ${method} ${path} → ${res.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  const now = Date.now()
  const T = `/api/v1/tenants/${slug}`
  const iso = (minutes) => new Date(now + minutes * MINUTE).toISOString()
  const adminEmail = `admin@${slug}.example.edu`
  for (const s of [slug, victim])
    await call("POST", "/api/v1/tenants", operatorToken, {
      slug: s,
      name: `Fuzz ${s}`,
      admin: { email: `admin@${s}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
    })
  const login = async (login, tenant = slug) =>
    (await call("POST", `/api/v1/tenants/${tenant}/auth/login`, undefined, { login, password: PASSWORD })).tokens
  const admin = (await login(adminEmail)).access_token
  const victimAdmin = (await login(`admin@${victim}.example.edu`, victim)).access_token
  const post = (path, body, token = admin) => call("POST", T + path, token, body)
  // Role and grant changes need a recent MFA verification: the admin enrols TOTP and steps up.
  const { secret } = await post("/me/mfa/totp", { password: PASSWORD })
  let lastStep = Math.floor(Date.now() / 30_000) - 1
  await post("/me/mfa/totp/confirm", { code: totp(secret, lastStep) })
  const stepUp = async () => {
    const step = Math.max(lastStep + 1, Math.floor(Date.now() / 30_000) - 1)
    const wait = step * 30_000 - 30_000 - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 50))
    lastStep = step
    await post("/auth/step-up", { code: totp(secret, step) })
  }
  await stepUp()
  await call("PUT", `${T}/settings/auth.step_up_minutes`, operatorToken, { value: 60 })
  const school = await post("/schools", { name: "Fuzz High", code: "FH", timezone: "Europe/Paris" })
  const spareSchool = await post("/schools", { name: "Spare school" })
  const room = await post("/classrooms", { school_id: school.id, name: "101", code: "101", capacity: 30 })
  const spareRoom = await post("/classrooms", { school_id: spareSchool.id, name: "S1", code: "S1" })
  const user = (email, user_type, school_id = school.id) =>
    post("/users", {
      email,
      given_name: "G",
      family_name: email.split("@")[0],
      user_type,
      password: PASSWORD,
      school_id
    })
  const teacher = await user(`teacher@${slug}.example.edu`, "teacher")
  const student = await user(`student@${slug}.example.edu`, "student")
  const student2 = await user(`student2@${slug}.example.edu`, "student")
  const spareUser = await user(`spare@${slug}.example.edu`, "student")
  const spareUser2 = await user(`spare2@${slug}.example.edu`, "teacher", spareSchool.id)
  const group = await post("/groups", { school_id: school.id, name: "2A", code: "2A" })
  const spareGroup = await post("/groups", { school_id: spareSchool.id, name: "S" })
  await call("PUT", `${T}/groups/${group.id}/members`, admin, { student_ids: [student.id, student2.id] })
  await call("PUT", `${T}/groups/${group.id}/teachers`, admin, { teacher_ids: [teacher.id] }, [200, 201, 204, 400])
  const course = await post("/courses", {
    school_id: school.id,
    name: "Maths",
    start_at: iso(-5),
    end_at: iso(120),
    teacher_ids: [teacher.id],
    classroom_ids: [room.id],
    group_ids: [group.id]
  })
  const past = await post("/courses", {
    school_id: school.id,
    name: "History",
    start_at: iso(-180),
    end_at: iso(-120),
    teacher_ids: [teacher.id],
    group_ids: [group.id]
  })
  const spareCourse = await post("/courses", {
    school_id: spareSchool.id,
    name: "Spare",
    start_at: iso(60),
    end_at: iso(120)
  })
  const teacherToken = (await login(teacher.email)).access_token
  const studentToken = (await login(student.email)).access_token
  const refresh = (await login(student2.email)).refresh_token
  const qr = await call("GET", `${T}/courses/${course.id}/qr`, teacherToken)
  const signature = await post("/signatures", { course_id: course.id, method: "QR", qr_code: qr.code }, studentToken)
  const excuse = await post("/excuses", { course_id: past.id, reason: "illness", note: "fever" }, studentToken)
  const role = await post("/roles", { name: "fuzz-role", permissions: ["academics:read"] })
  const spareRole = await post("/roles", { name: "spare-role" })
  await post(`/users/${student.id}/roles`, { role_id: role.id })
  const team = await post("/teams", { name: "Fuzz team" })
  const spareTeam = await post("/teams", { name: "Spare team" })
  await call("PUT", `${T}/teams/${team.id}/members/${teacher.id}`, admin, undefined, [200, 201, 204])
  const apiKey = await post("/api-keys", { name: "fuzz", permissions: ["academics:read", "users:read"] })
  const spareKey = await post("/api-keys", { name: "spare", permissions: ["academics:read"] })
  const feed = await post("/feeds", { kind: "group", subject_id: group.id })
  const spareFeed = await post("/feeds", { kind: "classroom", subject_id: room.id })
  await post("/permissions", { name: "fuzz:thing", description: "made by the fuzzer" })
  const code = (await post("/beacons/enrolment-codes", { classroom_id: room.id, name: "door" })).code
  const unusedCode = (await post("/beacons/enrolment-codes", { classroom_id: spareRoom.id })).code
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" })
  const beacon = await call("POST", "/api/v1/beacon/enroll", undefined, {
    code,
    alg: "ES256",
    public_jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
    firmware_version: "1.0.0"
  })
  const settings = await call("GET", `${T}/settings`, operatorToken)
  const foreignSchool = await call("POST", `/api/v1/tenants/${victim}/schools`, victimAdmin, { name: "Elsewhere" })
  const foreignCourse = await call("POST", `/api/v1/tenants/${victim}/courses`, victimAdmin, {
    school_id: foreignSchool.id,
    name: "Foreign",
    start_at: iso(-5),
    end_at: iso(55)
  })

  const pools = {
    user: { live: [teacher.id, student.id, student2.id], spare: [spareUser.id, spareUser2.id] },
    student: { live: [student.id, student2.id], spare: [] },
    school: { live: [school.id], spare: [spareSchool.id] },
    classroom: { live: [room.id], spare: [spareRoom.id] },
    group: { live: [group.id], spare: [spareGroup.id] },
    course: { live: [course.id, past.id], spare: [spareCourse.id] },
    role: { live: [role.id], spare: [spareRole.id] },
    team: { live: [team.id], spare: [spareTeam.id] },
    apikey: { live: [apiKey.api_key.id], spare: [spareKey.api_key.id] },
    feed: { live: [feed.feed.id], spare: [spareFeed.feed.id] },
    signature: { live: [signature.signature_id], spare: [] },
    excuse: { live: [excuse.id], spare: [] },
    beacon: { live: [beacon.beacon_id], spare: [] },
    key: { live: settings.map((s) => s.key), spare: [] },
    permission: { live: ["academics:read", "users:read", "fuzz:thing", "*:*", "academics:*"], spare: [] },
    file: { live: [feed.url.split("/").pop(), `${feed.feed.id}.ics`], spare: [] }
  }
  const idsOf = (resource) => fc.constantFrom(...pools[resource].live, ...pools[resource].spare)
  const bodyPools = {
    school_id: idsOf("school"),
    classroom_id: idsOf("classroom"),
    group_id: idsOf("group"),
    course_id: idsOf("course"),
    student_id: idsOf("student"),
    teacher_id: fc.constant(teacher.id),
    user_id: idsOf("user"),
    role_id: idsOf("role"),
    beacon_id: fc.constant(beacon.beacon_id),
    subject_id: fc.constantFrom(student.id, teacher.id, group.id, room.id),
    permission: idsOf("permission"),
    permissions: idsOf("permission"),
    tenant: fc.constantFrom(slug, victim),
    code: fc.constantFrom(unusedCode, `${slug}.garbage`),
    refresh_token: fc.constant(refresh),
    timezone: fc.constantFrom("Europe/Paris", "UTC", "America/New_York", "Mars/Olympus", "+02:00"),
    device_identifier: fc.constantFrom("phone-s", "phone-t"),
    // Never the real password outside the login endpoints (see the header).
    password: fc.string({ minLength: 12, maxLength: 40 }),
    new_password: fc.string({ minLength: 12, maxLength: 40 }),
    limit: fc.integer({ min: 0, max: 250 }).map(String),
    cursor: fc
      .constantFrom(
        ...Object.values(pools)
          .flatMap((p) => [...p.live, ...p.spare])
          .slice(0, 20)
      )
      .map((id) => Buffer.from(id).toString("base64url")),
    x: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url")),
    y: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url"))
  }
  const hint = (name, path) => {
    if (LOGINS.test(path) && name === "login")
      return fc.constantFrom(adminEmail, student.email, teacher.email, `admin@${victim}.example.edu`, "ghost@x.example")
    if (LOGINS.test(path) && name === "password") return fc.constant(PASSWORD)
    if (name === "code" && path !== "/api/v1/beacon/enroll") return undefined
    return bodyPools[name]
  }
  // Tokens: the first few garbage ones are plausible-looking forgeries.
  const [h, p, s] = studentToken.split(".")
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"))
  const forged = Buffer.from(JSON.stringify({ ...claims, user_type: "admin", roles: ["admin"] })).toString("base64url")
  const garbageTokens = [
    `Bearer ${h}.${forged}.${s}`,
    `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${forged}.`,
    `Bearer ${admin.slice(0, -4)}AAAA`,
    `Bearer ${victimAdmin}`,
    `Bearer ${operatorToken}x`,
    `Basic ${Buffer.from(`${adminEmail}:${PASSWORD}`).toString("base64")}`,
    "Bearer",
    "Bearer ",
    "bearer garbage",
    `Bearer ${"A".repeat(5000)}`,
    "Bearer a.b.c",
    "Token abc",
    `Bearer ${refresh}`,
    `Bearer ${apiKey.key}x`
  ]
  const tokens = {
    admin,
    teacher: teacherToken,
    student: studentToken,
    operator: operatorToken,
    apikey: apiKey.key
  }
  return {
    now,
    slug,
    victim,
    stepUp,
    tokens,
    garbageTokens,
    pools,
    hint,
    // Real ids of other kinds and of the other tenant, for `cross-resource-id`.
    crossIds: [school.id, room.id, group.id, course.id, student.id, role.id, foreignSchool.id, foreignCourse.id]
  }
}

/** GET /ready → its status (0 when the server does not answer). */
export const ready = async (base) => {
  try {
    return (await fetch(`${base}/ready`, { signal: AbortSignal.timeout(10_000) })).status
  } catch {
    return 0
  }
}

// ---------------------------------------------------------------------------
// The full run
// ---------------------------------------------------------------------------

/** A failure's kind, for grouping: the problems and what the request did to cause them. */
const failureKind = (c, problems) => {
  const what = problems.map((p) => (p.startsWith("no response") ? "no response" : p)).join("; ")
  const body = c.body ?? {}
  const trigger =
    body.chunked !== undefined
      ? `chunked body${body.padding > 0 ? ` padded by ${body.padding} characters` : ""}`
      : body.contentType && body.contentType !== "application/json"
        ? `Content-Type ${body.contentType.split(";")[0]}`
        : typeof body.raw === "string" && /^\[{20}/.test(body.raw)
          ? "JSON nested 5,000 deep"
          : c.mutation
  return `${what} ← ${trigger}`
}

const main = async () => {
  const { spawn, spawnSync } = await import("node:child_process")
  const Fs = await import("node:fs")
  const Os = await import("node:os")
  const Path = await import("node:path")
  const { fileURLToPath } = await import("node:url")
  const { writeSection } = await import("./report.mjs")
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`)
    return at < 0 ? fallback : Number(process.argv[at + 1])
  }
  const runs = arg("runs", 10_000)
  const seed = arg("seed", 20261121)
  // FUZZ_TRACE=<file>: one JSON line per case (operation, mutation, auth, status, problem code).
  const trace = process.env.FUZZ_TRACE ? (await import("node:fs")).createWriteStream(process.env.FUZZ_TRACE) : undefined

  const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
  const bin = Path.join(root, "packages/cli/bin/signet.js")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-fuzz-"))
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
    ),
    SIGNET_RATE_API_USER: "off",
    SIGNET_RATE_API_KEY: "off",
    SIGNET_LOG_LEVEL: "warn"
  }
  spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
  const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
  const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let exited = false
  server.on("exit", () => {
    exited = true
  })
  // Whatever happens below (a setup error included), do not leave the server running.
  process.on("exit", () => {
    if (!exited) server.kill("SIGKILL")
    Fs.rmSync(dir, { recursive: true, force: true })
  })
  let log = ""
  server.stderr.on("data", (b) => {
    log += b
  })
  const base = await new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`signet serve exited (${code}): ${log}`)))
    server.stdout.on("data", (b) => {
      log += b
      const m = /"url":"([^"]+)"/.exec(log)
      if (m) resolve(m[1])
    })
  })

  const spec = await (await fetch(`${base}/openapi.json`)).json()
  const ctx = await setup(base, config.SIGNET_BOOTSTRAP_TOKEN)
  process.stderr.write(`fuzzing ${base} with ${runs} cases, seed ${seed}…\n`)
  const perOp = new Map()
  const statuses = new Map()
  const failures = []
  let n = 0
  const t0 = performance.now()
  const result = await fc.check(
    fc.asyncProperty(casesArb(spec, ctx), async (c) => {
      const res = await send(base, ctx, c)
      const v = violations(c, res)
      n++
      if (trace)
        trace.write(
          `${JSON.stringify({ n, key: c.key, mutation: c.mutation, auth: c.auth, status: res.status, code: /"code":"([^"]+)"/.exec(res.text ?? "")?.[1], detail: /"detail":"([^"]{0,160})/.exec(res.text ?? "")?.[1], path: c.path })}\n`
        )
      perOp.set(c.key, (perOp.get(c.key) ?? 0) + 1)
      const label = res.error ? "no response" : String(res.status)
      statuses.set(label, (statuses.get(label) ?? 0) + 1)
      if (v.length > 0) {
        failures.push({ index: n, problems: v, text: describe(c, res), key: c.key, kind: failureKind(c, v) })
        process.stderr.write(`\n✗ case ${n}: ${v.join("; ")}\n${describe(c, res)}\n`)
      }
      if (n % 1000 === 0) process.stderr.write(`${n} cases, ${failures.length} failing\n`)
      return true
    }),
    { seed, numRuns: runs, endOnFailure: true, examples: knownCases(ctx).map((c) => [c]) }
  )
  const seconds = (performance.now() - t0) / 1000
  const readyStatus = exited ? 0 : await ready(base)
  server.kill("SIGTERM")
  await new Promise((r) => (exited ? r() : server.once("exit", r)))
  Fs.rmSync(dir, { recursive: true, force: true })
  if (result.failed)
    failures.push({ index: n, problems: [String(result.errorInstance)], text: "", key: "harness", kind: "harness" })
  if (readyStatus !== 200)
    failures.push({
      index: n,
      problems: [`GET /ready → ${readyStatus} after the run`],
      key: "/ready",
      kind: "not ready"
    })

  const ops = operationsOf(spec)
  const sortedStatuses = [...statuses].sort(([a], [b]) => a.localeCompare(b))
  const byKey = new Map()
  for (const f of failures) byKey.set(f.kind, [...(byKey.get(f.kind) ?? []), f])
  const lines = [
    `Requests generated from \`/openapi.json\` by \`bench/fuzz.mjs\` (fast-check, seed ${seed}) against a real \`signet serve\` (SQLite), sequentially over loopback: valid and mutated bodies, path and query parameters, headers and credentials (see the script's header for the generator and what is kept off the fixture). Each response must be < 500; each 4xx \`application/problem+json\` with \`type\`, \`title\`, \`status\` (= the HTTP status), \`detail\`, \`instance\`, \`code\`, \`request_id\`; no body may contain a stack trace or SQL; \`GET /ready\` must answer 200 afterwards.`,
    "",
    "| figure | value |",
    "|---|---|",
    `| cases | ${n.toLocaleString("en-US")} over ${perOp.size} of ${ops.length} operations (${Math.min(...perOp.values())}–${Math.max(...perOp.values())} each) |`,
    `| failing cases | ${failures.length} (${byKey.size} kinds) |`,
    `| duration | ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)} cases/s) |`,
    `| seed | ${seed} |`,
    `| statuses | ${sortedStatuses.map(([s, k]) => `${s}: ${k}`).join(", ")} |`,
    `| GET /ready afterwards | ${readyStatus} |`,
    ...(byKey.size > 0
      ? [
          "",
          "Failures by kind (problem ← what the request did):",
          "",
          ...[...byKey].map(
            ([k, fs]) =>
              `- ${k}: ${fs.length} case(s) on ${new Set(fs.map((f) => f.key)).size} operation(s), first at case ${fs[0].index} (${fs[0].key})`
          )
        ]
      : [])
  ]
  writeSection("API fuzzing", lines.join("\n"))
  console.log(lines.join("\n"))
  console.log("\ncases per operation:")
  for (const o of ops) console.log(`  ${String(perOp.get(o.key) ?? 0).padStart(5)}  ${o.key}`)
  if (failures.length > 0) {
    console.log("\nfailures (first of each kind):")
    for (const [k, fs] of byKey) console.log(`\n${k} — ${fs.length} case(s)\n${fs[0].text}`)
    process.exitCode = 1
  }
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) await main()
