/**
 * Issue 18: `signet doctor` checks SMTP — connects and authenticates to a
 * real SMTP server on loopback, fails on a refused login, warns when no
 * SMTP URL is set (the development-only log transport), and never prints
 * the URL's password.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { SMTPServer } from "smtp-server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))
const signet = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })
const smtpCheckOf = (stdout: string) => JSON.parse(stdout).checks.find((c: { check: string }) => c.check === "smtp")

describe("signet doctor: SMTP", () => {
  let dir: string
  let port: number
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) =>
      auth.username === "mailer" && auth.password === "s3cret-pass"
        ? callback(null, { user: "mailer" })
        : callback(new Error("invalid credentials"))
  })
  beforeAll(async () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-smtp-"))
    expect((await signet(dir, ["init"])).code).toBe(0)
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()))
    port = (server.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()))
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("is ok when the server accepts the login, without printing the password", async () => {
    const r = await signet(dir, ["doctor", "--json"], {
      SIGNET_SMTP_URL: `smtp://mailer:s3cret-pass@127.0.0.1:${port}`
    })
    expect(r.code, r.stderr).toBe(0)
    expect(smtpCheckOf(r.stdout)).toMatchObject({ status: "ok" })
    expect(r.stdout + r.stderr).not.toContain("s3cret-pass")
  })

  it("fails (exit 1) when the server refuses the login", async () => {
    const r = await signet(dir, ["doctor", "--json"], { SIGNET_SMTP_URL: `smtp://mailer:wrong-pass@127.0.0.1:${port}` })
    expect(r.code).toBe(1)
    expect(smtpCheckOf(r.stdout).status).toBe("fail")
    expect(r.stdout).not.toContain("wrong-pass")
  })

  it("warns when no SMTP URL is set (log transport, development only)", async () => {
    const r = await signet(dir, ["doctor", "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(smtpCheckOf(r.stdout)).toMatchObject({ status: "warn" })
    expect(smtpCheckOf(r.stdout).detail).toContain("development only")
  })
})
