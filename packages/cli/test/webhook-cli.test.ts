/**
 * `signet webhook …` (issue 21 §1) as an administrator runs it: a process per
 * command on the local database (SQLite, and Postgres when configured),
 * pinging a real receiver on loopback that verifies the Standard Webhooks
 * signature with the secret the CLI printed.
 */
import { execFile } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Webhook } from "standardwebhooks"
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
  describe(`signet webhook on ${dialect}`, () => {
    let dir: string
    let env: Record<string, string>
    let dispose = async () => {}
    let receiver: Http.Server
    let url: string
    const got: Array<{ headers: Record<string, string>; body: string }> = []
    let endpoint: { id: string }
    let secret: string
    const T = ["--tenant", "cli-hooks"]
    const signet = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
      run(dir, args, { ...env, ...extra })

    beforeAll(async () => {
      dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-hooks-"))
      env = { SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" }
      if (dialect === "pg") {
        const db = await makeTestDatabase(dialect)
        dispose = () => db.dispose()
        env = { ...env, DATABASE_URL: db.url, SIGNET_MASTER_KEY: Crypto.randomBytes(32).toString("base64") }
      }
      receiver = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          got.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") })
          res.writeHead(204).end()
        })
      })
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`
      if (dialect === "sqlite") expect((await signet(["init"])).code).toBe(0)
      const tenant = await signet(["tenant", "create", "cli-hooks", "--name", "Hooks"])
      expect(tenant.code, tenant.stderr).toBe(0)
    }, TIMEOUT)

    afterAll(async () => {
      receiver.close()
      Fs.rmSync(dir, { recursive: true, force: true })
      await dispose()
    })

    it(
      "create prints the endpoint and its secret once; list shows the endpoint without it",
      async () => {
        const created = await signet([
          "webhook",
          "create",
          ...T,
          "--url",
          url,
          "--event-type",
          "signet.test.",
          "--json"
        ])
        expect(created.code, created.stderr).toBe(0)
        const body = JSON.parse(created.stdout)
        endpoint = body.endpoint
        secret = body.secret
        expect(secret).toMatch(/^whsec_/)
        const listed = await signet(["webhook", "list", ...T, "--json"])
        expect(JSON.parse(listed.stdout).map((e: { id: string }) => e.id)).toEqual([endpoint.id])
        expect(listed.stdout).not.toContain(secret.slice(6))
      },
      TIMEOUT
    )

    it(
      "ping sends a request the receiver verifies with the printed secret",
      async () => {
        const pinged = await signet(["webhook", "ping", ...T, endpoint.id])
        expect(pinged.code, pinged.stderr).toBe(0)
        expect(pinged.stdout).toMatch(/: 204 in \d+ ms/)
        expect(got).toHaveLength(1)
        const event = new Webhook(secret).verify(got[0]!.body, got[0]!.headers) as { type: string }
        expect(event.type).toBe("signet.integrations.endpoint.ping")
      },
      TIMEOUT
    )

    it(
      "recover with since after until fails with one line naming the field, nothing queued",
      async () => {
        const bad = await signet([
          "webhook",
          "recover",
          ...T,
          endpoint.id,
          "--since",
          "2026-02-01T00:00:00Z",
          "--until",
          "2026-01-01T00:00:00Z"
        ])
        expect(bad.code).not.toBe(0)
        expect(bad.stderr).toContain("since")
        expect(bad.stderr).not.toMatch(/\n\s+at /)
        const ok = await signet(["webhook", "recover", ...T, endpoint.id, "--since", "2026-01-01T00:00:00Z", "--json"])
        expect(JSON.parse(ok.stdout)).toEqual({ requeued: 0, more: false })
      },
      TIMEOUT
    )

    it(
      "disable then delete: the list shows it disabled, then empty",
      async () => {
        expect((await signet(["webhook", "disable", ...T, endpoint.id])).stdout).toContain("disabled")
        const listed = JSON.parse((await signet(["webhook", "list", ...T, "--json"])).stdout)
        expect(listed[0].enabled).toBe(false)
        expect((await signet(["webhook", "delete", ...T, endpoint.id])).code).toBe(0)
        expect(JSON.parse((await signet(["webhook", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "without the operator's allowance a loopback URL is refused naming the rule",
      async () => {
        const refused = await signet(["webhook", "create", ...T, "--url", url], {
          SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "false"
        })
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toMatch(/https|loopback|private/)
      },
      TIMEOUT
    )
  })
}
