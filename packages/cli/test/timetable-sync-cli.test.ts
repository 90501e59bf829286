/**
 * Issue 16 "Sync mode" from the CLI, in process against a throwaway
 * database of each dialect: `signet timetable sync` (dry run as JSON, the
 * human diff) and `signet timetable source add|list|remove`.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  Academics,
  Core,
  CreateTenant,
  CurrentActor,
  CurrentTenant,
  Db,
  systemActor,
  Tenancy,
  type TenantId
} from "@signet/core"
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

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//signet test//cli sync//EN",
  "BEGIN:VEVENT",
  "UID:maths",
  "DTSTAMP:20261101T000000Z",
  "DTSTART:20261207T080000Z",
  "DTEND:20261207T090000Z",
  "RRULE:FREQ=WEEKLY;COUNT=2",
  "SUMMARY:Maths",
  "LOCATION:R1",
  "END:VEVENT",
  "END:VCALENDAR"
].join("\r\n")

/** A database with tenant `slug` and a school with room R1, the CLI pointed at it; the calendar written to a file. */
const withSchool = async (
  dialect: "sqlite" | "pg",
  slug: string,
  body: (schoolId: string, file: string) => Promise<void>
) => {
  const db = await makeTestDatabase(dialect)
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-sync-cli-"))
  try {
    process.env.DATABASE_URL = db.url
    process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
    delete process.env.SIGNET_CONFIG
    const core = Core.layer({ databaseUrl: db.url, pgPoolSize: 2 })
    const schoolId = await Effect.runPromise(
      Effect.gen(function* () {
        const t = yield* Tenancy.use((x) => x.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))
        return yield* Db.tenantTx(
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "Hugo" })
            yield* a.createClassroom({ school_id: school.id, name: "R1", code: "R1" })
            return school.id as string
          })
        ).pipe(Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug }))
      }).pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(core), Effect.scoped)
    )
    const file = Path.join(dir, "week.ics")
    Fs.writeFileSync(file, ICS)
    await body(schoolId, file)
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
    await db.dispose()
  }
}

/** Runs the CLI in process; answers what it printed on stdout. */
const cli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  await Effect.runPromise(run(["node", "signet", ...args]) as Effect.Effect<void>)
  expect(process.exitCode ?? 0).toBe(0)
  vi.restoreAllMocks()
  return out.join("\n")
}

for (const dialect of testDialects()) {
  describe(`signet timetable sync and source on ${dialect} (issue 16)`, () => {
    it("sync --dry-run --json answers the diff; sync prints it and writes the courses", async () => {
      await withSchool(dialect, "cli-sync", async (school, file) => {
        const T = ["--tenant", "cli-sync", "--school", school]
        const dry = JSON.parse(await cli(["timetable", "sync", file, ...T, "--dry-run", "--json"]))
        expect(dry).toMatchObject({ dry_run: true, counts: { created: 2 } })
        expect(dry.created).toHaveLength(2)
        const human = await cli(["timetable", "sync", file, ...T])
        expect(human).toContain("courses created 2, updated 0, unchanged 0, removed 0")
        expect(human).toContain("+ Maths  2026-12-07T08:00:00.000Z → 2026-12-07T09:00:00.000Z")
        const again = JSON.parse(await cli(["timetable", "sync", file, ...T, "--json"]))
        expect(again.counts).toMatchObject({ created: 0, unchanged: 2 })
      })
    }, 120_000)

    it("source add stores the URL (never printed again), list shows its host, remove deletes it", async () => {
      await withSchool(dialect, "cli-source", async (school) => {
        const T = ["--tenant", "cli-source"]
        const url = "https://timetable.example.org/ical?token=s3cret"
        const added = JSON.parse(
          await cli([
            "timetable",
            "source",
            "add",
            ...T,
            "--school",
            school,
            "--url",
            url,
            "--interval",
            "30",
            "--json"
          ])
        )
        expect(added).toMatchObject({ url_hint: "https://timetable.example.org/…", interval_minutes: 30 })
        const listed = await cli(["timetable", "source", "list", ...T, "--json"])
        expect(listed).not.toContain("s3cret")
        expect(JSON.parse(listed)).toHaveLength(1)
        expect(await cli(["timetable", "source", "remove", added.id, ...T])).toContain("removed")
        expect(JSON.parse(await cli(["timetable", "source", "list", ...T, "--json"]))).toEqual([])
      })
    }, 120_000)
  })
}
