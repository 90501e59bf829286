/**
 * Issue 16 "Sync mode", scheduled pull: timetable sources (a school's
 * iCalendar URL, encrypted at rest) pulled conditionally from a real
 * `node:http` server started here, on both dialects.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Academics, isInternalAddress, MIN_INTERVAL_MINUTES, type SchoolId, Timetable } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted, TestClock } from "effect"
import { asTenant, onboard, testActor, testCore } from "./support.js"

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//signet test//sources//EN",
  "BEGIN:VEVENT",
  "UID:weekly-maths",
  "DTSTAMP:20261101T000000Z",
  "DTSTART:20261207T080000Z",
  "DTEND:20261207T090000Z",
  "RRULE:FREQ=WEEKLY;COUNT=4",
  "SUMMARY:Maths",
  "LOCATION:R1",
  "END:VEVENT",
  "END:VCALENDAR"
].join("\r\n")

/** What the test server saw of each request. */
interface Seen {
  readonly url: string
  readonly ifNoneMatch: string | undefined
}

/**
 * A loopback server: `/cal.ics?token=…` answers the calendar with an ETag,
 * 304 when `If-None-Match` names it; `/hop` redirects to the calendar;
 * `/big` answers more than the parser's size limit.
 */
const server = Effect.acquireRelease(
  Effect.async<{ readonly base: string; readonly seen: Array<Seen> }>((resume) => {
    const seen: Array<Seen> = []
    const srv = Http.createServer((req, res) => {
      seen.push({ url: req.url ?? "", ifNoneMatch: req.headers["if-none-match"] })
      if (req.url?.startsWith("/hop")) {
        res.writeHead(302, { location: "/cal.ics?token=s3cret" }).end()
      } else if (req.url?.startsWith("/big")) {
        res.writeHead(200, { "content-type": "text/calendar" })
        res.end(Buffer.alloc(9 * 1024 * 1024, 0x41))
      } else if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' }).end()
      } else {
        res.writeHead(200, { "content-type": "text/calendar", etag: '"v1"' }).end(ICS)
      }
    })
    srv.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, srv }))
    )
  }),
  (s) => Effect.sync(() => (s as unknown as { srv: Http.Server }).srv.close())
)

const insecure = { allowInsecureHttp: true } as const

const newSchool = Effect.gen(function* () {
  const a = yield* Academics
  const s = yield* a.createSchool({ name: "S" })
  yield* a.createClassroom({ school_id: s.id, name: "R1", code: "R1" })
  return s.id
})

const add = (schoolId: SchoolId, url: string, extra: Record<string, unknown> = {}) =>
  Timetable.use((t) => t.addSource({ school_id: schoolId, url: Redacted.make(url), ...extra }, insecure))

const inFreshTenant = <A, E, R>(slug: string, body: Effect.Effect<A, E, R>) =>
  Effect.flatMap(onboard(slug), (tenant) => asTenant(tenant, body.pipe(Effect.provide(testActor))))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Timetable sources on ${dialect} (issue 16)`, (it) => {
    it.scoped("a pull syncs the calendar; the next one sends If-None-Match, gets 304 and changes nothing", () =>
      Effect.gen(function* () {
        const srv = yield* server
        yield* inFreshTenant(
          "src-etag",
          Effect.gen(function* () {
            const schoolId = yield* newSchool
            const source = yield* add(schoolId, `${srv.base}/cal.ics?token=s3cret`)
            const first = yield* Timetable.use((t) => t.pullSource(source.id, insecure))
            expect(first.status).toBe("synced")
            expect(first.summary?.counts.created).toBe(4)
            const courses = yield* Academics.use((a) => a.listCourses({ school_id: schoolId }))
            const second = yield* Timetable.use((t) => t.pullSource(source.id, insecure))
            expect(second).toMatchObject({ status: "not_modified", summary: null })
            expect(srv.seen.map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"'])
            expect(yield* Academics.use((a) => a.listCourses({ school_id: schoolId }))).toEqual(courses)
            expect((yield* Timetable.use((t) => t.getSource(source.id))).last_status).toBe("not_modified")
          })
        )
      })
    )

    it.scoped("the URL is stored encrypted and shown only as scheme and host", () =>
      Effect.gen(function* () {
        const srv = yield* server
        yield* inFreshTenant(
          "src-secret",
          Effect.gen(function* () {
            const source = yield* add(yield* newSchool, `${srv.base}/cal.ics?token=s3cret`)
            expect(source.url_hint).toBe(`${srv.base}/…`)
            expect(JSON.stringify(yield* Timetable.use((t) => t.listSources))).not.toContain("s3cret")
            const sql = yield* SqlClient.SqlClient
            const rows = yield* sql`SELECT * FROM timetable_sources WHERE id = ${source.id}`
            expect(rows).toHaveLength(1)
            expect(String(rows[0]!.url_enc)).toMatch(/^sg1\./)
            expect(JSON.stringify(rows)).not.toContain("s3cret")
          })
        )
      })
    )

    it.effect("a source URL must be https (plain http is for loopback tests only) without credentials", () =>
      inFreshTenant(
        "src-url",
        Effect.gen(function* () {
          const schoolId = yield* newSchool
          const refused = (url: string, options = {}) =>
            Effect.flip(Timetable.use((t) => t.addSource({ school_id: schoolId, url: Redacted.make(url) }, options)))
          expect((yield* refused("http://example.org/cal.ics"))._tag).toBe("ValidationError")
          expect((yield* refused("http://127.0.0.1/cal.ics"))._tag).toBe("ValidationError")
          expect((yield* refused("ftp://example.org/cal.ics", insecure))._tag).toBe("ValidationError")
          expect((yield* refused("https://user:pw@example.org/cal.ics"))._tag).toBe("ValidationError")
          expect((yield* refused("https://10.0.0.7/cal.ics"))._tag).toBe("ValidationError")
          expect((yield* Timetable.use((t) => t.listSources)).length).toBe(0)
        })
      )
    )

    it.effect("the interval is at least 15 minutes; the mapping must be valid and is kept", () =>
      inFreshTenant(
        "src-interval",
        Effect.gen(function* () {
          const schoolId = yield* newSchool
          const url = "https://timetable.example.org/cal.ics"
          const e1 = yield* Effect.flip(add(schoolId, url, { interval_minutes: MIN_INTERVAL_MINUTES - 1 }))
          expect(e1).toMatchObject({ _tag: "ValidationError" })
          const e2 = yield* Effect.flip(add(schoolId, url, { mapping: { clasroom: { from: "LOCATION" } } }))
          expect(e2).toMatchObject({ _tag: "ValidationError" })
          expect((yield* add(schoolId, url, { interval_minutes: 15 })).interval_minutes).toBe(15)
          const mapped = yield* add(schoolId, url, { mapping: { timezone: "Europe/Paris" } })
          expect((yield* Timetable.use((t) => t.getSource(mapped.id))).mapping).toEqual({ timezone: "Europe/Paris" })
        })
      )
    )

    it.effect("another tenant's source answers TimetableSourceNotFound", () =>
      Effect.gen(function* () {
        const source = yield* inFreshTenant(
          "src-owner",
          Effect.flatMap(newSchool, (id) => add(id, "https://timetable.example.org/cal.ics"))
        )
        yield* inFreshTenant(
          "src-other",
          Effect.gen(function* () {
            const notFound = <A, E extends { readonly _tag: string }, R>(op: Effect.Effect<A, E, R>) =>
              Effect.map(Effect.flip(op), (e) => expect(e._tag).toBe("TimetableSourceNotFound"))
            yield* notFound(Timetable.use((t) => t.getSource(source.id)))
            yield* notFound(Timetable.use((t) => t.removeSource(source.id)))
            yield* notFound(Timetable.use((t) => t.pullSource(source.id, insecure)))
          })
        )
      })
    )

    it.scoped("a redirect to a plain-http host is refused and recorded as failed", () =>
      Effect.gen(function* () {
        const srv = yield* server
        yield* inFreshTenant(
          "src-redirect",
          Effect.gen(function* () {
            const schoolId = yield* newSchool
            const source = yield* add(schoolId, `${srv.base}/hop`)
            // Allowed with the insecure option: the redirect is followed.
            expect((yield* Timetable.use((t) => t.pullSource(source.id, insecure))).status).toBe("synced")
            // Without it the same URL is refused before any request.
            const before = srv.seen.length
            const e = yield* Effect.flip(Timetable.use((t) => t.pullSource(source.id)))
            expect(e._tag).toBe("TimetablePullFailed")
            expect(e.message).not.toContain("s3cret")
            expect(srv.seen.length).toBe(before)
            const after = yield* Timetable.use((t) => t.getSource(source.id))
            expect(after.last_status).toBe("failed")
          })
        )
      })
    )

    it.effect("a host name that resolves to a private address is refused before any request", () =>
      inFreshTenant(
        "src-resolved",
        Effect.gen(function* () {
          const schoolId = yield* newSchool
          const url = "https://timetables.school.example/cal.ics?token=s3cret"
          const source = yield* Timetable.use((t) => t.addSource({ school_id: schoolId, url: Redacted.make(url) }))
          const asked: Array<string> = []
          // The school's DNS points the name inside the network.
          const lookup = async (host: string) => {
            asked.push(host)
            return [{ address: "10.1.2.3" }]
          }
          const e = yield* Effect.flip(Timetable.use((t) => t.pullSource(source.id, { lookup })))
          expect(e._tag).toBe("TimetablePullFailed")
          expect(e.message).toContain("resolves to a loopback, private or link-local address")
          expect(e.message).not.toContain("s3cret")
          expect(asked).toEqual(["timetables.school.example"])
        })
      )
    )

    it.scoped("an answer larger than the parser's MAX_FILE_BYTES is refused and nothing is synced", () =>
      Effect.gen(function* () {
        const srv = yield* server
        yield* inFreshTenant(
          "src-big",
          Effect.gen(function* () {
            const schoolId = yield* newSchool
            const source = yield* add(schoolId, `${srv.base}/big`)
            const e = yield* Effect.flip(Timetable.use((t) => t.pullSource(source.id, insecure)))
            expect(e).toMatchObject({ _tag: "TimetablePullFailed" })
            expect(e.message).toContain("MAX_FILE_BYTES")
            expect((yield* Academics.use((a) => a.listCourses({ school_id: schoolId }))).items).toEqual([])
          })
        )
      })
    )

    it.scoped("pullDue pulls the enabled sources that are due, then waits an interval", () =>
      Effect.gen(function* () {
        const srv = yield* server
        yield* inFreshTenant(
          "src-due",
          Effect.gen(function* () {
            const schoolId = yield* newSchool
            yield* add(schoolId, `${srv.base}/cal.ics?token=a`, { interval_minutes: 30 })
            yield* add(schoolId, `${srv.base}/cal.ics?token=b`, { enabled: false })
            expect(yield* Timetable.use((t) => t.pullDue(insecure))).toBe(1)
            expect(yield* Timetable.use((t) => t.pullDue(insecure))).toBe(0)
            yield* TestClock.adjust("31 minutes")
            expect(yield* Timetable.use((t) => t.pullDue(insecure))).toBe(1)
            expect(srv.seen.map((s) => s.url)).toEqual(["/cal.ics?token=a", "/cal.ics?token=a"])
          })
        )
      })
    )

    it.effect("removing a source keeps its courses and answers it", () =>
      inFreshTenant(
        "src-remove",
        Effect.gen(function* () {
          const source = yield* add(yield* newSchool, "https://timetable.example.org/cal.ics")
          expect((yield* Timetable.use((t) => t.removeSource(source.id))).id).toBe(source.id)
          expect(yield* Timetable.use((t) => t.listSources)).toEqual([])
        })
      )
    )
  })
}

/** Polls `check` every 50 ms of real time, at most `tries` times (the job's fetch is real I/O). */
const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, tries = 400) =>
  Effect.gen(function* () {
    for (let i = 0; i < tries; i++) {
      if (yield* check) return true
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
    }
    return false
  })

for (const dialect of testDialects()) {
  // A database of its own: the job pulls every tenant's due sources.
  layer(testCore(dialect), { timeout: 120_000 })(`Timetable sources job on ${dialect} (issue 16)`, (it) => {
    it.scoped("the job (Timetable.sourcesJob, run by Core.jobs) pulls a due source and syncs it", () =>
      Effect.gen(function* () {
        const srv = yield* server
        const tenant = yield* onboard("src-job")
        const { schoolId, sourceId } = yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const schoolId = yield* newSchool
            const source = yield* add(schoolId, `${srv.base}/cal.ics?token=job`)
            return { schoolId, sourceId: source.id }
          }).pipe(Effect.provide(testActor))
        )
        yield* Effect.forkScoped(Timetable.use((t) => t.sourcesJob({ intervalMs: 60_000, ...insecure })))
        const read = asTenant(
          tenant,
          Effect.all([
            Timetable.use((t) => t.getSource(sourceId)),
            Academics.use((a) => a.listCourses({ school_id: schoolId }))
          ]).pipe(Effect.provide(testActor))
        )
        expect(yield* eventually(Effect.map(read, ([s]) => s.last_status === "synced"))).toBe(true)
        const [, courses] = yield* read
        expect(courses.items).toHaveLength(4)
        expect(srv.seen.map((s) => s.url)).toEqual(["/cal.ics?token=job"])
      })
    )
  })
}

describe("internal addresses a timetable source may not resolve to (issue 16)", () => {
  it("loopback, private, link-local, CGNAT, unspecified and unique-local addresses are internal", () => {
    for (const a of ["127.0.0.1", "10.0.0.7", "172.20.1.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"])
      expect(isInternalAddress(a)).toBe(true)
    for (const a of ["::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"])
      expect(isInternalAddress(a)).toBe(true)
  })

  it("public addresses are not", () => {
    for (const a of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      expect(isInternalAddress(a)).toBe(false)
  })
})
