import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")

/** Runs `signet …` in `cwd` with a clean Signet environment. */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))

const signet = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  // Asynchronous, so the test worker stays responsive while the CLI runs.
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

/**
 * These tests start the CLI as a process many times (~2 s each on an idle machine, several
 * times that on a loaded one): their budget is generous so that a busy machine cannot fail
 * them (issue 15 §6).
 */
const SPAWNING_TEST_TIMEOUT = 300_000

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+/)

describe("signet CLI", () => {
  let dir: string
  beforeAll(() => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-"))
  })
  afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

  it(
    "prints help for every command",
    async () => {
      const root = await signet(dir, ["--help"])
      expect(root.code).toBe(0)
      for (const c of ["init", "serve", "migrate", "tenant", "events", "audit"]) expect(root.stdout).toContain(c)
      for (const sub of [
        ["tenant", "create"],
        ["tenant", "list"],
        ["audit", "verify"],
        ["events", "replay"],
        ["serve"]
      ]) {
        const r = await signet(dir, [...sub, "--help"])
        expect(r.code).toBe(0)
        expect(r.stdout).toContain("Example")
      }
    },
    SPAWNING_TEST_TIMEOUT
  )

  it(
    "init writes 0600 key and config files and a migrated database; tenant admin works on it",
    async () => {
      const init = await signet(dir, ["init", "--json"])
      expect(init.code).toBe(0)
      const out = JSON.parse(init.stdout)
      expect(Fs.statSync(out.key_file).mode & 0o777).toBe(0o600)
      expect(Fs.statSync(Path.join(dir, "signet.json")).mode & 0o777).toBe(0o600)
      expect(out.bootstrap_token).toMatch(/^sgop_/)
      expect((await signet(dir, ["init"])).code).toBe(1) // refuses to overwrite without --force

      expect(
        (await signet(dir, ["tenant", "create", "cli-school", "--name", "CLI School", "--region", "eu"])).code
      ).toBe(0)
      const list = await signet(dir, ["tenant", "list", "--json"])
      expect(JSON.parse(list.stdout).map((t: any) => t.slug)).toEqual(["cli-school"])
      expect((await signet(dir, ["tenant", "set", "cli-school", "auth.lockout_minutes", "20"])).code).toBe(0)
      expect((await signet(dir, ["tenant", "suspend", "cli-school"])).stdout).toContain("suspended")
      const verify = await signet(dir, ["audit", "verify", "--tenant", "cli-school", "--json"])
      expect(verify.code).toBe(0)
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: 4 })
      const missing = await signet(dir, ["tenant", "show", "nobody-here"])
      expect(missing.code).toBe(1)
      expect(missing.stderr.trim()).toBe('signet: no tenant "nobody-here"')
      const bad = await signet(dir, ["tenant", "create", "admin", "--name", "x"])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain("reserved")
      noStack(bad.stderr)
      expect(JSON.parse((await signet(dir, ["events", "dead", "--json"])).stdout)).toEqual([])

      const rotated = await signet(dir, ["keys", "rotate-master", "--retire", "--json"])
      expect(rotated.code, rotated.stderr).toBe(0)
      const r = JSON.parse(rotated.stdout)
      expect(r.current_key_id).not.toBe(out.master_key_id)
      expect(r.retired).toEqual([out.master_key_id])
      const keyFile = JSON.parse(Fs.readFileSync(out.key_file, "utf8"))
      expect(Object.keys(keyFile.keys)).toEqual([r.current_key_id])
      expect(Fs.statSync(out.key_file).mode & 0o777).toBe(0o600)
    },
    SPAWNING_TEST_TIMEOUT
  )

  // One folder, one tenant: each case runs one command (or a command and the read that shows its
  // effect) on what the cases before it made; a failure does not hide the cases after it.
  describe("user, apikey, role, roster, academics, operator and signing-key commands", () => {
    const T = ["--tenant", "cli-users"]
    let created: { code: number | null; stdout: string; stderr: string }
    let teacher: { id: string; email: string; user_type: string }
    let school: { id: string }
    beforeAll(async () => {
      expect((await signet(dir, ["tenant", "create", "cli-users", "--name", "Users"])).code).toBe(0)
      created = await signet(
        dir,
        [
          "user",
          "create",
          ...T,
          "--email",
          "t.martin@cli.example.edu",
          "--given-name",
          "Thomas",
          "--family-name",
          "Martin",
          "--type",
          "teacher",
          "--json"
        ],
        { SIGNET_NEW_PASSWORD: "teacher passphrase 2026" }
      )
      teacher = created.code === 0 ? JSON.parse(created.stdout) : { id: "", email: "", user_type: "" }
    }, SPAWNING_TEST_TIMEOUT)

    it("user create makes a teacher (password from SIGNET_NEW_PASSWORD) and prints it as JSON", () => {
      expect(created.code, created.stderr).toBe(0)
      expect(teacher).toMatchObject({ email: "t.martin@cli.example.edu", user_type: "teacher" })
    })

    it(
      "user import refuses a CSV with bad rows, naming each row's line",
      async () => {
        const bad = Path.join(dir, "bad.csv")
        Fs.writeFileSync(
          bad,
          "email,given_name,family_name,user_type\nnot-an-email,A,B,student\nok@cli.example.edu,O,K,wizard\n"
        )
        const refused = await signet(dir, ["user", "import", ...T, bad])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain("bad.csv:2")
        expect(refused.stderr).toContain("bad.csv:3")
      },
      SPAWNING_TEST_TIMEOUT
    )

    describe("user import of a valid CSV", () => {
      let csv: string
      beforeAll(() => {
        csv = Path.join(dir, "students.csv")
        Fs.writeFileSync(
          csv,
          "\ufeffemail,given_name,family_name,user_type,student_number,devices\r\n" +
            "ana@cli.example.edu,Ana,Lopez,student,S-001,nfc-1;phone-1\r\n" +
            "ben@cli.example.edu,Ben,Okafor,student,S-002,\r\n"
        )
      })

      it(
        "--dry-run validates the rows",
        async () => {
          expect((await signet(dir, ["user", "import", ...T, csv, "--dry-run"])).stdout).toContain("2 row(s) valid")
        },
        SPAWNING_TEST_TIMEOUT
      )

      it(
        "creates the users, listed by type with their devices",
        async () => {
          const imported = await signet(dir, ["user", "import", ...T, csv, "--json"])
          expect(imported.code, imported.stderr).toBe(0)
          expect(JSON.parse(imported.stdout).created).toBe(2)
          const students = JSON.parse((await signet(dir, ["user", "list", ...T, "--type", "student", "--json"])).stdout)
          expect(students.map((u: any) => u.email).sort()).toEqual(["ana@cli.example.edu", "ben@cli.example.edu"])
          expect(students.find((u: any) => u.email === "ana@cli.example.edu").devices).toEqual(["nfc-1", "phone-1"])
        },
        SPAWNING_TEST_TIMEOUT
      )
    })

    it(
      "user disable disables the user",
      async () => {
        expect((await signet(dir, ["user", "disable", ...T, teacher.id])).stdout).toContain("disabled")
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "apikey create prints the key once (sg_…); apikey list lists it",
      async () => {
        const key = await signet(dir, [
          "apikey",
          "create",
          ...T,
          "--name",
          "sync",
          "--permission",
          "users:read",
          "--json"
        ])
        expect(key.code, key.stderr).toBe(0)
        expect(JSON.parse(key.stdout).key).toMatch(/^sg_/)
        expect(JSON.parse((await signet(dir, ["apikey", "list", ...T, "--json"])).stdout)[0].name).toBe("sync")
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "role list lists the default roles",
      async () => {
        const roles = JSON.parse((await signet(dir, ["role", "list", ...T, "--json"])).stdout)
        expect(roles.map((r: any) => r.name)).toContain("teacher")
      },
      SPAWNING_TEST_TIMEOUT
    )

    describe("role create, grant, assign and explain", () => {
      it(
        "role create makes a role; role grant adds a permission to it",
        async () => {
          expect((await signet(dir, ["role", "create", "registrar", ...T, "--permission", "users:read"])).code).toBe(0)
          expect((await signet(dir, ["role", "grant", "registrar", "users:write", ...T])).stdout).toContain(
            "users:write"
          )
        },
        SPAWNING_TEST_TIMEOUT
      )

      it(
        "role assign gives it to a user; role explain says the user is allowed",
        async () => {
          expect((await signet(dir, ["role", "assign", "registrar", teacher.id, ...T])).code).toBe(0)
          const explained = JSON.parse(
            (await signet(dir, ["role", "explain", teacher.id, "users:write", ...T, "--json"])).stdout
          )
          expect(explained).toMatchObject({ allowed: true, decision: "allow" })
        },
        SPAWNING_TEST_TIMEOUT
      )
    })

    const sds = "/work/shared/data/oneroster/microsoft-sds-v2.1"
    it.skipIf(!Fs.existsSync(sds))(
      "roster import imports a OneRoster folder; importing it again changes nothing",
      async () => {
        expect((await signet(dir, ["tenant", "create", "cli-roster", "--name", "Roster"])).code).toBe(0)
        const imported = await signet(dir, ["roster", "import", sds, "--tenant", "cli-roster", "--json"])
        expect(imported.code, imported.stderr).toBe(0)
        expect(JSON.parse(imported.stdout)).toMatchObject({ version: "sds", users: { created: 6 } })
        const again = await signet(dir, ["roster", "import", sds, "--tenant", "cli-roster", "--quiet"])
        expect(again.stdout).toMatch(/users\s+0\s+0\s+0\s+6/)
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "school create and classroom create",
      async () => {
        const made = await signet(dir, [
          "school",
          "create",
          ...T,
          "--name",
          "Leeds ITS",
          "--timezone",
          "Europe/London",
          "--json"
        ])
        expect(made.code, made.stderr).toBe(0)
        school = JSON.parse(made.stdout)
        expect(
          (await signet(dir, ["classroom", "create", ...T, "--school", school.id, "--name", "7.96", "--code", "7.96"]))
            .code
        ).toBe(0)
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "issue 16: timetable import --json prints a refused file's errors on stdout (as roster import --json does)",
      async () => {
        const file = Path.join(dir, "backwards.ics")
        Fs.writeFileSync(
          file,
          [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:backwards",
            "DTSTAMP:20261101T000000Z",
            "DTSTART:20261123T090000Z",
            "DTEND:20261123T080000Z",
            "SUMMARY:Backwards",
            "END:VEVENT",
            "END:VCALENDAR",
            ""
          ].join("\r\n")
        )
        const r = await signet(dir, ["timetable", "import", file, ...T, "--school", school.id, "--strict", "--json"])
        expect(r.code).not.toBe(0)
        const out = JSON.parse(r.stdout)
        expect(out.errors.length).toBeGreaterThan(0)
        expect(out.errors[0]).toMatchObject({ code: expect.any(String), message: expect.any(String) })
        expect(out.warnings).toEqual(expect.any(Array))
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "issue 16: timetable import skips an unreadable event (uid:line), prints grouped warnings, --create-missing makes the room",
      async () => {
        const file = Path.join(dir, "skip.ics")
        const ev = (uid: string, start: string, end: string) =>
          [
            "BEGIN:VEVENT",
            `UID:${uid}`,
            "DTSTAMP:20261101T000000Z",
            `DTSTART:${start}`,
            `DTEND:${end}`,
            "SUMMARY:Lab",
            "LOCATION:Z9",
            "END:VEVENT"
          ].join("\r\n")
        Fs.writeFileSync(
          file,
          [
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN",
            ev("lab-bad", "20261124T090000Z", "20261124T080000Z"),
            ev("lab-1", "20261124T080000Z", "20261124T090000Z"),
            ev("lab-2", "20261125T080000Z", "20261125T090000Z"),
            "END:VCALENDAR\r\n"
          ].join("\r\n")
        )
        const text = await signet(dir, ["timetable", "import", file, ...T, "--school", school.id, "--dry-run"])
        expect(text.code, text.stderr).toBe(0)
        expect(text.stderr).toContain("skipped lab-bad:4 DTEND_BEFORE_DTSTART")
        expect(text.stderr).toContain("warning UNRESOLVED ×1")
        expect(text.stdout).toContain("courses created 2")
        expect(text.stdout).toContain("1 event(s) skipped")
        const made = await signet(dir, [
          "timetable",
          "import",
          file,
          ...T,
          "--school",
          school.id,
          "--create-missing",
          "--dry-run",
          "--json"
        ])
        expect(made.code, made.stderr).toBe(0)
        const summary = JSON.parse(made.stdout)
        expect(summary.created_missing).toEqual({ classrooms: 1, groups: 0 })
        expect(summary.skipped).toEqual([expect.objectContaining({ file: "lab-bad", line: 4 })])
      },
      SPAWNING_TEST_TIMEOUT
    )

    const leeds = "/work/shared/data/ics/ITSLeeds-TDS/timetable.ics"
    describe.skipIf(!Fs.existsSync(leeds))("timetable commands", () => {
      it(
        "timetable import creates the courses in the school's classrooms; course list lists them",
        async () => {
          const tt = await signet(dir, [
            "timetable",
            "import",
            leeds,
            ...T,
            "--school",
            school.id,
            "--classroom-pattern",
            "\\(?(\\d+\\.\\d+)\\)?$",
            "--json"
          ])
          expect(tt.code, tt.stderr).toBe(0)
          expect(JSON.parse(tt.stdout).courses.created).toBe(11)
          const courses = JSON.parse((await signet(dir, ["course", "list", ...T, "--json"])).stdout)
          expect(courses).toHaveLength(11)
        },
        SPAWNING_TEST_TIMEOUT
      )

      it(
        "timetable feed create answers a calendar path; timetable export prints the group's calendar",
        async () => {
          const group = JSON.parse(
            (await signet(dir, ["group", "create", ...T, "--school", school.id, "--name", "TDS", "--json"])).stdout
          )
          const feed = await signet(dir, [
            "timetable",
            "feed",
            "create",
            ...T,
            "--kind",
            "group",
            "--id",
            group.id,
            "--json"
          ])
          expect(JSON.parse(feed.stdout).path).toMatch(/\/calendar\/sgc_[A-Za-z0-9_-]+\.ics$/)
          const exported = await signet(dir, ["timetable", "export", ...T, "--kind", "group", "--id", group.id])
          expect(exported.stdout).toContain("BEGIN:VCALENDAR")
        },
        SPAWNING_TEST_TIMEOUT
      )
    })

    it(
      "operator create, list and disable",
      async () => {
        const op = await signet(dir, ["operator", "create", "--email", "ops@cli.example.org", "--name", "Ops"], {
          SIGNET_NEW_PASSWORD: "operator passphrase 2026"
        })
        expect(op.code, op.stderr).toBe(0)
        expect(JSON.parse((await signet(dir, ["operator", "list", "--json"])).stdout)[0]).toMatchObject({
          email: "ops@cli.example.org",
          status: "active"
        })
        expect((await signet(dir, ["operator", "disable", "--email", "ops@cli.example.org"])).stdout).toContain(
          "disabled"
        )
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "keys rotate without --alg takes SIGNET_JWT_ALG for the new platform key",
      async () => {
        const rotated = await signet(dir, ["keys", "rotate", "--json"], { SIGNET_JWT_ALG: "EdDSA" })
        expect(rotated.code, rotated.stderr).toBe(0)
        const platformKey = JSON.parse(rotated.stdout)
        expect(platformKey.jwks.keys.length).toBeGreaterThanOrEqual(2)
        expect(platformKey.jwks.keys.find((k: any) => k.kid === platformKey.kid)).toMatchObject({ alg: "EdDSA" })
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "keys rotate --tenant: the tenant's own key is first in its JWKS, listed with its tenant; drop-tenant drops it",
      async () => {
        const tenantKey = await signet(dir, ["keys", "rotate", ...T, "--alg", "EdDSA", "--json"])
        expect(tenantKey.code, tenantKey.stderr).toBe(0)
        const own = JSON.parse(tenantKey.stdout)
        expect(own.jwks.keys[0]).toMatchObject({ kid: own.kid, alg: "EdDSA" })
        const listed = JSON.parse((await signet(dir, ["keys", "list", "--json"])).stdout)
        expect(listed.find((k: any) => k.kid === own.kid)).toMatchObject({
          tenant_id: own.tenant_id,
          retire_after: null
        })
        expect(listed.filter((k: any) => k.tenant_id === null).length).toBeGreaterThanOrEqual(2)
        expect((await signet(dir, ["keys", "drop-tenant", ...T])).stdout).toContain(
          "signed with the platform key again"
        )
      },
      SPAWNING_TEST_TIMEOUT
    )

    it(
      "keys rotate for an unknown tenant fails with one line",
      async () => {
        const unknown = await signet(dir, ["keys", "rotate", "--tenant", "no-such-school"])
        expect(unknown.code).toBe(1)
        expect(unknown.stderr.trim()).toBe('signet: no tenant "no-such-school"')
      },
      SPAWNING_TEST_TIMEOUT
    )
  })

  it(
    "bad configuration gives one clear line and a non-zero exit",
    async () => {
      const badUrl = await signet(dir, ["tenant", "list"], { DATABASE_URL: "mysql://nope" })
      expect(badUrl.code).toBe(1)
      expect(badUrl.stderr.trim().split("\n")).toHaveLength(1)
      expect(badUrl.stderr).toContain("DATABASE_URL must start with sqlite: or postgres://")
      const unreachable = await signet(dir, ["tenant", "list"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" })
      expect(unreachable.code).toBe(1)
      expect(unreachable.stderr).toContain("cannot connect")
      noStack(unreachable.stderr)
      const other = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-bad-"))
      Fs.writeFileSync(Path.join(other, "signet.json"), "{ this is not json")
      const corrupt = await signet(other, ["tenant", "list"])
      expect(corrupt.code).toBe(1)
      expect(corrupt.stderr).toContain("is not valid JSON")
      noStack(corrupt.stderr)
      Fs.chmodSync(other, 0o500)
      const unwritable = await signet(other, ["tenant", "list"], {
        DATABASE_URL: `sqlite:${Path.join(other, "sub", "x.db")}`
      })
      Fs.chmodSync(other, 0o700)
      if (process.getuid?.() !== 0) {
        expect(unwritable.code).toBe(1)
        expect(unwritable.stderr).toContain("not writable")
      }
      Fs.rmSync(other, { recursive: true, force: true })

      const fresh = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-nomig-"))
      const noMigrate = await signet(fresh, ["serve", "--port", "0", "--no-migrate"])
      expect(noMigrate.code).toBe(1)
      expect(noMigrate.stderr).toContain("database is not migrated")
      expect(noMigrate.stderr).toContain("signet migrate")
      noStack(noMigrate.stderr)
      Fs.rmSync(fresh, { recursive: true, force: true })
    },
    SPAWNING_TEST_TIMEOUT
  )

  it(
    "serve answers /ready and shuts down cleanly on SIGTERM",
    async () => {
      const child: ChildProcess = spawn(process.execPath, [BIN, "serve", "--port", "0"], { cwd: dir, env: cleanEnv() })
      let out = ""
      child.stderr!.on("data", (b) => {
        out += b
      })
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000)
        child.stdout!.on("data", (b) => {
          out += b
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve(m[1]!)
          }
        })
      })
      const ready = await fetch(`${url}/ready`)
      expect(ready.status).toBe(200)
      // Remote commands: login (non-interactive), whoami, logout.
      const creds = Path.join(dir, "credentials.json")
      const created = await signet(
        dir,
        [
          "user",
          "create",
          "--tenant",
          "cli-users",
          "--email",
          "root@cli.example.edu",
          "--given-name",
          "R",
          "--family-name",
          "O",
          "--type",
          "admin"
        ],
        {
          SIGNET_NEW_PASSWORD: "a strong passphrase 4 cli"
        }
      )
      expect(created.code, created.stderr).toBe(0)
      const logged = await signet(
        dir,
        ["login", "--url", url, "--tenant", "cli-users", "--login", "root@cli.example.edu"],
        {
          SIGNET_PASSWORD: "a strong passphrase 4 cli",
          SIGNET_CREDENTIALS: creds
        }
      )
      expect(logged.code, logged.stderr).toBe(0)
      expect(Fs.statSync(creds).mode & 0o777).toBe(0o600)
      const who = await signet(dir, ["whoami", "--json"], { SIGNET_CREDENTIALS: creds })
      expect(who.code, who.stderr).toBe(0)
      expect(JSON.parse(who.stdout).user).toMatchObject({ email: "root@cli.example.edu", user_type: "admin" })
      const badLogin = await signet(
        dir,
        ["login", "--url", url, "--tenant", "cli-users", "--login", "root@cli.example.edu"],
        {
          SIGNET_PASSWORD: "wrong",
          SIGNET_CREDENTIALS: Path.join(dir, "other.json")
        }
      )
      expect(badLogin.code).toBe(1)
      expect(badLogin.stderr).toContain("invalid login or password")
      expect((await signet(dir, ["logout"], { SIGNET_CREDENTIALS: creds })).stdout).toContain("logged out")
      expect((await signet(dir, ["whoami"], { SIGNET_CREDENTIALS: creds })).stderr).toContain("not logged in")
      const code = await new Promise<number | null>((resolve) => {
        child.on("exit", (c) => resolve(c))
        child.kill("SIGTERM")
      })
      expect(code === 0 || code === null).toBe(true)
    },
    SPAWNING_TEST_TIMEOUT
  )
})

for (const dialect of testDialects().filter((d) => d === "pg")) {
  describe("signet CLI on Postgres", () => {
    it(
      "migrates and administers a Postgres database",
      async () => {
        const db = await makeTestDatabase(dialect)
        const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cli-pg-"))
        const env = { DATABASE_URL: db.url, SIGNET_MASTER_KEY: Crypto.randomBytes(32).toString("base64") }
        try {
          const m = await signet(dir, ["migrate", "--json"], env)
          expect(m.code).toBe(0)
          expect(JSON.parse(m.stdout).modules.every((s: any) => s.applied === s.latest)).toBe(true)
          const created = await signet(dir, ["tenant", "create", "pg-school", "--name", "PG"], env)
          expect(created.code, created.stderr).toBe(0)
          const v = await signet(dir, ["audit", "verify", "--tenant", "pg-school"], env)
          expect(v.stdout).toContain("OK (2 rows)")
        } finally {
          Fs.rmSync(dir, { recursive: true, force: true })
          await db.dispose()
        }
      },
      SPAWNING_TEST_TIMEOUT
    )
  })
}
