/**
 * Test support for CLI suites that run `signet` as an administrator does: a
 * process per command on a local database (SQLite in a fresh data
 * directory, or a fresh Postgres database when the suite runs there).
 */
import { execFile } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { makeTestDatabase, type TestDialect } from "@signet/core/testing"
import { afterAll, beforeAll, expect } from "vitest"

/** The repository's CLI entry point. */
export const BIN = Path.resolve(__dirname, "../bin/signet.js")

/** Per case: each command starts the CLI (~2 s idle, several times that on a loaded machine). */
export const TIMEOUT = 300_000

/** What one command printed and its exit code. */
export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))

/** Runs `signet args…` in `cwd` with only `env` of Signet's variables (none inherited from the test's process). */
export const run = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<CliResult>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

/** A CLI workspace: its directory and `signet(args, extraEnv?)` running a command there. */
export interface CliTenant {
  readonly dir: string
  readonly signet: (args: ReadonlyArray<string>, extra?: Record<string, string>) => Promise<CliResult>
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: a temporary directory, the
 * database (`signet init` on SQLite; a fresh database and master key on
 * Postgres), and tenant `slug` created with `signet tenant create`; removed
 * afterwards. `env` is added to every command's environment.
 */
export const cliTenant = (dialect: TestDialect, slug: string, env: Record<string, string> = {}): CliTenant => {
  let dispose = async () => {}
  const state = { dir: "", env: { ...env } }
  const handle: CliTenant = {
    get dir() {
      return state.dir
    },
    signet: (args, extra = {}) => run(state.dir, args, { ...state.env, ...extra })
  }
  beforeAll(async () => {
    state.dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `signet-${slug}-`))
    if (dialect === "pg") {
      const db = await makeTestDatabase(dialect)
      dispose = () => db.dispose()
      state.env = { ...state.env, DATABASE_URL: db.url, SIGNET_MASTER_KEY: Crypto.randomBytes(32).toString("base64") }
    }
    if (dialect === "sqlite") expect((await handle.signet(["init"])).code).toBe(0)
    const tenant = await handle.signet(["tenant", "create", slug, "--name", slug])
    expect(tenant.code, tenant.stderr).toBe(0)
  }, TIMEOUT)
  afterAll(async () => {
    Fs.rmSync(state.dir, { recursive: true, force: true })
    await dispose()
  })
  return handle
}
