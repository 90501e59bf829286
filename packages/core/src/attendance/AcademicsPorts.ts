/**
 * Academics' attendance port (`academics/timetable/AttendancePort.ts`
 * {@link CourseAttendance}), provided by attendance, which owns the tables
 * it reads (issue 16 "Sync mode": a timetable sync keeps a vanished course
 * that has attendance). Built on the `SqlClient` alone, so the port comes
 * from below both services and the layers form no cycle.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Layer } from "effect"
import { CourseAttendance } from "../academics/timetable/AttendancePort.js"

/** Rows per `IN (…)` list. */
const CHUNK = 500

/** `CourseAttendance.withAttendance` over `signatures`, `signature_refusals`, `roll_results` and `excuses`. */
export const courseAttendanceLayer: Layer.Layer<CourseAttendance, never, SqlClient.SqlClient> = Layer.effect(
  CourseAttendance,
  Effect.map(SqlClient.SqlClient, (sql) => ({
    withAttendance: (ids) =>
      Effect.gen(function* () {
        const tenant = (yield* CurrentTenant).id as string
        const found = new Set<string>()
        for (let i = 0; i < ids.length; i += CHUNK) {
          const chunk = ids.slice(i, i + CHUNK)
          const rows = yield* sql<{ course_id: string }>`
            SELECT CAST(course_id AS TEXT) AS course_id FROM signatures WHERE tenant_id = ${tenant} AND ${sql.in("course_id", chunk)}
            UNION SELECT CAST(course_id AS TEXT) AS course_id FROM signature_refusals WHERE tenant_id = ${tenant} AND ${sql.in("course_id", chunk)}
            UNION SELECT CAST(course_id AS TEXT) AS course_id FROM roll_results WHERE tenant_id = ${tenant} AND ${sql.in("course_id", chunk)}
            UNION SELECT CAST(course_id AS TEXT) AS course_id FROM excuses WHERE tenant_id = ${tenant} AND ${sql.in("course_id", chunk)}`
          for (const r of rows) found.add(String(r.course_id))
        }
        return found as ReadonlySet<string>
      }).pipe(Effect.orDie, Effect.withSpan("Attendance.courseAttendance"))
  }))
)
