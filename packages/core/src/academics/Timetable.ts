/**
 * iCalendar timetables into courses, and read-only calendar feeds out of
 * them (RFC 5545; parsing and rendering in `ICalendar.ts`).
 *
 * Import: one course per occurrence in a given school, upserted by the
 * occurrence's `sourceKey` (UID + original start), so importing the same file
 * again changes nothing. Mapped codes resolve to the school's classrooms and
 * groups, teachers (login, e-mail, alias or code) to users; an unresolved
 * reference is a warning and the course is created without that link.
 * Cancelled occurrences delete their course (kept when it has attendance);
 * unreadable events are skipped and listed unless `skipInvalid` is false
 * (issue 16, `timetable/Import.ts`). One transaction; one audit row and one
 * CloudEvent summarise the import.
 *
 * Feeds: a feed is a revocable secret URL
 * (`/api/v1/tenants/{slug}/feeds/{token}.ics`) publishing the courses of one
 * student, teacher, group or classroom from 30 days back to 180 days ahead.
 * Tokens (`sgc_…`, 256 bits) are stored as SHA-256 hashes.
 *
 * Sync (issue 16): `syncPlan` replaces the school's timetable in the window
 * a snapshot covers (`timetable/Sync.ts`); timetable sources pull an https
 * iCalendar URL on a schedule and sync it (`timetable/Sources.ts`).
 *
 * @module
 */

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { Academics } from "./Academics.js"
import { AcademicsRepo } from "./Repo.js"
import { CourseAttendance } from "./timetable/AttendancePort.js"
import type { Deps } from "./timetable/Deps.js"
import { makeFeeds } from "./timetable/Feeds.js"
import { makeImport } from "./timetable/Import.js"
import { makePulls } from "./timetable/Pull.js"
import { makeRender } from "./timetable/Render.js"
import { makeSources } from "./timetable/Sources.js"
import { makeSync } from "./timetable/Sync.js"

/** The timetable service (acts on the `CurrentTenant`). */
export class Timetable extends Effect.Service<Timetable>()("Signet/Timetable", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const deps: Deps = {
      repo: yield* AcademicsRepo,
      audit: yield* Audit,
      events: yield* Events,
      academics: yield* Academics,
      identity: yield* Identity,
      inTx: (self) => tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    }
    const { importPlan } = makeImport(deps)
    const { renderSubject, exportSubject, collectSubject } = makeRender(deps)
    // Issue 16 "Sync mode": snapshot sync and scheduled sources (timetable/Sync.ts, timetable/Sources.ts).
    const { syncPlan } = makeSync(deps, yield* CourseAttendance)
    const envelope = yield* Envelope
    const { findRow, ...sources } = makeSources(deps, envelope)
    const pulls = makePulls(deps, envelope, sql, syncPlan, { findRow })
    return {
      importPlan,
      renderSubject,
      exportSubject,
      ...makeFeeds(deps, collectSubject),
      syncPlan,
      ...sources,
      ...pulls
    } as const
  }),
  dependencies: [AcademicsRepo.Default]
}) {}
