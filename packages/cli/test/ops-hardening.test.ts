/**
 * Issue 15 §2 and §6 (operations defects found by a new operator): `init --data-dir` elsewhere,
 * owner-only data files, read-only commands that create nothing, restore under a running server.
 */
import { execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))
const signet = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })
const modeOf = (path: string) => Fs.statSync(path).mode & 0o777

describe("signet init and data files (issue 15 §2, §6)", () => {
  let cwd: string
  let dataDir: string
  beforeAll(async () => {
    cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cwd-"))
    dataDir = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-var-")), "lib-signet")
    const init = await signet(cwd, ["init", "--data-dir", dataDir, "--json"])
    expect(init.code, init.stderr).toBe(0)
  })
  afterAll(() => {
    Fs.rmSync(cwd, { recursive: true, force: true })
    Fs.rmSync(Path.dirname(dataDir), { recursive: true, force: true })
  })

  it("init --data-dir elsewhere succeeds with the key it wrote, and the config points at it", () => {
    const config = JSON.parse(Fs.readFileSync(Path.join(cwd, "signet.json"), "utf8"))
    expect(config.SIGNET_MASTER_KEY_FILE).toBe(Path.join(dataDir, "master.key"))
    expect(Fs.existsSync(Path.join(cwd, "data"))).toBe(false)
  })

  it("the data directory is 0700 and the database file 0600", () => {
    expect(modeOf(dataDir)).toBe(0o700)
    expect(modeOf(Path.join(dataDir, "signet.db"))).toBe(0o600)
  })

  it("a backup is written 0600", async () => {
    const b = await signet(cwd, ["backup", Path.join(cwd, "backup.db")])
    expect(b.code, b.stderr).toBe(0)
    expect(modeOf(Path.join(cwd, "backup.db"))).toBe(0o600)
  })

  it("doctor warns when the database file is readable by others", async () => {
    const db = Path.join(dataDir, "signet.db")
    Fs.chmodSync(db, 0o644)
    try {
      const r = await signet(cwd, ["doctor", "--json"])
      const check = JSON.parse(r.stdout).checks.find((c: { check: string }) => c.check === "file permissions")
      expect(check).toMatchObject({ status: "warn" })
      expect(check.detail).toContain(`${db} (0644)`)
    } finally {
      Fs.chmodSync(db, 0o600)
    }
  })
})

describe("read-only commands in an empty folder create nothing (issue 15 §6)", () => {
  let cwd: string
  beforeAll(() => {
    cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-empty-"))
  })
  afterAll(() => Fs.rmSync(cwd, { recursive: true, force: true }))

  for (const args of [
    ["user", "list", "--tenant", "x"],
    ["tenant", "list"],
    ["migrate", "--status"],
    ["doctor"],
    ["role", "list", "--tenant", "x"],
    ["course", "list", "--tenant", "x"],
    ["keys", "list"]
  ]) {
    it(`signet ${args.join(" ")} fails and leaves no ./data`, async () => {
      const r = await signet(cwd, args)
      expect(r.code).toBe(1)
      expect(Fs.existsSync(Path.join(cwd, "data"))).toBe(false)
    })
  }

  it("an administrative write (signet tenant create) says to run signet init and creates nothing", async () => {
    const r = await signet(cwd, ["tenant", "create", "x", "--name", "X"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("run `signet init`")
    expect(Fs.existsSync(Path.join(cwd, "data"))).toBe(false)
  })
})

describe("restore under a running server (issue 15 §6)", () => {
  let cwd: string
  beforeAll(async () => {
    cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-restore-"))
    expect((await signet(cwd, ["init"])).code).toBe(0)
    expect((await signet(cwd, ["backup", "b.db"])).code).toBe(0)
  })
  afterAll(() => Fs.rmSync(cwd, { recursive: true, force: true }))

  it("is refused while signet serve holds the database, even with --force; a second serve names the busy port", async () => {
    const server = spawn(process.execPath, [BIN, "serve", "--port", "0"], { cwd, env: cleanEnv() })
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let out = ""
        server.stdout.on("data", (d) => {
          out += String(d)
          if (/listening|http:\/\//i.test(out)) resolve(out)
        })
        server.once("exit", (code) => reject(new Error(`serve exited ${code}`)))
      })
      const r = await signet(cwd, ["restore", "b.db", "--force"])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("is open in another process")
      // A second server on the same port says which address is taken (it printed "signet: ServeError").
      const port = /127\.0\.0\.1:(\d+)/.exec(listening)?.[1]
      const busy = await signet(cwd, ["serve", "--port", port!])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toContain(`address already in use 127.0.0.1:${port}`)
    } finally {
      server.kill("SIGTERM")
      await new Promise((resolve) => server.once("exit", resolve))
    }
    const after = await signet(cwd, ["restore", "b.db", "--force"])
    expect(after.code, after.stderr).toBe(0)
  })
})

describe("CLI usage (issue 15 §6)", () => {
  let cwd: string
  beforeAll(async () => {
    cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-usage-"))
    expect((await signet(cwd, ["init"])).code).toBe(0)
  })
  afterAll(() => Fs.rmSync(cwd, { recursive: true, force: true }))

  it("an unknown subcommand, with or without --help, names the group's commands and exits 2", async () => {
    for (const args of [
      ["user", "nosuch"],
      ["user", "nosuch", "--help"]
    ]) {
      const r = await signet(cwd, args)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('unknown command "user nosuch"')
      expect(r.stderr).toContain("signet user --help")
    }
  })

  it("signet user password sets a password under the tenant's policy", async () => {
    expect((await signet(cwd, ["tenant", "create", "pw-school", "--name", "PW"])).code).toBe(0)
    const created = await signet(cwd, [
      "user",
      "create",
      "--tenant",
      "pw-school",
      "--email",
      "t@pw.example.edu",
      "--given-name",
      "T",
      "--family-name",
      "P",
      "--type",
      "teacher",
      "--json"
    ])
    const id = JSON.parse(created.stdout).id as string
    const weak = await signet(cwd, ["user", "password", "--tenant", "pw-school", id], { SIGNET_NEW_PASSWORD: "short" })
    expect(weak.code).toBe(1)
    expect(weak.stderr).toContain("new_password")
    const ok = await signet(cwd, ["user", "password", "--tenant", "pw-school", id], {
      SIGNET_NEW_PASSWORD: "a much longer passphrase"
    })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain("password set")
  })
})
