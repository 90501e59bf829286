/**
 * The academics repository: all of the academics service's SQL for schools
 * (and their preferences), classrooms, student groups and memberships,
 * courses and their links, and the tenant's academics version (ARCHITECTURE
 * §1 "Repo.ts"; issue 14 §2). Of core's services it is the only writer of
 * `schools`, `school_preferences`, `classrooms`, `student_groups`,
 * `group_members`, `group_teachers`, `courses`, `teachers_courses`,
 * `courses_classrooms`, `courses_student_groups` and `academics_versions` —
 * except the OneRoster import (`Roster.ts`), which still writes schools,
 * preferences, groups, memberships, group teachers and the version in bulk
 * with its own SQL (and the timetable import, `Timetable.ts`, which reads
 * courses and their links with its own SQL).
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's tenant transaction (`tenantTx`, which on Postgres also sets the
 * row-level-security tenant). Rows are decoded once into the domain classes
 * (`School`, `SchoolPreferences`, `Classroom`, `StudentGroup`, `Course`; a
 * group's member count and teachers and a course's links and effective
 * closing delay are read with it). SQL errors become defects, except unique
 * violations on insert/update, which the caller turns into a `Conflict`.
 * Each method has a span `AcademicsRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import {
  Classroom,
  Course,
  DEFAULT_PREFERENCES,
  School,
  type SchoolPreferences,
  StudentGroup
} from "@signet/contracts/academics/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Schema } from "effect"
import { isUniqueViolation } from "../kernel/Database.js"
import { bool, repoSpan } from "../kernel/Sql.js"
import {
  AcademicsUniqueViolation,
  type CourseFilters,
  CourseRow,
  type GroupColumns,
  GroupRow,
  type NewCourse,
  type PageParams,
  PreferencesFromRow,
  type SoftDeletable
} from "./Rows.js"

const span = repoSpan("AcademicsRepo")
/** Unique violations as {@link AcademicsUniqueViolation}, other SQL errors as defects. */
const unique =
  (name: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.catchAll((e) =>
        isUniqueViolation(e) ? Effect.fail(new AcademicsUniqueViolation({ error: e })) : Effect.die(e)
      ),
      Effect.withSpan(`AcademicsRepo.${name}`)
    )
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
/** Runs the current tenant's statement for its effect. */
const exec = <E>(statement: (tenant: string) => Effect.Effect<unknown, E>) =>
  Effect.asVoid(Effect.flatMap(tid, statement))
const ByIds = Schema.Struct({ tenant: Schema.String, ids: Schema.Array(Schema.String) })
const ByCode = Schema.Struct({ tenant: Schema.String, code: Schema.String, school: Schema.UndefinedOr(Schema.String) })
const Page = Schema.Struct({
  tenant: Schema.String,
  school_id: Schema.UndefinedOr(Schema.String),
  after: Schema.UndefinedOr(Schema.String),
  limit: Schema.Number
})

/** A page query of one table's live rows by id (see {@link PageParams}). */
const pageOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: Page,
    Result,
    execute: (r) => sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
      ${r.school_id ? sql`AND school_id = ${r.school_id}` : sql``}
      ${r.after ? sql`AND id > ${r.after}` : sql``} ORDER BY id LIMIT ${r.limit}`
  })

/** A query of one table's live rows by ids. */
const byIdsOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: ByIds,
    Result,
    execute: (r) =>
      sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL AND ${sql.in("id", r.ids)}`
  })

/** A query of up to two live rows with this code (in a school, or tenant-wide). */
const byCodeOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: ByCode,
    Result,
    execute: (r) => sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
      AND code = ${r.code} ${r.school ? sql`AND school_id = ${r.school}` : sql``} LIMIT 2`
  })

/** SQL of schools, their preferences, classrooms, soft deletion and the academics version. */
const schoolsSql = (sql: SqlClient.SqlClient) => {
  const schoolQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
    Result: School,
    execute: (r) => sql`SELECT * FROM schools WHERE tenant_id = ${r.tenant} AND id = ${r.id} AND deleted_at IS NULL`
  })
  const preferencesQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, school: Schema.String }),
    Result: PreferencesFromRow,
    execute: (r) => sql`SELECT * FROM school_preferences WHERE tenant_id = ${r.tenant} AND school_id = ${r.school}`
  })
  const schoolPageQ = pageOf(sql, "schools", School)
  const classroomsQ = byIdsOf(sql, "classrooms", Classroom)
  const classroomPageQ = pageOf(sql, "classrooms", Classroom)
  const classroomCodeQ = byCodeOf(sql, "classrooms", Classroom)

  return {
    /** One live school. */
    findSchool: (id: string) => Effect.flatMap(tid, (tenant) => schoolQ({ tenant, id })).pipe(span("findSchool")),
    /** A page of live schools. */
    listSchools: (p: PageParams) =>
      Effect.flatMap(tid, (tenant) =>
        schoolPageQ({ tenant, school_id: undefined, after: p.after, limit: p.limit })
      ).pipe(span("listSchools")),
    /** Inserts a school. @errors AcademicsUniqueViolation (code taken) */
    insertSchool: (s: School) =>
      exec(
        (tenant) => sql`INSERT INTO schools (tenant_id, id, name, code, timezone, source_id, created_at, updated_at)
          VALUES (${tenant}, ${s.id}, ${s.name}, ${s.code}, ${s.timezone}, ${s.source_id}, ${s.created_at}, ${s.updated_at})`
      ).pipe(unique("insertSchool")),
    /** Writes a school's name, code and time zone. @errors AcademicsUniqueViolation (code taken) */
    updateSchool: (s: School) =>
      exec(
        (
          tenant
        ) => sql`UPDATE schools SET name = ${s.name}, code = ${s.code}, timezone = ${s.timezone}, updated_at = ${s.updated_at}
          WHERE tenant_id = ${tenant} AND id = ${s.id}`
      ).pipe(unique("updateSchool")),
    /** A school's stored preferences. */
    findPreferences: (schoolId: string) =>
      Effect.flatMap(tid, (tenant) => preferencesQ({ tenant, school: schoolId })).pipe(span("findPreferences")),
    /** Stores a new school's preferences. */
    insertPreferences: (p: SchoolPreferences, at: string) =>
      exec(
        (tenant) => sql`INSERT INTO school_preferences (tenant_id, school_id, default_signature_closing_delay_minutes,
            teacher_can_modify_closing_delay, students_can_sign_before_teacher, enable_flash,
            disable_course_modification_from_ui, enable_nfc, updated_at)
          VALUES (${tenant}, ${p.id}, ${p.default_signature_closing_delay_minutes}, ${bool(p.teacher_can_modify_closing_delay)},
            ${bool(p.students_can_sign_before_teacher)}, ${bool(p.enable_flash)},
            ${bool(p.disable_course_modification_from_ui)}, ${bool(p.enable_nfc)}, ${at})`
      ).pipe(span("insertPreferences")),
    /** Writes a school's preferences. */
    updatePreferences: (p: SchoolPreferences, at: string) =>
      exec(
        (tenant) => sql`UPDATE school_preferences SET
            default_signature_closing_delay_minutes = ${p.default_signature_closing_delay_minutes},
            teacher_can_modify_closing_delay = ${bool(p.teacher_can_modify_closing_delay)},
            students_can_sign_before_teacher = ${bool(p.students_can_sign_before_teacher)},
            enable_flash = ${bool(p.enable_flash)},
            disable_course_modification_from_ui = ${bool(p.disable_course_modification_from_ui)},
            enable_nfc = ${bool(p.enable_nfc)}, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND school_id = ${p.id}`
      ).pipe(span("updatePreferences")),
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
          VALUES (${tenant}, ${c.id}, ${c.school_id}, ${c.name}, ${c.code}, ${c.capacity}, ${c.created_at}, ${c.updated_at})`
      ).pipe(unique("insertClassroom")),
    /** Writes a classroom's name, code and capacity. @errors AcademicsUniqueViolation (code taken in the school) */
    updateClassroom: (c: Classroom) =>
      exec(
        (
          tenant
        ) => sql`UPDATE classrooms SET name = ${c.name}, code = ${c.code}, capacity = ${c.capacity}, updated_at = ${c.updated_at}
          WHERE tenant_id = ${tenant} AND id = ${c.id}`
      ).pipe(unique("updateClassroom")),
    /** Soft-deletes a row of `table` (stamps `deleted_at`). */
    softDelete: (table: SoftDeletable, id: string, at: string) =>
      exec(
        (tenant) => sql`UPDATE ${sql(table)} SET deleted_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("softDelete")),
    /** The tenant's academics version (0 before its first change). */
    readVersion: Effect.flatMap(
      tid,
      (tenant) => sql<{ version: number }>`SELECT version FROM academics_versions WHERE tenant_id = ${tenant}`
    ).pipe(
      Effect.map((r) => Number(r[0]?.version ?? 0)),
      span("readVersion")
    ),
    /** Bumps the tenant's academics version. */
    bumpVersion: exec(
      (tenant) => sql`INSERT INTO academics_versions (tenant_id, version) VALUES (${tenant}, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = academics_versions.version + 1`
    ).pipe(span("bumpVersion"))
  } as const
}

/** SQL of student groups, their members and teachers. */
const groupsSql = (sql: SqlClient.SqlClient) => {
  const groupsQ = byIdsOf(sql, "student_groups", GroupRow)
  const groupPageQ = pageOf(sql, "student_groups", GroupRow)
  const groupCodeQ = byCodeOf(sql, "student_groups", GroupRow)

  /** Groups with their member counts and teachers. */
  const present = (tenant: string, raw: ReadonlyArray<GroupRow>) =>
    Effect.gen(function* () {
      if (raw.length === 0) return [] as Array<StudentGroup>
      const ids = raw.map((g) => g.id)
      const counts = yield* sql<{ group_id: string; n: unknown }>`SELECT group_id, COUNT(*) AS n FROM group_members
        WHERE tenant_id = ${tenant} AND ${sql.in("group_id", ids)} GROUP BY group_id`
      const teachers = yield* sql<{
        group_id: string
        teacher_id: string
      }>`SELECT group_id, teacher_id FROM group_teachers
        WHERE tenant_id = ${tenant} AND ${sql.in("group_id", ids)} ORDER BY teacher_id`
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
  /** The members of a group (unordered). */
  const members = (groupId: string) =>
    Effect.flatMap(
      tid,
      (tenant) => sql<{ student_id: string }>`SELECT student_id FROM group_members WHERE tenant_id = ${tenant}
        AND group_id = ${groupId}`
    ).pipe(
      Effect.map((r) => r.map((x) => x.student_id)),
      span("members")
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
            ${g.location}, ${g.source_id}, ${g.created_at}, ${g.updated_at})`
      ).pipe(unique("insertGroup")),
    /** Writes a group's name, code, course title and location. @errors AcademicsUniqueViolation (code taken) */
    updateGroup: (id: string, g: GroupColumns, at: string) =>
      exec(
        (tenant) => sql`UPDATE student_groups SET name = ${g.name}, code = ${g.code}, course_title = ${g.course_title},
            location = ${g.location}, updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(unique("updateGroup")),
    members,
    /** The members of a group, by id. */
    listMembers: (groupId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ student_id: string }>`SELECT student_id FROM group_members WHERE tenant_id = ${tenant}
          AND group_id = ${groupId} ORDER BY student_id`
      ).pipe(
        Effect.map((r) => r.map((x) => x.student_id)),
        span("listMembers")
      ),
    /** Removes these students from a group and adds those (joined at `at`). */
    changeMembers: (groupId: string, remove: ReadonlyArray<string>, add: ReadonlyArray<string>, at: string) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        for (const s of remove)
          yield* sql`DELETE FROM group_members WHERE tenant_id = ${tenant} AND group_id = ${groupId} AND student_id = ${s}`
        for (const s of add)
          yield* sql`INSERT INTO group_members (tenant_id, group_id, student_id, created_at) VALUES (${tenant}, ${groupId}, ${s}, ${at})`
      }).pipe(span("changeMembers")),
    /** Replaces a group's teachers (linked at `at`). */
    replaceTeachers: (groupId: string, teacherIds: ReadonlyArray<string>, at: string) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        yield* sql`DELETE FROM group_teachers WHERE tenant_id = ${tenant} AND group_id = ${groupId}`
        for (const t of teacherIds)
          yield* sql`INSERT INTO group_teachers (tenant_id, group_id, teacher_id, created_at) VALUES (${tenant}, ${groupId}, ${t}, ${at})`
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

/** The link tables of a course: table and column of each kind. */
const LINKS = {
  teacher: ["teachers_courses", "teacher_id"],
  classroom: ["courses_classrooms", "classroom_id"],
  group: ["courses_student_groups", "group_id"]
} as const

/** Courses with their links and effective closing delay (the school's default when not overridden). */
const presentCourses = (sql: SqlClient.SqlClient, tenant: string, raw: ReadonlyArray<CourseRow>) =>
  Effect.gen(function* () {
    if (raw.length === 0) return [] as Array<Course>
    const ids = raw.map((c) => c.id)
    const schools = [...new Set(raw.map((c) => c.school_id))]
    const prefs = yield* sql<{
      school_id: string
      d: number
    }>`SELECT school_id, default_signature_closing_delay_minutes AS d
      FROM school_preferences WHERE tenant_id = ${tenant} AND ${sql.in("school_id", schools)}`
    const [teachers, rooms, groups] = yield* Effect.all([
      sql<{ course_id: string; ref: string }>`SELECT course_id, teacher_id AS ref FROM teachers_courses
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY teacher_id`,
      sql<{ course_id: string; ref: string }>`SELECT course_id, classroom_id AS ref FROM courses_classrooms
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY classroom_id`,
      sql<{ course_id: string; ref: string }>`SELECT course_id, group_id AS ref FROM courses_student_groups
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY group_id`
    ])
    const of = (list: ReadonlyArray<{ course_id: string; ref: string }>, id: string) =>
      list.filter((l) => l.course_id === id).map((l) => l.ref)
    return raw.map(
      (c) =>
        new Course({
          ...c,
          signature_closing_delay_minutes:
            c.signature_closing_delay_minutes ??
            prefs.find((p) => p.school_id === c.school_id)?.d ??
            DEFAULT_PREFERENCES.default_signature_closing_delay_minutes,
          closing_delay_overridden: c.signature_closing_delay_minutes !== null,
          teacher_ids: of(teachers, c.id),
          classroom_ids: of(rooms, c.id),
          group_ids: of(groups, c.id)
        })
    )
  })

/** SQL of courses and their links. */
const coursesSql = (sql: SqlClient.SqlClient) => {
  const coursesQ = byIdsOf(sql, "courses", CourseRow)

  return {
    /** The live courses with these ids (valid UUIDs, at least one). */
    findCourses: (ids: ReadonlyArray<string>) =>
      Effect.flatMap(tid, (tenant) =>
        Effect.flatMap(coursesQ({ tenant, ids }), (r) => presentCourses(sql, tenant, r))
      ).pipe(span("findCourses")),
    /** Inserts a course. @errors AcademicsUniqueViolation (source key taken) */
    insertCourse: (c: NewCourse) =>
      exec(
        (tenant) => sql`INSERT INTO courses (tenant_id, id, school_id, name, start_at, end_at, is_online,
            signature_closing_delay_minutes, signature_closed, source_key, created_at, updated_at)
          VALUES (${tenant}, ${c.id}, ${c.school_id}, ${c.name}, ${c.start_at}, ${c.end_at}, ${bool(c.is_online)},
            ${c.signature_closing_delay_minutes}, ${bool(false)}, ${c.source_key}, ${c.created_at}, ${c.created_at})`
      ).pipe(unique("insertCourse")),
    /** Writes a course's name, times, mode and own closing delay (null: the school's default). */
    updateCourse: (
      id: string,
      c: Pick<NewCourse, "name" | "start_at" | "end_at" | "is_online" | "signature_closing_delay_minutes">,
      at: string
    ) =>
      exec(
        (tenant) => sql`UPDATE courses SET name = ${c.name}, start_at = ${c.start_at}, end_at = ${c.end_at},
            is_online = ${bool(c.is_online)}, signature_closing_delay_minutes = ${c.signature_closing_delay_minutes},
            updated_at = ${at}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("updateCourse")),
    /** Links a course to these teachers, classrooms or groups; `replace` drops its current links of that kind first. */
    link: (kind: keyof typeof LINKS, courseId: string, ids: ReadonlyArray<string>, replace: boolean) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const [table, column] = LINKS[kind]
        if (replace) yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${tenant} AND course_id = ${courseId}`
        for (let i = 0; i < ids.length; i += 200) {
          const rows = ids.slice(i, i + 200).map((ref) => ({ tenant_id: tenant, course_id: courseId, [column]: ref }))
          yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)}`
        }
      }).pipe(span("link")),
    /** Up to `limit` live courses by start time and id, filtered; `more` when another page follows. */
    listCourses: (f: CourseFilters) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const c = [sql`c.tenant_id = ${tenant}`, sql`c.deleted_at IS NULL`]
        if (f.school_id) c.push(sql`c.school_id = ${f.school_id}`)
        if (f.from) c.push(sql`c.end_at > ${f.from}`)
        if (f.to) c.push(sql`c.start_at < ${f.to}`)
        if (f.teacher_id) {
          c.push(
            sql`EXISTS (SELECT 1 FROM teachers_courses x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.teacher_id = ${f.teacher_id})`
          )
        }
        if (f.group_id) {
          c.push(
            sql`EXISTS (SELECT 1 FROM courses_student_groups x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.group_id = ${f.group_id})`
          )
        }
        if (f.classroom_id) {
          c.push(
            sql`EXISTS (SELECT 1 FROM courses_classrooms x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.classroom_id = ${f.classroom_id})`
          )
        }
        if (f.after)
          c.push(sql`(c.start_at > ${f.after.start} OR (c.start_at = ${f.after.start} AND c.id > ${f.after.id}))`)
        const r =
          yield* sql`SELECT c.* FROM courses c WHERE ${sql.and(c)} ORDER BY c.start_at, c.id LIMIT ${f.limit + 1}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(CourseRow)))
          )
        return { items: yield* presentCourses(sql, tenant, r.slice(0, f.limit)), more: r.length > f.limit }
      }).pipe(span("listCourses"))
  } as const
}

/** SQL of the seed 004 queries over courses and their links. */
const seedSql = (sql: SqlClient.SqlClient) => {
  const inClassroomQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, classroom: Schema.String, from: Schema.String, to: Schema.String }),
    Result: CourseRow,
    execute: (
      r
    ) => sql`SELECT c.* FROM courses c JOIN courses_classrooms cc ON cc.tenant_id = c.tenant_id AND cc.course_id = c.id
      WHERE c.tenant_id = ${r.tenant} AND cc.classroom_id = ${r.classroom} AND c.deleted_at IS NULL
        AND c.start_at <= ${r.to} AND c.end_at >= ${r.from}
      ORDER BY c.start_at, c.id`
  })
  /** Whether the query answers a row. */
  const exists = (name: string, query: (tenant: string) => Effect.Effect<ReadonlyArray<unknown>, unknown>) =>
    Effect.flatMap(tid, query).pipe(
      Effect.map((r) => r.length > 0),
      span(name)
    )

  return {
    /** Live courses linked to the classroom overlapping [`from`, `to`], earliest first. */
    coursesInClassroom: (classroomId: string, from: string, to: string) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const r = yield* inClassroomQ({ tenant, classroom: classroomId, from, to })
        return yield* presentCourses(sql, tenant, r)
      }).pipe(span("coursesInClassroom")),
    /** Whether the teacher is linked to the course, directly or through one of its groups. */
    teachesCourse: (teacherId: string, courseId: string) =>
      exists(
        "teachesCourse",
        (
          tenant
        ) => sql`SELECT 1 AS ok FROM teachers_courses WHERE tenant_id = ${tenant} AND course_id = ${courseId} AND teacher_id = ${teacherId}
          UNION ALL
          SELECT 1 AS ok FROM courses_student_groups cg JOIN group_teachers gt ON gt.tenant_id = cg.tenant_id AND gt.group_id = cg.group_id
            WHERE cg.tenant_id = ${tenant} AND cg.course_id = ${courseId} AND gt.teacher_id = ${teacherId}
          LIMIT 1`
      ),
    /** Whether the classroom is linked to the course. */
    classroomOfCourse: (classroomId: string, courseId: string) =>
      exists(
        "classroomOfCourse",
        (tenant) => sql`SELECT 1 AS ok FROM courses_classrooms WHERE tenant_id = ${tenant} AND course_id = ${courseId}
          AND classroom_id = ${classroomId}`
      ),
    /** The live groups linked to a course, by id. */
    courseGroups: (courseId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ group_id: string }>`SELECT cg.group_id FROM courses_student_groups cg
          JOIN student_groups g ON g.tenant_id = cg.tenant_id AND g.id = cg.group_id AND g.deleted_at IS NULL
          WHERE cg.tenant_id = ${tenant} AND cg.course_id = ${courseId} ORDER BY cg.group_id`
      ).pipe(
        Effect.map((r) => r.map((x) => x.group_id)),
        span("courseGroups")
      ),
    /** Closes signing (at `at`) on every live, still open course ended by `at`; answers their ids. */
    closeEnded: (at: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE courses SET signature_closed = ${bool(true)}, closed_at = ${at},
            updated_at = ${at}
          WHERE tenant_id = ${tenant} AND deleted_at IS NULL AND signature_closed = ${bool(false)} AND end_at <= ${at}
          RETURNING id`
      ).pipe(
        Effect.map((r) => r.map((x) => x.id)),
        span("closeEnded")
      )
  } as const
}

/** The academics SQL; see the module comment. */
export class AcademicsRepo extends Effect.Service<AcademicsRepo>()("Signet/AcademicsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    ...schoolsSql(sql),
    ...groupsSql(sql),
    ...coursesSql(sql),
    ...seedSql(sql)
  }))
}) {}
