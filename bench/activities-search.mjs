#!/usr/bin/env node
/**
 * Activities full-text search benchmark (issue 22 "full-text search over
 * 1 M notes ≤ 100 ms p95 on SQLite"): one tenant with N notes spread over
 * 20 schools, their text drawn from a fixed 5,000-word vocabulary (Zipf
 * frequencies, some French accented words) by a seeded PRNG, 12–60 words
 * each. The notes are bulk-inserted by SQL (setup only: on SQLite through
 * the index triggers of migration 0004, in transactions of 10,000; on
 * Postgres as the owner, 5,000 rows a statement, the generated tsvector
 * computed on insert), then 200 searches of varied queries (1–3 words of
 * one of 200 notes spread over the inserted ones, the 50 commonest
 * vocabulary words left out, every third ending in a 4-letter prefix, a
 * fifth of them without accents) go through the public in-process
 * `Activities.search`, first page of 20: tenant-wide (each distinct target
 * of the page checked through academics), then bound to one school (one
 * check). Prints median and p95 of each.
 *
 *   node bench/activities-search.mjs [--notes 1000000] [--pg]
 */
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const { Effect, Schema, ManagedRuntime } = await import("effect")
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const count = arg("--notes", 1_000_000)
const dialect = process.argv.includes("--pg") ? "pg" : "sqlite"

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
const prng = (seed) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = prng(22)

// A fixed vocabulary: 5,000 distinct pseudo-words of 2–4 syllables, some accented.
const SYLLABLES =
  "ba be bi bo ca ce ci co da de di do fa fe fi ga go la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo ré lé mè né pè tè ça".split(
    " "
  )
const vocabulary = []
const seen = new Set()
while (vocabulary.length < 5_000) {
  const n = 2 + Math.floor(rand() * 3)
  let w = ""
  for (let s = 0; s < n; s++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]
  if (!seen.has(w)) {
    seen.add(w)
    vocabulary.push(w)
  }
}
// Zipf (s = 1) over the ranks: cumulative weights for a binary search.
const cumulative = []
let total = 0
for (let r = 1; r <= vocabulary.length; r++) cumulative.push((total += 1 / r))
const zipfWord = () => {
  const x = rand() * total
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cumulative[mid] < x) lo = mid + 1
    else hi = mid
  }
  return vocabulary[lo]
}
const noteText = () => {
  const n = 12 + Math.floor(rand() * 49)
  const words = []
  for (let i = 0; i < n; i++) words.push(zipfWord())
  words[0] = words[0][0].toUpperCase() + words[0].slice(1)
  return `${words.join(" ")}.`
}
/** A UUIDv7-shaped id: the instant in ms, then random bits. */
const uuid7 = (ms) => {
  const h = ms.toString(16).padStart(12, "0") + Crypto.randomBytes(10).toString("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-${"89ab"[(rand() * 4) | 0]}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const db = await testing.makeTestDatabase(dialect)
const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
const actor = { kind: "system", id: null }
try {
  const tenant = await runtime.runPromise(
    core.Tenancy.pipe(
      Effect.flatMap((t) =>
        t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug: "bench-fts", name: "Bench" }))
      ),
      Effect.provideService(core.CurrentActor, actor)
    )
  )
  const inTenant = (eff) =>
    eff.pipe(
      Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug }),
      Effect.provideService(core.CurrentActor, actor)
    )
  const schools = []
  for (let s = 0; s < 20; s++)
    schools.push(
      await runtime.runPromise(
        inTenant(
          core.Academics.pipe(
            Effect.flatMap((a) => a.createSchool(Schema.decodeUnknownSync(core.CreateSchool)({ name: `S${s}` })))
          )
        )
      )
    )

  // Setup: bulk insert (not the measured path).
  const t0 = performance.now()
  const start = Date.parse("2026-01-01T00:00:00Z")
  const every = Math.max(1, Math.floor(count / 200))
  const samples = []
  const row = (n) => {
    const at = new Date(start + n * 1000).toISOString()
    const text = noteText()
    if (n % every === 0 && samples.length < 200) samples.push(text)
    return [tenant.id, uuid7(start + n * 1000), "school", schools[n % schools.length].id, "bench", text, at]
  }
  if (dialect === "sqlite") {
    const { default: Sqlite } = await import("better-sqlite3")
    const conn = new Sqlite(db.url.slice("sqlite:".length))
    conn.pragma("journal_mode = WAL")
    conn.pragma("synchronous = NORMAL")
    const insert = conn.prepare(`INSERT INTO activity_notes (tenant_id, id, target_type, target_id, author_id, body,
      priority, pinned, assignee_id, mentions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'normal', 0, NULL, '[]', ?, ?)`)
    const batch = conn.transaction((from, to) => {
      for (let n = from; n < to; n++) {
        const r = row(n)
        insert.run(...r, r[6])
      }
    })
    for (let n = 0; n < count; n += 10_000) batch(n, Math.min(count, n + 10_000))
    conn.close()
  } else {
    for (let n = 0; n < count; n += 5_000) {
      const rows = []
      for (let k = n; k < Math.min(count, n + 5_000); k++) {
        const [tenant_id, id, target_type, target_id, author_id, body, at] = row(k)
        rows.push({ tenant_id, id, target_type, target_id, author_id, body, at })
      }
      await testing.ownerQuery(
        db.url,
        `INSERT INTO activity_notes (tenant_id, id, target_type, target_id, author_id, body, priority, pinned,
          assignee_id, mentions, created_at, updated_at)
         SELECT tenant_id, id, target_type, target_id, author_id, body, 'normal', false, NULL, '[]'::jsonb, at, at
         FROM json_to_recordset($1::json) AS x(tenant_id uuid, id uuid, target_type text, target_id text,
           author_id text, body text, at timestamptz)`,
        [JSON.stringify(rows)]
      )
    }
    await testing.ownerQuery(db.url, "ANALYZE activity_notes")
  }
  const inserted = performance.now() - t0

  // 200 varied queries, the same for every run: 1–3 words of one of 200 notes spread over the
  // inserted ones (so each query matches at least that note), leaving out the 50 commonest words.
  const qrand = prng(2026)
  const common = new Set(vocabulary.slice(0, 50))
  const fold = (w) => w.normalize("NFD").replace(/\p{M}/gu, "")
  const queries = samples.map((text, i) => {
    const pool = text
      .toLowerCase()
      .replace(".", "")
      .split(" ")
      .filter((w) => !common.has(w))
    const n = Math.min(pool.length, 1 + Math.floor(qrand() * 3))
    const words = Array.from({ length: n }, () => pool[Math.floor(qrand() * pool.length)])
    if (i % 3 === 0 && words[n - 1].length > 4) words[n - 1] = words[n - 1].slice(0, 4)
    return (i % 5 === 0 ? words.map(fold) : words).join(" ")
  })
  /** Median, p95, max of `queries` run through `Activities.search` with `options`, and hits per page. */
  const measure = async (options) => {
    const search = (q) => inTenant(core.Activities.pipe(Effect.flatMap((a) => a.search(q, options))))
    for (const q of queries.slice(0, 10)) await runtime.runPromise(search(q)) // warm-up
    const times = []
    let hits = 0
    let empty = 0
    for (const q of queries) {
      const s = performance.now()
      const page = await runtime.runPromise(search(q))
      times.push(performance.now() - s)
      hits += page.items.length
      if (page.items.length === 0) empty++
    }
    times.sort((a, b) => a - b)
    const pct = (p) => +times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)].toFixed(2)
    return {
      median: pct(50),
      p95: pct(95),
      max: +times[times.length - 1].toFixed(2),
      mean_hits_per_page: +(hits / times.length).toFixed(1),
      empty_pages: empty
    }
  }
  const school0 = { target_type: "school", target_id: schools[0].id }
  console.log(
    JSON.stringify({
      dialect,
      notes: count,
      insert_seconds: +(inserted / 1000).toFixed(1),
      searches: queries.length,
      tenant_wide_ms: await measure({ limit: 20 }),
      one_target_ms: await measure({ limit: 20, target_type: "school", target_id: school0.target_id })
    })
  )
} finally {
  await runtime.dispose()
  await db.dispose()
}
