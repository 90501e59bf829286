/**
 * Issue 16: the SDK's timetable import passes its options (mapping object,
 * createMissing) as the REST url params.
 */
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "correct horse battery staple"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("SDK timetable import", (it) => {
  it.effect("importTimetable sends the mapping and createMissing: the mapped room is created", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const run = <A>(f: () => Promise<A>) => Effect.promise(f)
      const operator = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-tt",
        credentials: { operatorToken: server.token }
      })
      yield* run(() =>
        operator.tenants.create({
          slug: "sdk-tt",
          name: "TT",
          admin: { email: "admin@tt.example.edu", password: Redacted.make(PASSWORD), given_name: "A", family_name: "D" }
        })
      )
      const admin = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-tt",
        credentials: { login: "admin@tt.example.edu", password: PASSWORD }
      })
      const school = yield* run(() => admin.academics.createSchool({ name: "Hugo" }))
      const ics = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//t//EN",
        "BEGIN:VEVENT",
        "UID:sdk-1",
        "DTSTAMP:20261101T000000Z",
        "DTSTART:20261125T080000Z",
        "DTEND:20261125T090000Z",
        "SUMMARY:History",
        "LOCATION:Room B12",
        "END:VEVENT",
        "END:VCALENDAR"
      ].join("\r\n")
      const summary = yield* run(() =>
        admin.academics.importTimetable(school.id, ics, {
          mapping: { classroom: { from: "LOCATION", pattern: "(B\\d+)$" } },
          createMissing: true
        })
      )
      expect(summary.created_missing).toEqual({ classrooms: 1, groups: 0 })
      expect(summary.courses.created).toBe(1)
    })
  )
})
