/**
 * The academics service: schools and preferences, classrooms, student groups
 * and memberships, courses and their links, and the seed's query contract
 * (`AcademicsQuery`: GetCourse, ValidateTeacherCourse, ValidateStudentCourse,
 * ValidateClassroomCourse, GetSchoolPreferences; `AcademicsCommand`:
 * CloseExpiredCourses).
 *
 * Every operation acts on the `CurrentTenant`; every mutation runs in one
 * transaction with one audit row and one CloudEvent (`signet.academics.*`).
 * Links must stay inside one school: a classroom, group or teacher of another
 * school answers `CrossSchoolLink` (409).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  AcademicsNotFound,
  Classroom,
  Course,
  type CreateClassroom,
  type CreateCourse,
  type CreateGroup,
  type CreateSchool,
  CrossSchoolLink,
  DEFAULT_PREFERENCES,
  School,
  SchoolPreferences,
  StudentCourseValidation,
  StudentGroup,
  type UpdateClassroom,
  type UpdateCourse,
  type UpdateGroup,
  type UpdatePreferences,
  type UpdateSchool
} from "@signet/contracts/academics/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { isUniqueViolation, tenantTx, violatedConstraint } from "../kernel/Database.js"
import { bool, DbBool, instant } from "../kernel/Sql.js"

/** Filters of {@link Academics.listCourses}. */
export interface ListCourses {
  readonly school_id?: string | undefined
  readonly teacher_id?: string | undefined
  readonly group_id?: string | undefined
  readonly classroom_id?: string | undefined
  /** Courses ending after this instant. */
  readonly from?: string | undefined
  /** Courses starting before this instant. */
  readonly to?: string | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

const SchoolRow = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  timezone: Schema.String,
  source_id: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
const PrefRow = Schema.Struct({
  school_id: Schema.String,
  default_signature_closing_delay_minutes: Schema.Number,
  teacher_can_modify_closing_delay: DbBool,
  students_can_sign_before_teacher: DbBool,
  enable_flash: DbBool,
  disable_course_modification_from_ui: DbBool,
  enable_nfc: DbBool
})
const ClassroomRow = Schema.Struct({
  id: Schema.String,
  school_id: Schema.String,
  name: Schema.String,
  code: Schema.String,
  capacity: Schema.NullOr(Schema.Number),
  created_at: Schema.String,
  updated_at: Schema.String
})
const GroupRow = Schema.Struct({
  id: Schema.String,
  school_id: Schema.String,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  course_title: Schema.NullOr(Schema.String),
  location: Schema.NullOr(Schema.String),
  source_id: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
const CourseRow = Schema.Struct({
  id: Schema.String,
  school_id: Schema.String,
  name: Schema.String,
  start_at: Schema.String,
  end_at: Schema.String,
  is_online: DbBool,
  signature_closing_delay_minutes: Schema.NullOr(Schema.Number),
  signature_closed: DbBool,
  source_key: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String
})
type CourseRow = typeof CourseRow.Type

/** `base` with the defined fields of `patch` (a partial update). */
const merge = <A extends object>(base: A, patch: { readonly [K in keyof A]?: A[K] | undefined }): A =>
  ({ ...base, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }) as A

const rows = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))
const iso = (s: string) => new Date(s).toISOString()

/** Course list cursor: base64url of `start_at|id`. */
const encodeCourseCursor = (c: { readonly start_at: string; readonly id: string }) =>
  Buffer.from(`${c.start_at}|${c.id}`).toString("base64url")
const decodeCourseCursor = (cursor: string | undefined) => {
  if (!cursor) return Effect.succeed(undefined)
  const [start, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  return start && id && !Number.isNaN(Date.parse(start)) && /^[0-9a-f-]{36}$/.test(id)
    ? Effect.succeed({ start, id })
    : Effect.fail(ValidationError.field("cursor", "is not a valid page cursor"))
}

/** The academics service. */
export class Academics extends Effect.Service<Academics>()("Signet/Academics", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    const now = Effect.map(Clock.currentTimeMillis, instant)
    const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)
    const notFound = (resource: "school" | "classroom" | "group" | "course" | "user", id: string) =>
      new AcademicsNotFound({ message: `no ${resource} ${id}`, resource, id })
    const validId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)

    // Membership cache for ValidateStudentCourse (attendance calls it on every signature):
    // per tenant, course → groups and group → students, loaded lazily. A mutation in this
    // process drops the tenant's cache; other replicas notice the bumped `academics_versions`
    // row within CACHE_TTL_MS.
    const CACHE_TTL_MS = 1000
    interface TenantCache {
      version: number
      checkedAt: number
      readonly courseGroups: Map<string, ReadonlyArray<string>>
      readonly groupMembers: Map<string, ReadonlySet<string>>
    }
    const caches = new Map<string, TenantCache>()
    const readVersion = (tid: string) =>
      Effect.map(
        sql<{ version: number }>`SELECT version FROM academics_versions WHERE tenant_id = ${tid}`.pipe(Effect.orDie),
        (r) => Number(r[0]?.version ?? 0)
      )
    const cacheFor = (tid: string) =>
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const hit = caches.get(tid)
        if (hit && nowMs - hit.checkedAt < CACHE_TTL_MS) return hit
        const version = yield* inTx(readVersion(tid))
        if (hit && hit.version === version) {
          hit.checkedAt = nowMs
          return hit
        }
        const fresh: TenantCache = { version, checkedAt: nowMs, courseGroups: new Map(), groupMembers: new Map() }
        if (caches.size > 1000) caches.clear()
        caches.set(tid, fresh)
        return fresh
      })

    /** Records one audit row and one event for a mutation (caller's transaction). */
    const changed = (action: string, type: string, id: string, before: unknown, after: unknown) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        caches.delete(tid)
        yield* sql`INSERT INTO academics_versions (tenant_id, version) VALUES (${tid}, 1)
          ON CONFLICT (tenant_id) DO UPDATE SET version = academics_versions.version + 1`.pipe(Effect.orDie)
        yield* audit.record({ action: `academics.${action}`, targetType: type, targetId: id, before, after })
        yield* events.publish({ type: `signet.academics.${action}`, subject: id, data: after ?? before })
      })

    /**
     * Soft-deletes the row `get` found (stamps `deleted_at`), then records the
     * change; answers the row as it was. Fails with whatever `get` fails with.
     */
    const softDelete = <A extends { readonly id: string }, E, R>(
      table: "schools" | "classrooms" | "student_groups" | "courses",
      resource: "school" | "classroom" | "group" | "course",
      get: Effect.Effect<A, E, R>
    ) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* get
          const tid = yield* tenantId
          yield* sql`UPDATE ${sql(table)} SET deleted_at = ${yield* now} WHERE tenant_id = ${tid} AND id = ${before.id}`.pipe(
            Effect.orDie
          )
          yield* changed(`${resource}.deleted`, resource, before.id, before, null)
          return before
        })
      )

    const conflict = (field: string, message: string) => (e: unknown) =>
      isUniqueViolation(e) ? Effect.fail(new Conflict({ message, field })) : Effect.die(e)

    // ——— Schools ———————————————————————————————————————————————————————————

    const findSchool = (id: string) =>
      Effect.gen(function* () {
        if (!validId(id)) return Option.none<School>()
        const tid = yield* tenantId
        const r = yield* sql`SELECT * FROM schools WHERE tenant_id = ${tid} AND id = ${id} AND deleted_at IS NULL`.pipe(
          Effect.flatMap(rows(SchoolRow)),
          Effect.orDie
        )
        return Option.map(Option.fromNullable(r[0]), (x) => new School(x))
      })

    /** One school. @errors AcademicsNotFound */
    const getSchool = (id: string) =>
      inTx(
        Effect.flatMap(
          findSchool(id),
          Option.match({ onNone: () => Effect.fail(notFound("school", id)), onSome: Effect.succeed })
        )
      )

    /** Creates a school and its preferences. @errors Conflict (code taken) */
    const createSchool = (input: CreateSchool, sourceId: string | null = null) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const id = yield* newUuid
          const at = yield* now
          yield* sql`INSERT INTO schools (tenant_id, id, name, code, timezone, source_id, created_at, updated_at)
            VALUES (${tid}, ${id}, ${input.name}, ${input.code ?? null}, ${input.timezone ?? "UTC"}, ${sourceId}, ${at}, ${at})`.pipe(
            Effect.catchAll(conflict("code", "a school with this code already exists"))
          )
          const p = merge<{
            readonly default_signature_closing_delay_minutes: number
            readonly teacher_can_modify_closing_delay: boolean
            readonly students_can_sign_before_teacher: boolean
            readonly enable_flash: boolean
            readonly disable_course_modification_from_ui: boolean
            readonly enable_nfc: boolean
          }>(DEFAULT_PREFERENCES, input.preferences ?? {})
          yield* sql`INSERT INTO school_preferences (tenant_id, school_id, default_signature_closing_delay_minutes,
              teacher_can_modify_closing_delay, students_can_sign_before_teacher, enable_flash,
              disable_course_modification_from_ui, enable_nfc, updated_at)
            VALUES (${tid}, ${id}, ${p.default_signature_closing_delay_minutes}, ${bool(p.teacher_can_modify_closing_delay)},
              ${bool(p.students_can_sign_before_teacher)}, ${bool(p.enable_flash)},
              ${bool(p.disable_course_modification_from_ui)}, ${bool(p.enable_nfc)}, ${at})`.pipe(Effect.orDie)
          const school = new School({
            id,
            name: input.name,
            code: input.code ?? null,
            timezone: input.timezone ?? "UTC",
            source_id: sourceId,
            created_at: at,
            updated_at: at
          })
          yield* changed("school.created", "school", id, null, school)
          return school
        })
      )

    /**
     * One page (by id, cursor pagination) of the tenant's live rows in `table`,
     * optionally of one school; `limit + 1` rows are read so `toPage` can tell
     * whether another page follows. Fails with `ValidationError` on a bad cursor.
     */
    const pageRows = <A, I>(
      table: "schools" | "classrooms" | "student_groups",
      schema: Schema.Schema<A, I>,
      params: {
        readonly school_id?: string | undefined
        readonly cursor?: string | undefined
        readonly limit?: number | undefined
      }
    ) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const found = yield* sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${tid} AND deleted_at IS NULL
          ${params.school_id ? sql`AND school_id = ${params.school_id}` : sql``}
          ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${limit + 1}`.pipe(
          Effect.flatMap(rows(schema)),
          Effect.orDie
        )
        return { found, limit }
      })

    /** Lists schools (by id, cursor pagination). */
    const listSchools = (params: { readonly cursor?: string | undefined; readonly limit?: number | undefined } = {}) =>
      inTx(
        Effect.map(pageRows("schools", SchoolRow, params), ({ found, limit }) =>
          toPage(
            found.map((x) => new School(x)),
            limit
          )
        )
      )

    /** Updates a school. @errors AcademicsNotFound, Conflict, ValidationError (time zone) */
    const updateSchool = (id: string, patch: UpdateSchool) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getSchool(id)
          if (patch.timezone !== undefined) {
            try {
              new Intl.DateTimeFormat("en", { timeZone: patch.timezone })
            } catch {
              return yield* ValidationError.field("timezone", "must be an IANA time zone")
            }
          }
          const tid = yield* tenantId
          const at = yield* now
          const after = new School({
            ...before,
            name: patch.name ?? before.name,
            code: patch.code === undefined ? before.code : patch.code,
            timezone: patch.timezone ?? before.timezone,
            updated_at: at
          })
          yield* sql`UPDATE schools SET name = ${after.name}, code = ${after.code}, timezone = ${after.timezone}, updated_at = ${at}
            WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
            Effect.catchAll(conflict("code", "a school with this code already exists"))
          )
          yield* changed("school.updated", "school", id, before, after)
          return after
        })
      )

    /** Soft-deletes a school. @errors AcademicsNotFound */
    const deleteSchool = (id: string) => softDelete("schools", "school", getSchool(id))

    /** `AcademicsQuery.GetSchoolPreferences`. @errors AcademicsNotFound */
    const getSchoolPreferences = (schoolId: string) =>
      inTx(
        Effect.gen(function* () {
          yield* getSchool(schoolId)
          const tid = yield* tenantId
          const r =
            yield* sql`SELECT * FROM school_preferences WHERE tenant_id = ${tid} AND school_id = ${schoolId}`.pipe(
              Effect.flatMap(rows(PrefRow)),
              Effect.orDie
            )
          const p = r[0]
          return new SchoolPreferences(p ? { ...p, id: schoolId } : { ...DEFAULT_PREFERENCES, id: schoolId })
        })
      )

    /** Updates a school's preferences (partial). @errors AcademicsNotFound */
    const updateSchoolPreferences = (schoolId: string, patch: UpdatePreferences) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getSchoolPreferences(schoolId)
          const after = new SchoolPreferences(merge({ ...before }, patch))
          const tid = yield* tenantId
          yield* sql`UPDATE school_preferences SET
              default_signature_closing_delay_minutes = ${after.default_signature_closing_delay_minutes},
              teacher_can_modify_closing_delay = ${bool(after.teacher_can_modify_closing_delay)},
              students_can_sign_before_teacher = ${bool(after.students_can_sign_before_teacher)},
              enable_flash = ${bool(after.enable_flash)},
              disable_course_modification_from_ui = ${bool(after.disable_course_modification_from_ui)},
              enable_nfc = ${bool(after.enable_nfc)}, updated_at = ${yield* now}
            WHERE tenant_id = ${tid} AND school_id = ${schoolId}`.pipe(Effect.orDie)
          yield* changed("school.preferences_updated", "school", schoolId, before, after)
          return after
        })
      )

    // ——— Classrooms ————————————————————————————————————————————————————————

    const findClassrooms = (ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const valid = ids.filter(validId)
        if (valid.length === 0) return [] as ReadonlyArray<Classroom>
        const r =
          yield* sql`SELECT * FROM classrooms WHERE tenant_id = ${tid} AND deleted_at IS NULL AND ${sql.in("id", valid)}`.pipe(
            Effect.flatMap(rows(ClassroomRow)),
            Effect.orDie
          )
        return r.map((x) => new Classroom(x))
      })

    /** One classroom. @errors AcademicsNotFound */
    const getClassroom = (id: string) =>
      inTx(
        Effect.flatMap(findClassrooms([id]), (r) =>
          r[0] ? Effect.succeed(r[0]) : Effect.fail(notFound("classroom", id))
        )
      )

    /** Creates a classroom in a school. @errors AcademicsNotFound (school), Conflict (code taken in the school) */
    const createClassroom = (input: CreateClassroom) =>
      inTx(
        Effect.gen(function* () {
          yield* getSchool(input.school_id)
          const tid = yield* tenantId
          const id = yield* newUuid
          const at = yield* now
          yield* sql`INSERT INTO classrooms (tenant_id, id, school_id, name, code, capacity, created_at, updated_at)
            VALUES (${tid}, ${id}, ${input.school_id}, ${input.name}, ${input.code}, ${input.capacity ?? null}, ${at}, ${at})`.pipe(
            Effect.catchAll(conflict("code", "a classroom with this code already exists in the school"))
          )
          const room = new Classroom({
            id,
            school_id: input.school_id,
            name: input.name,
            code: input.code,
            capacity: input.capacity ?? null,
            created_at: at,
            updated_at: at
          })
          yield* changed("classroom.created", "classroom", id, null, room)
          return room
        })
      )

    /** Lists classrooms, optionally of one school. */
    const listClassrooms = (
      params: {
        readonly school_id?: string | undefined
        readonly cursor?: string | undefined
        readonly limit?: number | undefined
      } = {}
    ) =>
      inTx(
        Effect.map(pageRows("classrooms", ClassroomRow, params), ({ found, limit }) =>
          toPage(
            found.map((x) => new Classroom(x)),
            limit
          )
        )
      )

    /** Finds a classroom by code (in a school, or tenant-wide when unique). */
    const findClassroomByCode = (code: string, schoolId?: string) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const r =
            yield* sql`SELECT * FROM classrooms WHERE tenant_id = ${tid} AND deleted_at IS NULL AND code = ${code}
            ${schoolId ? sql`AND school_id = ${schoolId}` : sql``} LIMIT 2`.pipe(
              Effect.flatMap(rows(ClassroomRow)),
              Effect.orDie
            )
          return r.length === 1 ? Option.some(new Classroom(r[0]!)) : Option.none<Classroom>()
        })
      )

    /** Updates a classroom. @errors AcademicsNotFound, Conflict */
    const updateClassroom = (id: string, patch: UpdateClassroom) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getClassroom(id)
          const tid = yield* tenantId
          const at = yield* now
          const after = new Classroom({
            ...before,
            name: patch.name ?? before.name,
            code: patch.code ?? before.code,
            capacity: patch.capacity === undefined ? before.capacity : patch.capacity,
            updated_at: at
          })
          yield* sql`UPDATE classrooms SET name = ${after.name}, code = ${after.code}, capacity = ${after.capacity}, updated_at = ${at}
            WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
            Effect.catchAll(conflict("code", "a classroom with this code already exists in the school"))
          )
          yield* changed("classroom.updated", "classroom", id, before, after)
          return after
        })
      )

    /** Soft-deletes a classroom. @errors AcademicsNotFound */
    const deleteClassroom = (id: string) => softDelete("classrooms", "classroom", getClassroom(id))

    // ——— Student groups ————————————————————————————————————————————————————

    const presentGroups = (raw: ReadonlyArray<typeof GroupRow.Type>) =>
      Effect.gen(function* () {
        if (raw.length === 0) return [] as Array<StudentGroup>
        const tid = yield* tenantId
        const ids = raw.map((g) => g.id)
        const counts = yield* sql<{ group_id: string; n: unknown }>`SELECT group_id, COUNT(*) AS n FROM group_members
          WHERE tenant_id = ${tid} AND ${sql.in("group_id", ids)} GROUP BY group_id`.pipe(Effect.orDie)
        const teachers = yield* sql<{
          group_id: string
          teacher_id: string
        }>`SELECT group_id, teacher_id FROM group_teachers
          WHERE tenant_id = ${tid} AND ${sql.in("group_id", ids)} ORDER BY teacher_id`.pipe(Effect.orDie)
        return raw.map(
          (g) =>
            new StudentGroup({
              ...g,
              member_count: Number(counts.find((c) => c.group_id === g.id)?.n ?? 0),
              teacher_ids: teachers.filter((t) => t.group_id === g.id).map((t) => t.teacher_id)
            })
        )
      })

    const findGroups = (ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const valid = ids.filter(validId)
        if (valid.length === 0) return [] as ReadonlyArray<StudentGroup>
        const r =
          yield* sql`SELECT * FROM student_groups WHERE tenant_id = ${tid} AND deleted_at IS NULL AND ${sql.in("id", valid)}`.pipe(
            Effect.flatMap(rows(GroupRow)),
            Effect.orDie
          )
        return yield* presentGroups(r)
      })

    /** One group. @errors AcademicsNotFound */
    const getGroup = (id: string) =>
      inTx(Effect.flatMap(findGroups([id]), (r) => (r[0] ? Effect.succeed(r[0]) : Effect.fail(notFound("group", id)))))

    /** Creates a student group in a school. @errors AcademicsNotFound (school), Conflict (code) */
    const createGroup = (input: CreateGroup, sourceId: string | null = null) =>
      inTx(
        Effect.gen(function* () {
          yield* getSchool(input.school_id)
          const tid = yield* tenantId
          const id = yield* newUuid
          const at = yield* now
          yield* sql`INSERT INTO student_groups (tenant_id, id, school_id, name, code, course_title, location, source_id, created_at, updated_at)
            VALUES (${tid}, ${id}, ${input.school_id}, ${input.name}, ${input.code ?? null}, ${input.course_title ?? null},
              ${input.location ?? null}, ${sourceId}, ${at}, ${at})`.pipe(
            Effect.catchAll(conflict("code", "a group with this code already exists in the school"))
          )
          const group = (yield* findGroups([id]))[0]!
          yield* changed("group.created", "group", id, null, group)
          return group
        })
      )

    /** Lists groups, optionally of one school. */
    const listGroups = (
      params: {
        readonly school_id?: string | undefined
        readonly cursor?: string | undefined
        readonly limit?: number | undefined
      } = {}
    ) =>
      inTx(
        Effect.gen(function* () {
          const { found, limit } = yield* pageRows("student_groups", GroupRow, params)
          return toPage(yield* presentGroups(found), limit)
        })
      )

    /** Finds a group by code (in a school, or tenant-wide when unique). */
    const findGroupByCode = (code: string, schoolId?: string) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const r =
            yield* sql`SELECT * FROM student_groups WHERE tenant_id = ${tid} AND deleted_at IS NULL AND code = ${code}
            ${schoolId ? sql`AND school_id = ${schoolId}` : sql``} LIMIT 2`.pipe(
              Effect.flatMap(rows(GroupRow)),
              Effect.orDie
            )
          return r.length === 1 ? Option.fromNullable((yield* presentGroups(r))[0]) : Option.none<StudentGroup>()
        })
      )

    /** Updates a group. @errors AcademicsNotFound, Conflict */
    const updateGroup = (id: string, patch: UpdateGroup) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getGroup(id)
          const tid = yield* tenantId
          const at = yield* now
          yield* sql`UPDATE student_groups SET name = ${patch.name ?? before.name},
              code = ${patch.code === undefined ? before.code : patch.code},
              course_title = ${patch.course_title === undefined ? before.course_title : patch.course_title},
              location = ${patch.location === undefined ? before.location : patch.location}, updated_at = ${at}
            WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
            Effect.catchAll(conflict("code", "a group with this code already exists in the school"))
          )
          const after = yield* getGroup(id)
          yield* changed("group.updated", "group", id, before, after)
          return after
        })
      )

    /** Soft-deletes a group. @errors AcademicsNotFound */
    const deleteGroup = (id: string) => softDelete("student_groups", "group", getGroup(id))

    /**
     * Of `ids`, the teachers linked to `schoolId` by a class: teachers of a live
     * student group of that school (what a OneRoster import records for a
     * teacher whose `orgSourcedIds` list several schools; the user row keeps
     * only the first of them).
     */
    const teachingIn = (ids: ReadonlyArray<string>, schoolId: string) =>
      Effect.gen(function* () {
        const out = new Set<string>()
        const tid = yield* tenantId
        for (let i = 0; i < ids.length; i += 500) {
          const rows = yield* sql<{ teacher_id: string }>`SELECT DISTINCT gt.teacher_id FROM group_teachers gt
            JOIN student_groups g ON g.tenant_id = gt.tenant_id AND g.id = gt.group_id
            WHERE gt.tenant_id = ${tid} AND g.school_id = ${schoolId} AND g.deleted_at IS NULL
            AND gt.teacher_id IN ${sql.in(ids.slice(i, i + 500))}`.pipe(Effect.orDie)
          for (const r of rows) out.add(r.teacher_id)
        }
        return out
      })

    /**
     * Checks that every id is a live user of `type` of the school (or of no
     * school). A teacher (role "teacher") also counts as one of the school when
     * they teach one of its student groups: teachers work in several schools of a
     * tenant, students belong to one. @errors AcademicsNotFound (not a user of
     * this tenant), ValidationError, CrossSchoolLink
     */
    const checkUsers = (ids: ReadonlyArray<string>, types: ReadonlyArray<string>, schoolId: string, role: string) =>
      Effect.gen(function* () {
        const found = yield* identity.liteMany(ids)
        const elsewhere = ids.filter((id) => {
          const u = found.get(id)
          return u !== undefined && u.school_id !== null && u.school_id !== schoolId
        })
        const linked = role === "teacher" ? yield* teachingIn(elsewhere, schoolId) : new Set<string>()
        for (const id of ids) {
          const u = found.get(id)
          if (!u) return yield* notFound("user", id)
          if (!types.includes(u.user_type)) return yield* ValidationError.field(`${role}_ids`, `${id} is not a ${role}`)
          if (u.school_id !== null && u.school_id !== schoolId && !linked.has(id)) {
            return yield* new CrossSchoolLink({
              message: `${role} ${id} belongs to another school`,
              resource: role,
              id,
              school_id: u.school_id
            })
          }
        }
      })

    /** Replaces a group's student membership. @errors AcademicsNotFound, ValidationError, CrossSchoolLink */
    const setMembers = (groupId: string, studentIds: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const group = yield* getGroup(groupId)
          const unique = [...new Set(studentIds)]
          yield* checkUsers(unique, ["student"], group.school_id, "student")
          const tid = yield* tenantId
          const at = yield* now
          const current = (yield* sql<{
            student_id: string
          }>`SELECT student_id FROM group_members WHERE tenant_id = ${tid}
            AND group_id = ${groupId}`.pipe(Effect.orDie)).map((r) => r.student_id)
          const add = unique.filter((s) => !current.includes(s))
          const remove = current.filter((s) => !unique.includes(s))
          for (const s of remove)
            yield* sql`DELETE FROM group_members WHERE tenant_id = ${tid} AND group_id = ${groupId} AND student_id = ${s}`.pipe(
              Effect.orDie
            )
          for (const s of add)
            yield* sql`INSERT INTO group_members (tenant_id, group_id, student_id, created_at) VALUES (${tid}, ${groupId}, ${s}, ${at})`.pipe(
              Effect.orDie
            )
          if (add.length > 0 || remove.length > 0)
            yield* changed("group.members_changed", "group", groupId, { removed: remove }, { added: add })
          return { group_id: groupId, added: add.length, removed: remove.length, members: unique.length }
        })
      )

    /** A group's student ids. @errors AcademicsNotFound */
    const listMembers = (groupId: string) =>
      inTx(
        Effect.gen(function* () {
          yield* getGroup(groupId)
          const tid = yield* tenantId
          const r = yield* sql<{ student_id: string }>`SELECT student_id FROM group_members WHERE tenant_id = ${tid}
            AND group_id = ${groupId} ORDER BY student_id`.pipe(Effect.orDie)
          return r.map((x) => x.student_id)
        })
      )

    /** Replaces a group's teachers. @errors AcademicsNotFound, ValidationError, CrossSchoolLink */
    const setGroupTeachers = (groupId: string, teacherIds: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const group = yield* getGroup(groupId)
          const unique = [...new Set(teacherIds)]
          yield* checkUsers(unique, ["teacher", "admin"], group.school_id, "teacher")
          const tid = yield* tenantId
          const at = yield* now
          yield* sql`DELETE FROM group_teachers WHERE tenant_id = ${tid} AND group_id = ${groupId}`.pipe(Effect.orDie)
          for (const t of unique)
            yield* sql`INSERT INTO group_teachers (tenant_id, group_id, teacher_id, created_at) VALUES (${tid}, ${groupId}, ${t}, ${at})`.pipe(
              Effect.orDie
            )
          const after = yield* getGroup(groupId)
          yield* changed(
            "group.teachers_changed",
            "group",
            groupId,
            { teacher_ids: group.teacher_ids },
            { teacher_ids: after.teacher_ids }
          )
          return after
        })
      )

    // ——— Courses ———————————————————————————————————————————————————————————

    const presentCourses = (raw: ReadonlyArray<CourseRow>) =>
      Effect.gen(function* () {
        if (raw.length === 0) return [] as Array<Course>
        const tid = yield* tenantId
        const ids = raw.map((c) => c.id)
        const schools = [...new Set(raw.map((c) => c.school_id))]
        const prefs = yield* sql<{
          school_id: string
          d: number
        }>`SELECT school_id, default_signature_closing_delay_minutes AS d
          FROM school_preferences WHERE tenant_id = ${tid} AND ${sql.in("school_id", schools)}`.pipe(Effect.orDie)
        const [teachers, rooms, groups] = yield* Effect.all([
          sql<{ course_id: string; ref: string }>`SELECT course_id, teacher_id AS ref FROM teachers_courses
            WHERE tenant_id = ${tid} AND ${sql.in("course_id", ids)} ORDER BY teacher_id`,
          sql<{ course_id: string; ref: string }>`SELECT course_id, classroom_id AS ref FROM courses_classrooms
            WHERE tenant_id = ${tid} AND ${sql.in("course_id", ids)} ORDER BY classroom_id`,
          sql<{ course_id: string; ref: string }>`SELECT course_id, group_id AS ref FROM courses_student_groups
            WHERE tenant_id = ${tid} AND ${sql.in("course_id", ids)} ORDER BY group_id`
        ]).pipe(Effect.orDie)
        const of = (list: ReadonlyArray<{ course_id: string; ref: string }>, id: string) =>
          list.filter((l) => l.course_id === id).map((l) => l.ref)
        return raw.map(
          (c) =>
            new Course({
              id: c.id,
              school_id: c.school_id,
              name: c.name,
              start_at: c.start_at,
              end_at: c.end_at,
              is_online: c.is_online,
              signature_closing_delay_minutes:
                c.signature_closing_delay_minutes ??
                prefs.find((p) => p.school_id === c.school_id)?.d ??
                DEFAULT_PREFERENCES.default_signature_closing_delay_minutes,
              closing_delay_overridden: c.signature_closing_delay_minutes !== null,
              signature_closed: c.signature_closed,
              teacher_ids: of(teachers, c.id),
              classroom_ids: of(rooms, c.id),
              group_ids: of(groups, c.id),
              source_key: c.source_key,
              created_at: c.created_at,
              updated_at: c.updated_at
            })
        )
      })

    const findCourseRows = (ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const valid = ids.filter(validId)
        if (valid.length === 0) return [] as ReadonlyArray<CourseRow>
        return yield* sql`SELECT * FROM courses WHERE tenant_id = ${tid} AND deleted_at IS NULL AND ${sql.in("id", valid)}`.pipe(
          Effect.flatMap(rows(CourseRow)),
          Effect.orDie
        )
      })

    /** `AcademicsQuery.GetCourse` (seed 004). @errors AcademicsNotFound */
    const getCourse = (id: string) =>
      inTx(
        Effect.gen(function* () {
          const r = yield* findCourseRows([id])
          if (!r[0]) return yield* notFound("course", id)
          return (yield* presentCourses(r))[0]!
        })
      )

    /** Several courses at once (live courses of the current tenant; unknown ids are left out). */
    const getCourses = (ids: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const out: Array<Course> = []
          const unique = [...new Set(ids)]
          for (let i = 0; i < unique.length; i += 500)
            out.push(...(yield* presentCourses(yield* findCourseRows(unique.slice(i, i + 500)))))
          return out
        })
      )

    /** Validates and writes a course's links (caller's transaction). */
    const writeLinks = (
      courseId: string,
      schoolId: string,
      links: {
        readonly teacher_ids?: ReadonlyArray<string> | undefined
        readonly classroom_ids?: ReadonlyArray<string> | undefined
        readonly group_ids?: ReadonlyArray<string> | undefined
      },
      replace: boolean
    ) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        /** Replaces (or adds) one kind of link after its targets were checked. */
        const write = (table: string, column: string, ids: ReadonlyArray<string>) =>
          Effect.gen(function* () {
            if (replace) yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${tid} AND course_id = ${courseId}`
            for (let i = 0; i < ids.length; i += 200) {
              const rows = ids.slice(i, i + 200).map((ref) => ({ tenant_id: tid, course_id: courseId, [column]: ref }))
              yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)}`
            }
          }).pipe(Effect.orDie)
        /** Every target must exist and belong to the course's school. */
        const sameSchool = (
          resource: "classroom" | "group",
          ids: ReadonlyArray<string>,
          found: ReadonlyArray<{ readonly id: string; readonly school_id: string }>
        ) =>
          Effect.forEach(
            ids,
            (id): Effect.Effect<void, AcademicsNotFound | CrossSchoolLink> => {
              const target = found.find((x) => x.id === id)
              if (!target) return Effect.fail(notFound(resource, id))
              return target.school_id === schoolId
                ? Effect.void
                : Effect.fail(
                    new CrossSchoolLink({
                      message: `${resource} ${id} belongs to another school`,
                      resource,
                      id,
                      school_id: target.school_id
                    })
                  )
            },
            { discard: true }
          )
        if (links.teacher_ids) {
          const ids = [...new Set(links.teacher_ids)]
          yield* checkUsers(ids, ["teacher", "admin"], schoolId, "teacher")
          yield* write("teachers_courses", "teacher_id", ids)
        }
        if (links.classroom_ids) {
          const ids = [...new Set(links.classroom_ids)]
          yield* sameSchool("classroom", ids, yield* findClassrooms(ids))
          yield* write("courses_classrooms", "classroom_id", ids)
        }
        if (links.group_ids) {
          const ids = [...new Set(links.group_ids)]
          yield* sameSchool("group", ids, yield* findGroups(ids))
          yield* write("courses_student_groups", "group_id", ids)
        }
      })

    /**
     * Creates a course with its links.
     * @errors AcademicsNotFound (school, links), ValidationError (end before start), CrossSchoolLink
     */
    const createCourse = (input: CreateCourse, sourceKey: string | null = null) =>
      inTx(
        Effect.gen(function* () {
          yield* getSchool(input.school_id)
          const start = iso(input.start_at)
          const end = iso(input.end_at)
          if (Date.parse(end) <= Date.parse(start))
            return yield* ValidationError.field("end_at", "must be after start_at")
          const tid = yield* tenantId
          const id = yield* newUuid
          const at = yield* now
          yield* sql`INSERT INTO courses (tenant_id, id, school_id, name, start_at, end_at, is_online,
              signature_closing_delay_minutes, signature_closed, source_key, created_at, updated_at)
            VALUES (${tid}, ${id}, ${input.school_id}, ${input.name}, ${start}, ${end}, ${bool(input.is_online ?? false)},
              ${input.signature_closing_delay_minutes ?? null}, ${bool(false)}, ${sourceKey}, ${at}, ${at})`.pipe(
            Effect.catchAll(conflict("source_key", "a course with this source key already exists"))
          )
          yield* writeLinks(id, input.school_id, input, false)
          const course = yield* getCourse(id)
          yield* changed("course.created", "course", id, null, course)
          return course
        })
      )

    /**
     * Updates a course; link lists given replace the current links.
     * @errors AcademicsNotFound, ValidationError, CrossSchoolLink
     */
    const updateCourse = (id: string, patch: UpdateCourse) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getCourse(id)
          const start = patch.start_at ? iso(patch.start_at) : before.start_at
          const end = patch.end_at ? iso(patch.end_at) : before.end_at
          if (Date.parse(end) <= Date.parse(start))
            return yield* ValidationError.field("end_at", "must be after start_at")
          const tid = yield* tenantId
          const delay =
            patch.signature_closing_delay_minutes === undefined
              ? before.closing_delay_overridden
                ? before.signature_closing_delay_minutes
                : null
              : patch.signature_closing_delay_minutes
          yield* sql`UPDATE courses SET name = ${patch.name ?? before.name}, start_at = ${start}, end_at = ${end},
              is_online = ${bool(patch.is_online ?? before.is_online)}, signature_closing_delay_minutes = ${delay},
              updated_at = ${yield* now}
            WHERE tenant_id = ${tid} AND id = ${id}`.pipe(Effect.orDie)
          yield* writeLinks(id, before.school_id, patch, true)
          const after = yield* getCourse(id)
          yield* changed("course.updated", "course", id, before, after)
          return after
        })
      )

    /** Soft-deletes a course. @errors AcademicsNotFound */
    const deleteCourse = (id: string) => softDelete("courses", "course", getCourse(id))

    /**
     * Lists courses by start time with filters (school, teacher, group,
     * classroom, date range), cursor pagination.
     */
    const listCourses = (params: ListCourses = {}) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeCourseCursor(params.cursor)
          const c = [sql`c.tenant_id = ${tid}`, sql`c.deleted_at IS NULL`]
          if (params.school_id) c.push(sql`c.school_id = ${params.school_id}`)
          if (params.from) c.push(sql`c.end_at > ${iso(params.from)}`)
          if (params.to) c.push(sql`c.start_at < ${iso(params.to)}`)
          if (params.teacher_id) {
            c.push(
              sql`EXISTS (SELECT 1 FROM teachers_courses x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.teacher_id = ${params.teacher_id})`
            )
          }
          if (params.group_id) {
            c.push(
              sql`EXISTS (SELECT 1 FROM courses_student_groups x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.group_id = ${params.group_id})`
            )
          }
          if (params.classroom_id) {
            c.push(
              sql`EXISTS (SELECT 1 FROM courses_classrooms x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.classroom_id = ${params.classroom_id})`
            )
          }
          if (after) c.push(sql`(c.start_at > ${after.start} OR (c.start_at = ${after.start} AND c.id > ${after.id}))`)
          const r =
            yield* sql`SELECT c.* FROM courses c WHERE ${sql.and(c)} ORDER BY c.start_at, c.id LIMIT ${limit + 1}`.pipe(
              Effect.flatMap(rows(CourseRow)),
              Effect.orDie
            )
          const items = yield* presentCourses(r.slice(0, limit))
          const last = items[items.length - 1]
          return { items, next_cursor: r.length > limit && last ? encodeCourseCursor(last) : null }
        })
      )

    // ——— AcademicsQuery / AcademicsCommand (seed 004) ————————————————————————

    /** `ValidateTeacherCourse`: the teacher is assigned to the course (directly, or through one of its groups). */
    const validateTeacherCourse = (teacherId: string, courseId: string) =>
      inTx(
        Effect.gen(function* () {
          if (!validId(teacherId) || !validId(courseId)) return false
          const tid = yield* tenantId
          const r =
            yield* sql`SELECT 1 AS ok FROM teachers_courses WHERE tenant_id = ${tid} AND course_id = ${courseId} AND teacher_id = ${teacherId}
            UNION ALL
            SELECT 1 AS ok FROM courses_student_groups cg JOIN group_teachers gt ON gt.tenant_id = cg.tenant_id AND gt.group_id = cg.group_id
              WHERE cg.tenant_id = ${tid} AND cg.course_id = ${courseId} AND gt.teacher_id = ${teacherId}
            LIMIT 1`.pipe(Effect.orDie)
          return r.length > 0
        })
      )

    /**
     * `ValidateStudentCourse`: the student is a member of ANY (live) group
     * assigned to the course; returns the matched groups. Served from the
     * membership cache (see above) after the first call per course and group.
     */
    const validateStudentCourse = (studentId: string, courseId: string) =>
      Effect.gen(function* () {
        if (!validId(studentId) || !validId(courseId))
          return new StudentCourseValidation({ is_allowed: false, matched_group_ids: [] })
        const tid = yield* tenantId
        const cache = yield* cacheFor(tid)
        let groups = cache.courseGroups.get(courseId)
        if (!groups) {
          const r = yield* inTx(
            sql<{ group_id: string }>`SELECT cg.group_id FROM courses_student_groups cg
              JOIN student_groups g ON g.tenant_id = cg.tenant_id AND g.id = cg.group_id AND g.deleted_at IS NULL
              WHERE cg.tenant_id = ${tid} AND cg.course_id = ${courseId} ORDER BY cg.group_id`.pipe(Effect.orDie)
          )
          groups = r.map((x) => x.group_id)
          cache.courseGroups.set(courseId, groups)
        }
        const matched: Array<string> = []
        for (const g of groups) {
          let members = cache.groupMembers.get(g)
          if (!members) {
            const r = yield* inTx(
              sql<{
                student_id: string
              }>`SELECT student_id FROM group_members WHERE tenant_id = ${tid} AND group_id = ${g}`.pipe(Effect.orDie)
            )
            members = new Set(r.map((x) => x.student_id))
            cache.groupMembers.set(g, members)
          }
          if (members.has(studentId)) matched.push(g)
        }
        return new StudentCourseValidation({ is_allowed: matched.length > 0, matched_group_ids: matched })
      })

    /** `ValidateClassroomCourse`: the classroom is linked to the course. */
    const validateClassroomCourse = (classroomId: string, courseId: string) =>
      inTx(
        Effect.gen(function* () {
          if (!validId(classroomId) || !validId(courseId)) return false
          const tid = yield* tenantId
          const r =
            yield* sql`SELECT 1 AS ok FROM courses_classrooms WHERE tenant_id = ${tid} AND course_id = ${courseId}
            AND classroom_id = ${classroomId}`.pipe(Effect.orDie)
          return r.length > 0
        })
      )

    /** Courses of a classroom running at `at` (± `graceMinutes`), earliest first — used to resolve a beacon's course. */
    const coursesInClassroomAt = (classroomId: string, at: string, graceMinutes = 0) =>
      inTx(
        Effect.gen(function* () {
          if (!validId(classroomId)) return [] as Array<Course>
          const tid = yield* tenantId
          const t = Date.parse(at)
          const r =
            yield* sql`SELECT c.* FROM courses c JOIN courses_classrooms cc ON cc.tenant_id = c.tenant_id AND cc.course_id = c.id
            WHERE c.tenant_id = ${tid} AND cc.classroom_id = ${classroomId} AND c.deleted_at IS NULL
              AND c.start_at <= ${instant(t + graceMinutes * 60_000)} AND c.end_at >= ${instant(t - graceMinutes * 60_000)}
            ORDER BY c.start_at, c.id`.pipe(Effect.flatMap(rows(CourseRow)), Effect.orDie)
          return yield* presentCourses(r)
        })
      )

    /**
     * `AcademicsCommand.CloseExpiredCourses(now)`: closes signing on every
     * course of the current tenant that has ended; returns how many were closed.
     */
    const closeExpiredCourses = (nowIso: string) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const closed = yield* sql<{
            id: string
          }>`UPDATE courses SET signature_closed = ${bool(true)}, closed_at = ${iso(nowIso)},
              updated_at = ${iso(nowIso)}
            WHERE tenant_id = ${tid} AND deleted_at IS NULL AND signature_closed = ${bool(false)} AND end_at <= ${iso(nowIso)}
            RETURNING id`.pipe(Effect.orDie)
          if (closed.length > 0) {
            caches.delete(tid)
            yield* sql`INSERT INTO academics_versions (tenant_id, version) VALUES (${tid}, 1)
              ON CONFLICT (tenant_id) DO UPDATE SET version = academics_versions.version + 1`.pipe(Effect.orDie)
            yield* audit.record({
              action: "academics.courses.closed",
              targetType: "course",
              targetId: null,
              after: { closed: closed.map((c) => c.id) }
            })
            for (const c of closed)
              yield* events.publish({
                type: "signet.academics.course.closed",
                subject: c.id,
                data: { course_id: c.id, closed_at: iso(nowIso) }
              })
          }
          return { closed_count: closed.length, course_ids: closed.map((c) => c.id) }
        })
      )

    return {
      // schools
      getSchool,
      createSchool,
      listSchools,
      updateSchool,
      deleteSchool,
      getSchoolPreferences,
      updateSchoolPreferences,
      // classrooms
      getClassroom,
      createClassroom,
      listClassrooms,
      findClassroomByCode,
      updateClassroom,
      deleteClassroom,
      // groups
      getGroup,
      createGroup,
      listGroups,
      findGroupByCode,
      updateGroup,
      deleteGroup,
      setMembers,
      listMembers,
      setGroupTeachers,
      // courses
      getCourse,
      getCourses,
      createCourse,
      updateCourse,
      deleteCourse,
      listCourses,
      coursesInClassroomAt,
      // seed contract
      validateTeacherCourse,
      validateStudentCourse,
      validateClassroomCourse,
      closeExpiredCourses,
      // for importers
      inTx,
      /**
       * The current tenant's academics version: bumped by every academics change (seen at once
       * in this process, within a second on other replicas). Other modules key their caches of
       * courses and preferences on it.
       */
      version: Effect.flatMap(tenantId, (tid) => Effect.map(cacheFor(tid), (c) => c.version)),
      /** Drops this process's membership cache of a tenant (after bulk writes). */
      invalidate: (tid: string) => Effect.sync(() => caches.delete(tid)),
      conflictFrom: (e: unknown) => violatedConstraint(e)
    } as const
  })
}) {}
