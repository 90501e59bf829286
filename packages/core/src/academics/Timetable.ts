/**
 * iCalendar timetables into courses, and read-only calendar feeds out of
 * them (RFC 5545; parsing and rendering in `ICalendar.ts`).
 *
 * Import: one course per occurrence in a given school, upserted by the
 * occurrence's `sourceKey` (UID + original start), so importing the same file
 * again changes nothing. Mapped codes resolve to the school's classrooms and
 * groups, teacher e-mails to users; an unresolved reference is a warning and
 * the course is created without that link. `STATUS:CANCELLED` occurrences
 * delete their course. All-or-nothing; one audit row and one CloudEvent
 * summarise the import.
 *
 * Feeds: a feed is a revocable secret URL
 * (`/api/v1/tenants/{slug}/feeds/{token}.ics`) publishing the courses of one
 * student, teacher, group or classroom from 30 days back to 180 days ahead.
 * Tokens (`sgc_…`, 256 bits) are stored as SHA-256 hashes.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import {
  AcademicsNotFound,
  CalendarFeed,
  FeedKind,
  ImportCounts,
  ImportMessage,
  TimetableImportFailed,
  TimetableSummary
} from "@signet/contracts/academics/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid, UserId } from "@signet/contracts/kernel/Ids"
import { Clock, Data, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { tenantTx } from "../kernel/Database.js"
import { instant } from "../kernel/Sql.js"
import { Academics } from "./Academics.js"
import { type FeedEvent, LIMIT_CODES, renderFeed, type TimetablePlan } from "./ICalendar.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: TimetableSummary }> {}

const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")
const issue = (i: {
  readonly line: number | null
  readonly uid: string | null
  readonly code: string
  readonly message: string
}) => new ImportMessage({ file: i.uid ?? "calendar", line: i.line ?? 0, code: i.code, message: i.message })

/** The timetable service (acts on the `CurrentTenant`). */
export class Timetable extends Effect.Service<Timetable>()("Signet/Timetable", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const academics = yield* Academics
    const identity = yield* Identity
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))

    /**
     * Applies a parsed timetable to a school.
     * @errors AcademicsNotFound (school), ValidationError (400: the file passed a limit of
     *   `ICalendar.LIMIT_CODES`, the message names it and its value; nothing written),
     *   TimetableImportFailed (422: the file has errors; nothing written)
     */
    const importPlan = (schoolId: string, plan: TimetablePlan, options: { readonly dryRun?: boolean } = {}) =>
      Effect.gen(function* () {
        const warnings = plan.warnings.map(issue)
        const overLimit = plan.errors.find((e) => LIMIT_CODES.has(e.code))
        if (overLimit !== undefined) return yield* ValidationError.field("calendar", overLimit.message)
        if (plan.errors.length > 0) {
          return yield* new TimetableImportFailed({
            message: `${plan.errors.length} error(s) in the calendar; nothing was imported`,
            errors: plan.errors.map(issue),
            warnings
          })
        }
        const run = Effect.gen(function* () {
          yield* academics.getSchool(schoolId)
          const tid = (yield* CurrentTenant).id
          const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
          const rooms = new Map<string, string | null>()
          const groups = new Map<string, string | null>()
          const teachers = new Map<string, string | null>()
          const resolve = (
            cache: Map<string, string | null>,
            key: string,
            find: Effect.Effect<Option.Option<{ readonly id: string }>, never, CurrentTenant>,
            what: string,
            uid: string
          ) =>
            Effect.gen(function* () {
              if (!cache.has(key))
                cache.set(key, Option.match(yield* find, { onNone: () => null, onSome: (x) => x.id }))
              const id = cache.get(key) ?? null
              if (!id)
                warnings.push(
                  new ImportMessage({
                    file: uid,
                    line: 0,
                    code: "UNRESOLVED",
                    message: `no ${what} "${key}" in this school; course created without it`
                  })
                )
              return id
            })
          for (const o of plan.occurrences) {
            const existing = yield* sql<{
              id: string
            }>`SELECT id FROM courses WHERE tenant_id = ${tid} AND source_key = ${o.sourceKey}
              AND deleted_at IS NULL`.pipe(Effect.orDie)
            const courseId = existing[0]?.id
            if (o.cancelled) {
              if (courseId) {
                yield* academics.deleteCourse(courseId)
                counts.deleted++
              }
              continue
            }
            const classroomId = o.classroomCode
              ? yield* resolve(
                  rooms,
                  o.classroomCode,
                  academics.findClassroomByCode(o.classroomCode, schoolId),
                  "classroom",
                  o.uid
                )
              : null
            const groupId = o.groupCode
              ? yield* resolve(groups, o.groupCode, academics.findGroupByCode(o.groupCode, schoolId), "group", o.uid)
              : null
            const teacherId = o.teacherEmail
              ? yield* resolve(
                  teachers,
                  o.teacherEmail,
                  Effect.map(
                    identity.findByLogin(o.teacherEmail),
                    Option.map((r) => ({ id: r.id }))
                  ),
                  "teacher",
                  o.uid
                )
              : null
            const links = {
              classroom_ids: classroomId ? [classroomId] : [],
              group_ids: groupId ? [groupId] : [],
              teacher_ids: teacherId ? [teacherId] : []
            }
            if (!courseId) {
              yield* academics.createCourse(
                { school_id: schoolId, name: o.name, start_at: o.startAt, end_at: o.endAt, ...links },
                o.sourceKey
              )
              counts.created++
              continue
            }
            const current = yield* academics.getCourse(courseId)
            const same =
              current.name === o.name &&
              current.start_at === new Date(o.startAt).toISOString() &&
              current.end_at === new Date(o.endAt).toISOString() &&
              [...current.classroom_ids].sort().join() === links.classroom_ids.join() &&
              [...current.group_ids].sort().join() === links.group_ids.join() &&
              [...current.teacher_ids].sort().join() === links.teacher_ids.join()
            if (same) {
              counts.unchanged++
              continue
            }
            yield* academics.updateCourse(courseId, { name: o.name, start_at: o.startAt, end_at: o.endAt, ...links })
            counts.updated++
          }
          const summary = new TimetableSummary({
            dry_run: options.dryRun === true,
            courses: new ImportCounts(counts),
            warnings,
            errors: []
          })
          yield* audit.record({
            action: "academics.timetable.imported",
            targetType: "school",
            targetId: schoolId,
            after: { ...counts, warnings: warnings.length }
          })
          yield* events.publish({
            type: "signet.academics.timetable.imported",
            subject: schoolId,
            data: { ...counts, warnings: warnings.length }
          })
          if (options.dryRun) return yield* new DryRun({ summary })
          return summary
        })
        return yield* inTx(run).pipe(Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)))
      }).pipe(Effect.withSpan("Timetable.importPlan"))

    const feedRow = Schema.Struct({
      id: Schema.String,
      kind: FeedKind,
      subject_id: Schema.String,
      created_at: Schema.String,
      revoked_at: Schema.NullOr(Schema.String)
    })

    /**
     * Creates a feed for a student, teacher, group or classroom; the token is
     * shown once. @errors AcademicsNotFound (subject)
     */
    const createFeed = (kind: FeedKind, subjectId: string) =>
      inTx(
        Effect.gen(function* () {
          if (kind === "group") yield* academics.getGroup(subjectId)
          else if (kind === "classroom") yield* academics.getClassroom(subjectId)
          else if (!Schema.is(UserId)(subjectId) || !(yield* identity.exists(subjectId)))
            return yield* new AcademicsNotFound({ message: `no user ${subjectId}`, resource: "user", id: subjectId })
          const tid = (yield* CurrentTenant).id
          const id = yield* newUuid
          const token = `sgc_${Crypto.randomBytes(32).toString("base64url")}`
          const at = instant(yield* Clock.currentTimeMillis)
          yield* sql`INSERT INTO calendar_feeds (tenant_id, id, kind, subject_id, token_hash, created_at)
            VALUES (${tid}, ${id}, ${kind}, ${subjectId}, ${sha256(token)}, ${at})`.pipe(Effect.orDie)
          const feed = new CalendarFeed({ id, kind, subject_id: subjectId, created_at: at, revoked_at: null })
          yield* audit.record({
            action: "academics.feed.created",
            targetType: "calendar_feed",
            targetId: id,
            after: feed
          })
          yield* events.publish({ type: "signet.academics.feed.created", subject: id, data: feed })
          return { feed, token }
        })
      )

    /** Lists feeds (never their tokens). */
    const listFeeds = inTx(
      Effect.gen(function* () {
        const tid = (yield* CurrentTenant).id
        const r =
          yield* sql`SELECT id, kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE tenant_id = ${tid}
          ORDER BY created_at`.pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(feedRow))), Effect.orDie)
        return r.map((x) => new CalendarFeed(x))
      })
    )

    /** Revokes a feed (its URL stops working). @errors AcademicsNotFound */
    const revokeFeed = (id: string) =>
      inTx(
        Effect.gen(function* () {
          const tid = (yield* CurrentTenant).id
          const at = instant(yield* Clock.currentTimeMillis)
          const r = yield* sql`UPDATE calendar_feeds SET revoked_at = ${at} WHERE tenant_id = ${tid} AND id = ${id}
            AND revoked_at IS NULL RETURNING id, kind, subject_id, created_at, revoked_at`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(feedRow))),
            Effect.orDie
          )
          if (!r[0]) return yield* new AcademicsNotFound({ message: `no active feed ${id}`, resource: "course", id })
          yield* audit.record({ action: "academics.feed.revoked", targetType: "calendar_feed", targetId: id })
          return new CalendarFeed(r[0])
        })
      )

    /** The courses a feed subject takes part in, in a window. */
    const subjectCourses = (kind: FeedKind, subjectId: string, from: string, to: string) =>
      Effect.gen(function* () {
        const tid = (yield* CurrentTenant).id
        const match =
          kind === "group"
            ? sql`EXISTS (SELECT 1 FROM courses_student_groups x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.group_id = ${subjectId})`
            : kind === "classroom"
              ? sql`EXISTS (SELECT 1 FROM courses_classrooms x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.classroom_id = ${subjectId})`
              : kind === "teacher"
                ? sql`(EXISTS (SELECT 1 FROM teachers_courses x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.teacher_id = ${subjectId})
                    OR EXISTS (SELECT 1 FROM courses_student_groups x JOIN group_teachers gt ON gt.tenant_id = x.tenant_id AND gt.group_id = x.group_id
                      WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND gt.teacher_id = ${subjectId}))`
                : sql`EXISTS (SELECT 1 FROM courses_student_groups x JOIN group_members gm ON gm.tenant_id = x.tenant_id AND gm.group_id = x.group_id
                    WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND gm.student_id = ${subjectId})`
        const r = yield* sql<{
          id: string
        }>`SELECT c.id FROM courses c WHERE c.tenant_id = ${tid} AND c.deleted_at IS NULL
          AND c.end_at > ${from} AND c.start_at < ${to} AND ${match} ORDER BY c.start_at LIMIT 5000`.pipe(Effect.orDie)
        return r.map((x) => x.id)
      })

    /** Renders the calendar of a subject (used by feeds and `signet timetable export`). */
    const renderSubject = (
      kind: FeedKind,
      subjectId: string,
      options: { readonly from?: string; readonly to?: string; readonly name?: string } = {}
    ) =>
      inTx(
        Effect.gen(function* () {
          const nowMs = yield* Clock.currentTimeMillis
          const from = options.from ?? instant(nowMs - 30 * 86_400_000)
          const to = options.to ?? instant(nowMs + 180 * 86_400_000)
          const ids = yield* subjectCourses(kind, subjectId, from, to)
          const events: Array<FeedEvent> = []
          const rooms = new Map<string, string>()
          for (const id of ids) {
            const c = yield* academics.getCourse(id).pipe(Effect.orDie) // listed just before, in this transaction
            const location: Array<string> = []
            for (const roomId of c.classroom_ids) {
              if (!rooms.has(roomId))
                rooms.set(
                  roomId,
                  (yield* academics.getClassroom(roomId).pipe(Effect.orElseSucceed(() => null)))?.name ?? ""
                )
              location.push(rooms.get(roomId)!)
            }
            events.push({
              id: c.id,
              name: c.name,
              startAt: c.start_at,
              endAt: c.end_at,
              location: location.filter(Boolean).join(", ") || (c.is_online ? "Online" : null),
              description: null,
              cancelled: false,
              updatedAt: c.updated_at
            })
          }
          return renderFeed({ name: options.name ?? `Signet ${kind} timetable`, events, refreshIntervalMinutes: 60 })
        })
      )

    /** Serves a feed by its token. @errors Unauthorized (unknown or revoked token) */
    const feedByToken = (token: string) =>
      inTx(
        Effect.gen(function* () {
          const tid = (yield* CurrentTenant).id
          const r =
            yield* sql`SELECT id, kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE tenant_id = ${tid}
            AND token_hash = ${sha256(token)}`.pipe(
              Effect.flatMap(Schema.decodeUnknown(Schema.Array(feedRow))),
              Effect.orDie
            )
          const feed = r[0]
          if (!feed || feed.revoked_at !== null)
            return yield* new Unauthorized({ message: "unknown or revoked calendar feed" })
          return yield* renderSubject(feed.kind, feed.subject_id)
        })
      )

    return { importPlan, createFeed, listFeeds, revokeFeed, renderSubject, feedByToken } as const
  })
}) {}
