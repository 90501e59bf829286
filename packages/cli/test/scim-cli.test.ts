/**
 * `signet scim-token …` (issue 19 §3) as an administrator runs it: a
 * process per command on the local database (SQLite, and Postgres when
 * configured).
 */
import { execFile } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")
/** Each case starts the CLI (~2 s idle, several times that on a loaded machine). */
const TIMEOUT = 300_000

const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))

const run = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

for (const dialect of testDialects()) {
  describe(`signet scim-token on ${dialect}`, () => {
    let dir: string
    let env: Record<string, string> = {}
    let dispose = async () => {}
    let id: string
    const T = ["--tenant", "cli-scim"]
    const signet = (args: ReadonlyArray<string>) => run(dir, args, env)

    beforeAll(async () => {
      dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-scim-"))
      if (dialect === "pg") {
        const db = await makeTestDatabase(dialect)
        dispose = () => db.dispose()
        env = { DATABASE_URL: db.url, SIGNET_MASTER_KEY: Crypto.randomBytes(32).toString("base64") }
      }
      if (dialect === "sqlite") expect((await signet(["init"])).code).toBe(0)
      const tenant = await signet(["tenant", "create", "cli-scim", "--name", "Scim"])
      expect(tenant.code, tenant.stderr).toBe(0)
    }, TIMEOUT)

    afterAll(async () => {
      Fs.rmSync(dir, { recursive: true, force: true })
      await dispose()
    })

    it(
      "create prints the token once with the SCIM base path; list shows it without the secret",
      async () => {
        const created = await signet(["scim-token", "create", ...T, "--name", "Entra ID", "--json"])
        expect(created.code, created.stderr).toBe(0)
        const body = JSON.parse(created.stdout)
        expect(body.token).toMatch(/^scim_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/)
        expect(body.base_url).toBe("/t/cli-scim/scim/v2")
        id = body.scim_token.id
        const listed = await signet(["scim-token", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([{ id, name: "Entra ID", active: true }])
        expect(listed.stdout).not.toContain(body.token.split("_")[2])
      },
      TIMEOUT
    )

    it(
      "revoke marks the token inactive; revoking it again fails with one line",
      async () => {
        const revoked = await signet(["scim-token", "revoke", ...T, id])
        expect(revoked.code, revoked.stderr).toBe(0)
        const listed = await signet(["scim-token", "list", ...T, "--json"])
        expect(JSON.parse(listed.stdout)[0].active).toBe(false)
        const again = await signet(["scim-token", "revoke", ...T, id])
        expect(again.code).not.toBe(0)
        expect(again.stderr).toMatch(/SCIM token/)
      },
      TIMEOUT
    )
  })
}
