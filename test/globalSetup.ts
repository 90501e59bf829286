/**
 * Vitest global setup: gives the run an id (for the Postgres marker file)
 * and, in CI with `SIGNET_TEST_PG_URL` set, fails the run when no Postgres
 * test database was created — the Postgres suites must run, not skip.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const marker = (id: string) => Path.join(Os.tmpdir(), `signet-pg-tests-${id}.log`)

export default function setup() {
  const id = process.env.SIGNET_TEST_RUN_ID ?? `${process.pid}-${Date.now()}`
  process.env.SIGNET_TEST_RUN_ID = id
  Fs.rmSync(marker(id), { force: true })
  return () => {
    const created = Fs.existsSync(marker(id))
      ? Fs.readFileSync(marker(id), "utf8").split("\n").filter(Boolean).length
      : 0
    Fs.rmSync(marker(id), { force: true })
    // The summary reporter prints the count; here a CI run without Postgres tests fails.
    if (process.env.SIGNET_TEST_PG_URL && process.env.CI === "true" && created === 0) {
      throw new Error("CI: SIGNET_TEST_PG_URL is set but no Postgres test ran")
    }
  }
}
