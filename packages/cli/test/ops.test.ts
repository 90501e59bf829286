import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))
/** Runs `signet …` asynchronously (keeps the test worker responsive). */
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

describe("signet doctor, backup, restore", () => {
  let dir: string
  beforeAll(async () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-ops-"))
    expect((await signet(dir, ["init"])).code).toBe(0)
  })
  afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

  it("doctor checks config, key, database, migrations, clock and port; fails on a broken key", async () => {
    const ok = await signet(dir, ["doctor", "--json"])
    expect(ok.code, ok.stderr).toBe(0)
    const report = JSON.parse(ok.stdout)
    expect(report.ok).toBe(true)
    const by = Object.fromEntries(report.checks.map((c: any) => [c.check, c]))
    expect(by.database.detail).toContain("journal_mode=wal, synchronous=FULL, quick_check=ok")
    expect(by.migrations.status).toBe("ok")
    expect(by["master key"].status).toBe("ok")
    const broken = await signet(dir, ["doctor", "--json"], { SIGNET_MASTER_KEY: "not-base64-of-32-bytes" })
    expect(broken.code).toBe(1)
    expect(JSON.parse(broken.stdout).checks.find((c: any) => c.check === "master key").status).toBe("fail")
  })

  it("backup copies online with an integrity check; restore refuses junk and keeps the previous database", async () => {
    const created = await signet(dir, ["tenant", "create", "ops-school", "--name", "Ops School"])
    expect(created.code, created.stderr).toBe(0)
    const b = await signet(dir, ["backup", "b1.db", "--json"])
    expect(b.code, b.stderr).toBe(0)
    expect(JSON.parse(b.stdout)).toMatchObject({ integrity: "ok" })
    expect((await signet(dir, ["backup", "b1.db"])).code).toBe(1) // exists: --force needed
    // A tenant created after the backup disappears when the backup is restored.
    expect((await signet(dir, ["tenant", "create", "later-school", "--name", "Later"])).code).toBe(0)
    Fs.writeFileSync(Path.join(dir, "junk.db"), "not a database")
    const junk = await signet(dir, ["restore", "junk.db", "--force"])
    expect(junk.code).toBe(1)
    expect(junk.stderr).toContain("failed its integrity check")
    expect((await signet(dir, ["restore", "b1.db"])).code).toBe(1) // --force needed
    const r = await signet(dir, ["restore", "b1.db", "--force", "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(Fs.existsSync(JSON.parse(r.stdout).previous)).toBe(true)
    const list = await signet(dir, ["tenant", "list", "--json"])
    const slugs = JSON.parse(list.stdout).map((t: any) => t.slug)
    expect(slugs).toContain("ops-school")
    expect(slugs).not.toContain("later-school")
    const pg = await signet(dir, ["backup", "x.db"], { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/none" })
    expect(pg.code).toBe(1)
    expect(pg.stderr).toContain("pg_dump")
  })

  it("CLI processes writing the same SQLite file at once all succeed (SQLITE_BUSY is retried)", async () => {
    expect((await signet(dir, ["tenant", "create", "busy-school", "--name", "Busy"])).code).toBe(0)
    const school = JSON.parse(
      (await signet(dir, ["school", "create", "--tenant", "busy-school", "--name", "S", "--json"])).stdout
    )
    for (const round of [1, 2]) {
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          signet(dir, [
            ...["course", "create", "--tenant", "busy-school", "--school", school.id, "--name", `C${round}${i}`],
            ...["--start", "2026-11-23T08:00:00Z", "--end", "2026-11-23T09:00:00Z", "--json"]
          ])
        )
      )
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
    }
  }, 120_000)
})
