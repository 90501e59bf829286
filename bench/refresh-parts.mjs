#!/usr/bin/env node
/**
 * Where a refresh rotation's server CPU goes, part by part, measured in
 * process (CPU time of this process, all threads) and written to
 * docs/benchmarks.md beside the end-to-end figure of bench/login.mjs:
 *
 * 1. An ES256 access-token signature, 16 at a time: jose's `SignJWT`
 *    (WebCrypto, what Signet uses) and a bare `crypto.sign` of the same
 *    bytes (what bench/refresh-baseline-server.mjs uses).
 * 2. One indexed SELECT through the Effect SQL client (@effect/sql-sqlite-node,
 *    Signet's) and through better-sqlite3 directly.
 * 3. A committed write transaction (one INSERT; WAL, synchronous=FULL, so
 *    one fsync per commit) through each.
 *
 *   node bench/refresh-parts.mjs
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import Database from "better-sqlite3"
import { Effect } from "effect"
import * as Jose from "jose"
import { writeSection } from "./report.mjs"

/** CPU microseconds per operation of `run(n)` (best of 5 rounds after a warm-up round). */
const cpuPer = async (n, run) => {
  const rounds = []
  for (let r = 0; r < 6; r++) {
    const c0 = process.cpuUsage()
    await run(n)
    const c = process.cpuUsage(c0)
    if (r > 0) rounds.push((c.user + c.system) / n)
  }
  return Math.min(...rounds)
}
const concurrently = (n, op) =>
  Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < n / 16; i++) await op(i)
    })
  )

// 1. Signatures.
process.stderr.write("ES256 signatures…\n")
const { privateKey } = await Jose.generateKeyPair("ES256", { extractable: true })
const keyObject = Crypto.KeyObject.from(privateKey)
const claims = {
  sub: Crypto.randomUUID(),
  tid: Crypto.randomUUID(),
  tenant_slug: "bench",
  school_id: null,
  user_type: "teacher",
  roles: ["teacher"],
  sid: Crypto.randomUUID(),
  plan: "free"
}
const joseSign = await cpuPer(4000, (n) =>
  concurrently(n, () =>
    new Jose.SignJWT({ ...claims, jti: Crypto.randomUUID() })
      .setProtectedHeader({ alg: "ES256", kid: "k", typ: "at+jwt" })
      .setIssuer("signet")
      .setAudience("signet")
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(privateKey)
  )
)
const signingInput = Buffer.from(
  `${Buffer.from(JSON.stringify({ alg: "ES256", kid: "k", typ: "at+jwt" })).toString("base64url")}.${Buffer.from(
    JSON.stringify({ ...claims, jti: Crypto.randomUUID(), iss: "signet", aud: "signet", iat: 0, exp: 900 })
  ).toString("base64url")}`
)
const bareSign = await cpuPer(4000, (n) =>
  concurrently(n, async () => Crypto.sign("sha256", signingInput, { key: keyObject, dsaEncoding: "ieee-p1363" }))
)

// 2 and 3. SQL.
process.stderr.write("SQL statements and commits…\n")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-parts-"))
const rawFile = Path.join(dir, "raw.db")
const raw = new Database(rawFile)
raw.pragma("journal_mode = WAL")
raw.pragma("synchronous = FULL")
raw.exec("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER)")
raw.exec("CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT)")
const fill = raw.prepare("INSERT INTO t VALUES (?, ?)")
raw.transaction(() => {
  for (let i = 0; i < 1000; i++) fill.run(`k${i}`, i)
})()
const select = raw.prepare("SELECT * FROM t WHERE id = ?")
const insert = raw.prepare("INSERT INTO w (v) VALUES (?)")
const rawSelect = await cpuPer(20000, async (n) => {
  for (let i = 0; i < n; i++) select.all(`k${i % 1000}`)
})
const rawCommit = await cpuPer(2000, async (n) => {
  for (let i = 0; i < n; i++) raw.transaction(() => insert.run("x"))()
})
raw.close()

const effectFile = Path.join(dir, "effect.db")
Fs.copyFileSync(rawFile, effectFile)
const [effectSelect, effectCommit] = await Effect.runPromise(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe("PRAGMA synchronous = FULL")
    const run = (effect) => Effect.runPromise(effect)
    const s = yield* Effect.promise(() =>
      cpuPer(20000, (n) =>
        run(
          Effect.gen(function* () {
            for (let i = 0; i < n; i++) yield* sql`SELECT * FROM t WHERE id = ${`k${i % 1000}`}`
          })
        )
      )
    )
    const c = yield* Effect.promise(() =>
      cpuPer(2000, (n) =>
        run(
          Effect.gen(function* () {
            for (let i = 0; i < n; i++) yield* sql.withTransaction(sql`INSERT INTO w (v) VALUES (${"x"})`)
          })
        )
      )
    )
    return [s, c]
  }).pipe(Effect.provide(SqliteClient.layer({ filename: effectFile })))
)
Fs.rmSync(dir, { recursive: true, force: true })

const us = (x) => `${x.toFixed(1)} µs`
const lines = [
  "CPU per operation in one process (all its threads), best of 5 rounds; the parts of a refresh rotation that Signet and the bare baseline of the section above do differently (`node bench/refresh-parts.mjs`).",
  "",
  "| part | Signet's way | bare way | difference |",
  "|---|---|---|---|",
  `| ES256 access-token signature, 16 at a time | ${us(joseSign)} (jose \`SignJWT\`, WebCrypto) | ${us(bareSign)} (\`crypto.sign\`) | ${us(joseSign - bareSign)} |`,
  `| one indexed SELECT on SQLite | ${us(effectSelect)} (Effect SQL client) | ${us(rawSelect)} (better-sqlite3) | ${us(effectSelect - rawSelect)} |`,
  `| one committed write transaction (WAL, synchronous=FULL: one fsync) | ${us(effectCommit)} (Effect SQL \`withTransaction\`) | ${us(rawCommit)} (better-sqlite3) | ${us(effectCommit - rawCommit)} |`
]
writeSection("Refresh rotation: where the CPU goes", lines.join("\n"))
console.log(lines.join("\n"))
