/**
 * The academics repository's SQL of student groups, their members and
 * teachers (issue 14 §2), including the reads and writes of the OneRoster
 * import (groups by source id, bulk membership and teacher changes).
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { GroupId, SchoolId, StudentGroup } from "@signet/contracts/academics/Domain"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type DateTime, Effect, Schema } from "effect"
import { type GroupColumns, GroupRow, type PageParams } from "../Rows.js"
import { byCodeOf, byIdsOf, exec, iso, pageOf, span, tid, unique } from "./Shared.js"

/** An imported group as the OneRoster import compares it (live or soft-deleted). */
const SourcedGroup = Schema.Struct({
  id: GroupId,
  source_id: Schema.String,
  school_id: SchoolId,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  course_title: Schema.NullOr(Schema.String),
  location: Schema.NullOr(Schema.String),
  deleted_at: Schema.NullOr(Schema.String)
})
/** @see SourcedGroup */
export type SourcedGroup = typeof SourcedGroup.Type

/** A group's people: its members (students) or its teachers — table and column. */
const PEOPLE = {
  members: ["group_members", "student_id"],
  teachers: ["group_teachers", "teacher_id"]
} as const
/** @see PEOPLE */
export type GroupPeople = keyof typeof PEOPLE

/** `group_teachers` rows, the teacher decoded as a `UserId`. */
const TeacherRows = Schema.Array(Schema.Struct({ group_id: Schema.String, teacher_id: UserId }))

/** `group_members` rows, the student decoded as a `UserId`. */
const MemberRows = Schema.Array(Schema.Struct({ student_id: UserId }))

/** SQL of student groups, their members and teachers. */
export const groupQueries = (sql: SqlClient.SqlClient) => {
  const groupsQ = byIdsOf(sql, "student_groups", GroupRow)
  const groupPageQ = pageOf(sql, "student_groups", GroupRow)
  const groupCodeQ = byCodeOf(sql, "student_groups", GroupRow)
  const sourcedQ = SqlSchema.findAll({
    Request: Schema.String,
    Result: SourcedGroup,
    execute: (tenant) => sql`SELECT id, source_id, school_id, name, code, course_title, location, deleted_at
      FROM student_groups WHERE tenant_id = ${tenant} AND source_id IS NOT NULL`
  })

  /** Groups with their member counts and teachers. */
  const present = (tenant: string, raw: ReadonlyArray<GroupRow>) =>
    Effect.gen(function* () {
      if (raw.length === 0) return [] as Array<StudentGroup>
      const ids = raw.map((g) => g.id)
      const counts = yield* sql<{ group_id: string; n: unknown }>`SELECT group_id, COUNT(*) AS n FROM group_members
        WHERE tenant_id = ${tenant} AND ${sql.in("group_id", ids)} GROUP BY group_id`
      const teachers = yield* sql`SELECT group_id, teacher_id FROM group_teachers
        WHERE tenant_id = ${tenant} AND ${sql.in("group_id", ids)} ORDER BY teacher_id`.pipe(
        Effect.flatMap(Schema.decodeUnknown(TeacherRows))
      )
      return raw.map(
        (g) =>
          new StudentGroup({
            ...g,
            member_count: Number(counts.find((c) => c.group_id === g.id)?.n ?? 0),
            teacher_ids: teachers.filter((t) => t.group_id === g.id).map((t) => t.teacher_id)
          })
      )
    })
  /** A group read: the tenant's rows of `query`, presented. */
  const groups = <P>(name: string, query: (tenant: string) => Effect.Effect<ReadonlyArray<GroupRow>, P>) =>
    Effect.flatMap(tid, (tenant) => Effect.flatMap(query(tenant), (raw) => present(tenant, raw))).pipe(span(name))
  /** The members or teachers of a group (unordered). */
  const people = (kind: GroupPeople, groupId: string) =>
    Effect.flatMap(tid, (tenant) => {
      const [table, column] = PEOPLE[kind]
      return sql<{ ref: string }>`SELECT ${sql(column)} AS ref FROM ${sql(table)} WHERE tenant_id = ${tenant}
        AND group_id = ${groupId}`
    }).pipe(
      Effect.map((r) => r.map((x) => x.ref)),
      span("people")
    )

  return {
    /** The live groups with these ids (valid UUIDs, at least one). */
    findGroups: (ids: ReadonlyArray<string>) => groups("findGroups", (tenant) => groupsQ({ tenant, ids })),
    /** A page of live groups. */
    listGroups: (p: PageParams) =>
      groups("listGroups", (tenant) => groupPageQ({ tenant, school_id: p.school_id, after: p.after, limit: p.limit })),
    /** Up to two live groups with this code (in a school, or tenant-wide). */
    findGroupsByCode: (code: string, schoolId: string | undefined) =>
      groups("findGroupsByCode", (tenant) => groupCodeQ({ tenant, code, school: schoolId })),
    /** Inserts a group. @errors AcademicsUniqueViolation (code taken in the school) */
    insertGroup: (g: GroupRow) =>
      exec(
        (
          tenant
        ) => sql`INSERT INTO student_groups (tenant_id, id, school_id, name, code, course_title, location, source_id, created_at, updated_at)
          VALUES (${tenant}, ${g.id}, ${g.school_id}, ${g.name}, ${g.code}, ${g.course_title},
            ${g.location}, ${g.source_id}, ${iso(g.created_at)}, ${iso(g.updated_at)})`
      ).pipe(unique("insertGroup")),
    /** Writes a group's name, code, course title and location. @errors AcademicsUniqueViolation (code taken) */
    updateGroup: (id: string, g: GroupColumns, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE student_groups SET name = ${g.name}, code = ${g.code}, course_title = ${g.course_title},
            location = ${g.location}, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(unique("updateGroup")),
    /** Every imported group (with a source id), live or soft-deleted. */
    sourcedGroups: Effect.flatMap(tid, sourcedQ).pipe(span("sourcedGroups")),
    /** Rewrites an imported group (its school too) and brings it back if it was soft-deleted. */
    restoreGroup: (id: string, g: GroupColumns & { readonly school_id: string }, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE student_groups SET name = ${g.name}, code = ${g.code}, course_title = ${g.course_title},
            location = ${g.location}, school_id = ${g.school_id}, deleted_at = NULL, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("restoreGroup")),
    /** The members of a group (unordered). */
    members: (groupId: string) => people("members", groupId),
    /** The members or teachers of a group (unordered). */
    people,
    /** The members of a group, by id. */
    listMembers: (groupId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT student_id FROM group_members WHERE tenant_id = ${tenant}
          AND group_id = ${groupId} ORDER BY student_id`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(MemberRows)),
        Effect.map((r) => r.map((x) => x.student_id)),
        span("listMembers")
      ),
    /** Adds these members or teachers to a group (linked at `at`), 200 rows a statement. */
    addPeople: (kind: GroupPeople, groupId: string, ids: ReadonlyArray<string>, at: DateTime.Utc) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const [table, column] = PEOPLE[kind]
        for (let i = 0; i < ids.length; i += 200) {
          const rows = ids
            .slice(i, i + 200)
            .map((u) => ({ tenant_id: tenant, group_id: groupId, [column]: u, created_at: iso(at) }))
          yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)}`
        }
      }).pipe(span("addPeople")),
    /** Removes these members or teachers from a group. */
    removePeople: (kind: GroupPeople, groupId: string, ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const [table, column] = PEOPLE[kind]
        for (const u of ids)
          yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${tenant} AND group_id = ${groupId} AND ${sql(column)} = ${u}`
      }).pipe(span("removePeople")),
    /** Removes these students from a group and adds those (joined at `at`). */
    changeMembers: (groupId: string, remove: ReadonlyArray<string>, add: ReadonlyArray<string>, at: DateTime.Utc) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        for (const s of remove)
          yield* sql`DELETE FROM group_members WHERE tenant_id = ${tenant} AND group_id = ${groupId} AND student_id = ${s}`
        for (const s of add)
          yield* sql`INSERT INTO group_members (tenant_id, group_id, student_id, created_at) VALUES (${tenant}, ${groupId}, ${s}, ${iso(at)})`
      }).pipe(span("changeMembers")),
    /** Replaces a group's teachers (linked at `at`). */
    replaceTeachers: (groupId: string, teacherIds: ReadonlyArray<string>, at: DateTime.Utc) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        yield* sql`DELETE FROM group_teachers WHERE tenant_id = ${tenant} AND group_id = ${groupId}`
        for (const t of teacherIds)
          yield* sql`INSERT INTO group_teachers (tenant_id, group_id, teacher_id, created_at) VALUES (${tenant}, ${groupId}, ${t}, ${iso(at)})`
      }).pipe(span("replaceTeachers")),
    /** Of `ids`, the teachers of a live group of the school. */
    teachingIn: (ids: ReadonlyArray<string>, schoolId: string) =>
      Effect.gen(function* () {
        const out = new Set<string>()
        const tenant = yield* tid
        for (let i = 0; i < ids.length; i += 500) {
          const rows = yield* sql<{ teacher_id: string }>`SELECT DISTINCT gt.teacher_id FROM group_teachers gt
            JOIN student_groups g ON g.tenant_id = gt.tenant_id AND g.id = gt.group_id
            WHERE gt.tenant_id = ${tenant} AND g.school_id = ${schoolId} AND g.deleted_at IS NULL
            AND gt.teacher_id IN ${sql.in(ids.slice(i, i + 500))}`
          for (const r of rows) out.add(r.teacher_id)
        }
        return out
      }).pipe(span("teachingIn"))
  } as const
}
