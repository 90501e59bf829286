/**
 * `signet oidc-client …` (issue 19 §1) as an administrator runs it: a
 * process per command on the local database (SQLite, and Postgres when
 * configured) — create prints the secret once, list shows the client
 * without it, a non-loopback http redirect URI is refused with nothing
 * stored, delete removes it.
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
  describe(`signet oidc-client on ${dialect}`, () => {
    let dir: string
    let env: Record<string, string> = {}
    let dispose = async () => {}
    const T = ["--tenant", "cli-oidc"]
    const signet = (args: ReadonlyArray<string>) => run(dir, args, env)

    beforeAll(async () => {
      dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-oidc-"))
      if (dialect === "pg") {
        const db = await makeTestDatabase(dialect)
        dispose = () => db.dispose()
        env = { DATABASE_URL: db.url, SIGNET_MASTER_KEY: Crypto.randomBytes(32).toString("base64") }
      }
      if (dialect === "sqlite") expect((await signet(["init"])).code).toBe(0)
      const tenant = await signet(["tenant", "create", "cli-oidc", "--name", "OIDC"])
      expect(tenant.code, tenant.stderr).toBe(0)
    }, TIMEOUT)

    afterAll(async () => {
      Fs.rmSync(dir, { recursive: true, force: true })
      await dispose()
    })

    it(
      "create prints the secret once; list shows the client without it; delete removes it",
      async () => {
        const created = await signet([
          "oidc-client",
          "create",
          ...T,
          "--name",
          "Library",
          "--redirect-uri",
          "https://library.example.org/callback"
        ])
        expect(created.code, created.stderr).toBe(0)
        const id = /^(oc_\S+) Library/m.exec(created.stdout)?.[1]
        expect(id).toBeDefined()
        const secret = /client secret \(shown once\): (\S+)/.exec(created.stdout)?.[1]
        expect(secret?.length).toBeGreaterThan(30)
        const listed = await signet(["oidc-client", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([
          { client_id: id, name: "Library", redirect_uris: ["https://library.example.org/callback"] }
        ])
        expect(listed.stdout).not.toContain(secret!)
        if (dialect === "sqlite") {
          // At rest the secret is envelope-encrypted: not in the database file nor its WAL.
          const data = Path.join(dir, "data")
          const files = Fs.readdirSync(data).filter((n) => n.startsWith("signet.db"))
          expect(files.length).toBeGreaterThan(0)
          for (const f of files) expect(Fs.readFileSync(Path.join(data, f)).includes(Buffer.from(secret!))).toBe(false)
        }
        const deleted = await signet(["oidc-client", "delete", ...T, id!])
        expect(deleted.code, deleted.stderr).toBe(0)
        expect(JSON.parse((await signet(["oidc-client", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "a non-loopback http redirect URI is refused and nothing is stored",
      async () => {
        const refused = await signet([
          "oidc-client",
          "create",
          ...T,
          "--name",
          "Evil",
          "--redirect-uri",
          "http://evil.example/cb"
        ])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr + refused.stdout).toContain("redirect_uris")
        expect(JSON.parse((await signet(["oidc-client", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )
  })
}
