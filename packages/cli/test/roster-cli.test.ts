/**
 * Issue 16: `signet roster import` prints warnings grouped by kind (a count and a few
 * examples) instead of one line each, and reads a Clever folder; `--json` keeps every
 * warning. Run in process (`run` from main.ts) against a throwaway database of each dialect.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Core, CreateTenant, CurrentActor, systemActor, Tenancy } from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { run } from "../src/main.js"

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
  process.exitCode = undefined
  vi.restoreAllMocks()
})

/** A Clever folder: one school, one teacher, one section, `students` students whose e-mails lack '@'. */
const cleverFolder = (students: number) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-clever-cli-"))
  const ids = Array.from({ length: students }, (_, i) => i + 1)
  const files: Record<string, Array<string>> = {
    "schools.csv": ["School_id,School_name,School_number", "sch-1,Lincoln,LIN"],
    "teachers.csv": [
      "School_id,Teacher_id,First_name,Last_name,Teacher_email",
      "sch-1,t-1,Ada,Byron,ada@lincoln.example"
    ],
    "students.csv": [
      "School_id,Student_id,First_name,Last_name,Student_email,Username",
      ...ids.map((i) => `sch-1,s-${i},Sam,P${i},s${i}.lincoln.example,s${i}`)
    ],
    "sections.csv": ["School_id,Section_id,Teacher_id,Name", "sch-1,sec-1,t-1,Algebra"],
    "enrollments.csv": ["School_id,Section_id,Student_id", ...ids.map((i) => `sch-1,sec-1,s-${i}`)]
  }
  for (const [name, lines] of Object.entries(files)) Fs.writeFileSync(Path.join(dir, name), `${lines.join("\n")}\n`)
  return dir
}

/** Runs the CLI in process; answers what it printed on stdout and stderr. */
const cli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  vi.spyOn(console, "error").mockImplementation((...parts: Array<unknown>) => void err.push(parts.join(" ")))
  await Effect.runPromise(run(["node", "signet", ...args]) as Effect.Effect<void>)
  expect(process.exitCode ?? 0).toBe(0)
  return { stdout: out.join("\n"), stderr: err.join("\n") }
}

for (const dialect of testDialects()) {
  describe(`signet roster import on ${dialect} (issue 16)`, () => {
    it("prints one line per kind of warning with its count and examples; --json keeps every warning", async () => {
      const db = await makeTestDatabase(dialect)
      const dir = cleverFolder(12)
      try {
        process.env.DATABASE_URL = db.url
        process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
        delete process.env.SIGNET_CONFIG
        await Effect.runPromise(
          Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug: "cli-clever", name: "C" }))).pipe(
            Effect.provideService(CurrentActor, systemActor),
            Effect.provide(Core.layer({ databaseUrl: db.url, pgPoolSize: 2 })),
            Effect.scoped
          )
        )
        const dry = await cli(["roster", "import", dir, "--tenant", "cli-clever", "--dry-run"])
        const warnings = dry.stderr.split("\n").filter((l) => l.startsWith("warning"))
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toMatch(
          /^warning invalid-email ×12, e\.g\. students\.csv:2 students\.csv:3 students\.csv:4 students\.csv:5 students\.csv:6 …: students\.csv:2: email 's1\.lincoln\.example'/
        )
        expect(dry.stdout).toContain("Clever CSV (dry run: nothing written)")
        expect(dry.stdout).toContain("12 warning(s) of 1 kind(s), 0 error(s)")
        const json = JSON.parse((await cli(["roster", "import", dir, "--tenant", "cli-clever", "--json"])).stdout)
        expect(json.version).toBe("clever")
        expect(json.warnings).toHaveLength(12)
        expect(json.warning_groups).toMatchObject([{ code: "invalid-email", count: 12 }])
        expect(json.users).toMatchObject({ created: 13 })
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
        await db.dispose()
      }
    }, 120_000)
  })
}
