/**
 * The academics repository's SQL of classrooms (issue 14 §2).
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { Classroom } from "@signet/contracts/academics/Domain"
import { Effect } from "effect"
import type { PageParams } from "../Rows.js"
import { byCodeOf, byIdsOf, exec, iso, pageOf, span, tid, unique } from "./Shared.js"

/** SQL of classrooms. */
export const classroomQueries = (sql: SqlClient.SqlClient) => {
  const classroomsQ = byIdsOf(sql, "classrooms", Classroom)
  const classroomPageQ = pageOf(sql, "classrooms", Classroom)
  const classroomCodeQ = byCodeOf(sql, "classrooms", Classroom)

  return {
    /** The live classrooms with these ids (valid UUIDs, at least one). */
    findClassrooms: (ids: ReadonlyArray<string>) =>
      Effect.flatMap(tid, (tenant) => classroomsQ({ tenant, ids })).pipe(span("findClassrooms")),
    /** A page of live classrooms. */
    listClassrooms: (p: PageParams) =>
      Effect.flatMap(tid, (tenant) =>
        classroomPageQ({ tenant, school_id: p.school_id, after: p.after, limit: p.limit })
      ).pipe(span("listClassrooms")),
    /** Up to two live classrooms with this code (in a school, or tenant-wide). */
    findClassroomsByCode: (code: string, schoolId: string | undefined) =>
      Effect.flatMap(tid, (tenant) => classroomCodeQ({ tenant, code, school: schoolId })).pipe(
        span("findClassroomsByCode")
      ),
    /** Inserts a classroom. @errors AcademicsUniqueViolation (code taken in the school) */
    insertClassroom: (c: Classroom) =>
      exec(
        (tenant) => sql`INSERT INTO classrooms (tenant_id, id, school_id, name, code, capacity, created_at, updated_at)
          VALUES (${tenant}, ${c.id}, ${c.school_id}, ${c.name}, ${c.code}, ${c.capacity}, ${iso(c.created_at)}, ${iso(c.updated_at)})`
      ).pipe(unique("insertClassroom")),
    /** Writes a classroom's name, code and capacity. @errors AcademicsUniqueViolation (code taken in the school) */
    updateClassroom: (c: Classroom) =>
      exec(
        (
          tenant
        ) => sql`UPDATE classrooms SET name = ${c.name}, code = ${c.code}, capacity = ${c.capacity}, updated_at = ${iso(c.updated_at)}
          WHERE tenant_id = ${tenant} AND id = ${c.id}`
      ).pipe(unique("updateClassroom"))
  } as const
}
