/**
 * `@signet/core/testing` — throwaway databases for tests, used by Signet's
 * own suites and available to integrators testing against `@signet/core`.
 *
 * Every database test runs on SQLite and, when `SIGNET_TEST_PG_URL` is set,
 * on Postgres: each call of {@link makeTestDatabaseUrl} creates a fresh
 * database (`CREATE DATABASE signet_t_<random>`) and drops it afterwards.
 * When `SIGNET_TEST_PG_URL` is set but Postgres is unreachable, the Postgres
 * tests fail — they never skip silently.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import Pg from "pg"

/** A database dialect under test. */
export type TestDialect = "sqlite" | "pg"

/** Dialects to run database tests on: SQLite always, Postgres when configured. */
export const testDialects = (): ReadonlyArray<TestDialect> =>
  process.env.SIGNET_TEST_PG_URL ? ["sqlite", "pg"] : ["sqlite"]

/** File where each Postgres test database creation is recorded (CI checks that Postgres tests ran). */
export const pgMarkerFile = (): string =>
  Path.join(Os.tmpdir(), `signet-pg-tests-${process.env.SIGNET_TEST_RUN_ID ?? "local"}.log`)

/** A created test database: its URL and a function that removes it. */
export interface TestDatabase {
  readonly url: string
  readonly dispose: () => Promise<void>
}

const withDatabase = (base: string, database: string) => {
  const u = new URL(base)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * Creates a fresh database of the dialect. SQLite: a file in a new temp
 * directory. Postgres: a new database on the `SIGNET_TEST_PG_URL` server.
 */
export const makeTestDatabase = async (dialect: TestDialect): Promise<TestDatabase> => {
  if (dialect === "sqlite") {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-test-"))
    return {
      url: `sqlite:${Path.join(dir, "signet.db")}`,
      dispose: async () => Fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const admin = process.env.SIGNET_TEST_PG_URL
  if (!admin) throw new Error("SIGNET_TEST_PG_URL is not set")
  const name = `signet_t_${Crypto.randomBytes(6).toString("hex")}`
  const client = new Pg.Client({ connectionString: admin, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (e) {
    throw new Error(`SIGNET_TEST_PG_URL is set but Postgres is unreachable (${(e as Error).message})`)
  }
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  Fs.appendFileSync(pgMarkerFile(), `${name}\n`)
  return {
    url: withDatabase(admin, name),
    dispose: async () => {
      const c = new Pg.Client({ connectionString: admin })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    }
  }
}

/** Runs SQL as the database owner (bypassing RLS) — for tamper and RLS tests only. */
export const ownerQuery = async (url: string, text: string, params: ReadonlyArray<unknown> = []) => {
  if (!url.startsWith("postgres")) throw new Error("ownerQuery is for Postgres")
  const c = new Pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query(text, params as Array<unknown>)).rows
  } finally {
    await c.end()
  }
}
