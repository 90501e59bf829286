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
import type { SqlError } from "@effect/sql/SqlError"
import {
  AcademicsNotFound,
  CalendarFeed,
  CalendarFeedId,
  ClassroomId,
  type CourseId,
  type FeedKind,
  GroupId,
  ImportCounts,
  ImportMessage,
  type SchoolId,
  TimetableImportFailed,
  TimetableSummary
} from "@signet/contracts/academics/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, UserId } from "@signet/contracts/kernel/Ids"
import { Clock, Data, DateTime, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { tenantTx } from "../kernel/Database.js"
import { instant } from "../kernel/Sql.js"
import { Academics } from "./Academics.js"
import { type FeedEvent, LIMIT_CODES, type Occurrence, renderFeed, type TimetablePlan } from "./ICalendar.js"
import { notFound, utc } from "./Kit.js"
import { AcademicsRepo } from "./Repo.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: TimetableSummary }> {}

const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")
const issue = (i: {
  readonly line: number | null
  readonly uid: string | null
  readonly code: string
  readonly message: string
}) => new ImportMessage({ file: i.uid ?? "calendar", line: i.line ?? 0, code: i.code, message: i.message })

/** What the timetable's seams use: the repository, the services, the tenant transaction. */
interface Deps {
  readonly repo: AcademicsRepo
  readonly audit: Audit
  readonly events: Events
  readonly academics: Academics
  readonly identity: Identity
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, CurrentTenant | Exclude<R, SqlClient.SqlClient>>
}

/** A course's links as an occurrence names them (at most one of each kind). */
interface Links {
  readonly classroom_ids: ReadonlyArray<ClassroomId>
  readonly group_ids: ReadonlyArray<GroupId>
  readonly teacher_ids: ReadonlyArray<UserId>
}

/**
 * Resolves occurrences' classroom and group codes (in the school) and
 * teacher e-mails to ids, each looked up once per import; an unresolved one
 * adds an UNRESOLVED warning and leaves that link out.
 */
const makeResolver = ({ academics, identity }: Deps, schoolId: SchoolId, warnings: Array<ImportMessage>) => {
  const caches = {
    classroom: new Map<string, ClassroomId | null>(),
    group: new Map<string, GroupId | null>(),
    teacher: new Map<string, UserId | null>()
  }
  const resolve = <Id extends string>(
    what: keyof typeof caches,
    cache: Map<string, Id | null>,
    key: string,
    find: Effect.Effect<Option.Option<{ readonly id: Id }>, never, CurrentTenant>,
    uid: string
  ) =>
    Effect.gen(function* () {
      if (!cache.has(key)) cache.set(key, Option.match(yield* find, { onNone: () => null, onSome: (x) => x.id }))
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
  return (o: Occurrence) =>
    Effect.gen(function* () {
      const classroomId = o.classroomCode
        ? yield* resolve(
            "classroom",
            caches.classroom,
            o.classroomCode,
            academics.findClassroomByCode(o.classroomCode, schoolId),
            o.uid
          )
        : null
      const groupId = o.groupCode
        ? yield* resolve("group", caches.group, o.groupCode, academics.findGroupByCode(o.groupCode, schoolId), o.uid)
        : null
      const teacherId = o.teacherEmail
        ? yield* resolve(
            "teacher",
            caches.teacher,
            o.teacherEmail,
            Effect.map(
              identity.findByLogin(o.teacherEmail),
              Option.map((r) => ({ id: r.id }))
            ),
            o.uid
          )
        : null
      const links: Links = {
        classroom_ids: classroomId ? [classroomId] : [],
        group_ids: groupId ? [groupId] : [],
        teacher_ids: teacherId ? [teacherId] : []
      }
      return links
    })
}

/** The import of a parsed timetable into a school's courses. */
const makeImport = (deps: Deps) => {
  const { repo, audit, events, academics, inTx } = deps

  /** Whether the course already matches the occurrence and its links. */
  const unchanged = (courseId: CourseId, o: Occurrence, links: Links) =>
    Effect.map(
      academics.getCourse(courseId),
      (current) =>
        current.name === o.name &&
        DateTime.Equivalence(current.start_at, utc(o.startAt)) &&
        DateTime.Equivalence(current.end_at, utc(o.endAt)) &&
        [...current.classroom_ids].sort().join() === links.classroom_ids.join() &&
        [...current.group_ids].sort().join() === links.group_ids.join() &&
        [...current.teacher_ids].sort().join() === links.teacher_ids.join()
    )

  /** Upserts (or, cancelled, deletes) the course of each occurrence; answers the counts. */
  const applyOccurrences = (schoolId: SchoolId, plan: TimetablePlan, warnings: Array<ImportMessage>) =>
    Effect.gen(function* () {
      const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
      const linksOf = makeResolver(deps, schoolId, warnings)
      for (const o of plan.occurrences) {
        const courseId = Option.getOrUndefined(yield* repo.findCourseIdBySourceKey(schoolId, o.sourceKey))
        if (o.cancelled) {
          if (courseId) {
            yield* academics.deleteCourse(courseId)
            counts.deleted++
          }
          continue
        }
        const links = yield* linksOf(o)
        const fields = { name: o.name, start_at: o.startAt, end_at: o.endAt, ...links }
        if (!courseId) {
          yield* academics.createCourse({ school_id: schoolId, ...fields }, o.sourceKey)
          counts.created++
        } else if (yield* unchanged(courseId, o, links)) {
          counts.unchanged++
        } else {
          yield* academics.updateCourse(courseId, fields)
          counts.updated++
        }
      }
      return counts
    })

  /**
   * Applies a parsed timetable to a school.
   * @errors AcademicsNotFound (school), ValidationError (400: the file passed a limit of
   *   `ICalendar.LIMIT_CODES`, the message names it and its value; nothing written),
   *   TimetableImportFailed (422: the file has errors; nothing written)
   */
  const importPlan = (schoolId: SchoolId, plan: TimetablePlan, options: { readonly dryRun?: boolean } = {}) =>
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
        const counts = yield* applyOccurrences(schoolId, plan, warnings)
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

  return { importPlan } as const
}

/** Rendering a subject's timetable as iCalendar. */
const makeRender = ({ repo, academics, inTx }: Deps) => {
  /** The feed event of a course (its location: its classrooms' names, else "Online" for an online course). */
  const feedEvents = (ids: ReadonlyArray<CourseId>) =>
    Effect.gen(function* () {
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
          startAt: DateTime.formatIso(c.start_at),
          endAt: DateTime.formatIso(c.end_at),
          location: location.filter(Boolean).join(", ") || (c.is_online ? "Online" : null),
          description: null,
          cancelled: false,
          updatedAt: DateTime.formatIso(c.updated_at)
        })
      }
      return events
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
        const events = yield* feedEvents(yield* repo.subjectCourseIds(kind, subjectId, from, to))
        return renderFeed({ name: options.name ?? `Signet ${kind} timetable`, events, refreshIntervalMinutes: 60 })
      })
    )

  return { renderSubject } as const
}

/** Calendar feeds: creation, listing, revocation, serving by token. */
const makeFeeds = (deps: Deps, renderSubject: ReturnType<typeof makeRender>["renderSubject"]) => {
  const { repo, audit, events, academics, identity, inTx } = deps

  /**
   * Creates a feed for a student, teacher, group or classroom; the token is
   * shown once. @errors AcademicsNotFound (subject)
   */
  const createFeed = (kind: FeedKind, subjectId: string) =>
    inTx(
      Effect.gen(function* () {
        // A malformed subject id names nothing: not found, as a well-formed unknown one.
        if (kind === "group") {
          if (!Schema.is(GroupId)(subjectId)) return yield* notFound("group", subjectId)
          yield* academics.getGroup(subjectId)
        } else if (kind === "classroom") {
          if (!Schema.is(ClassroomId)(subjectId)) return yield* notFound("classroom", subjectId)
          yield* academics.getClassroom(subjectId)
        } else if (!Schema.is(UserId)(subjectId) || !(yield* identity.exists(subjectId)))
          return yield* new AcademicsNotFound({ message: `no user ${subjectId}`, resource: "user", id: subjectId })
        const id = yield* newId(CalendarFeedId)
        const token = `sgc_${Crypto.randomBytes(32).toString("base64url")}`
        const at = yield* DateTime.now
        const feed = new CalendarFeed({ id, kind, subject_id: subjectId, created_at: at, revoked_at: null })
        yield* repo.insertFeed(feed, sha256(token))
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
  const listFeeds = inTx(repo.listFeeds)

  /** Revokes a feed (its URL stops working). @errors AcademicsNotFound */
  const revokeFeed = (id: CalendarFeedId) =>
    inTx(
      Effect.gen(function* () {
        const at = yield* DateTime.now
        const revoked = yield* repo.revokeFeed(id, at)
        if (Option.isNone(revoked))
          return yield* new AcademicsNotFound({ message: `no active feed ${id}`, resource: "course", id })
        yield* audit.record({ action: "academics.feed.revoked", targetType: "calendar_feed", targetId: id })
        return revoked.value
      })
    )

  /** Serves a feed by its token. @errors Unauthorized (unknown or revoked token) */
  const feedByToken = (token: string) =>
    inTx(
      Effect.gen(function* () {
        const feed = Option.getOrNull(yield* repo.findFeedByTokenHash(sha256(token)))
        if (!feed || feed.revoked_at !== null)
          return yield* new Unauthorized({ message: "unknown or revoked calendar feed" })
        return yield* renderSubject(feed.kind, feed.subject_id)
      })
    )

  return { createFeed, listFeeds, revokeFeed, feedByToken } as const
}

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
    const { renderSubject } = makeRender(deps)
    return { importPlan, renderSubject, ...makeFeeds(deps, renderSubject) } as const
  }),
  dependencies: [AcademicsRepo.Default]
}) {}
