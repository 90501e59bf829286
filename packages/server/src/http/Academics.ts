/**
 * Handlers of the `academics` group. Reads need `academics:read`, writes
 * `academics:write`; a teacher of a course may update it (name, times,
 * online flag, and the closing delay when the school allows it) unless the
 * school disables course modification from the UI.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import {
  Academics,
  AcademicsNotFound,
  Access,
  Authenticated,
  CurrentTenant,
  Forbidden,
  ICalendar,
  Identity,
  OneRoster,
  Roster,
  SignetApi,
  Tenancy,
  Timetable,
  Unauthorized,
  type UpdateCourse,
  ValidationError
} from "@signet/core"
import { Effect } from "effect"
import { unzipSync } from "fflate"
import { asPrincipal, requirePermission } from "../Auth.js"

const read = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("academics:read"), self))
const write = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("academics:write"), self))

/** The teacher rule for course updates (see the module comment). */
const updateCourse = (courseId: string, patch: UpdateCourse) =>
  asPrincipal(
    Effect.gen(function* () {
      const p = yield* Authenticated
      const academics = yield* Academics
      const mayWrite = yield* Access.use((a) => a.checkActor(p.actor, "academics:write")).pipe(
        Effect.provideService(CurrentTenant, p.tenant)
      )
      if (mayWrite) return yield* academics.updateCourse(courseId, patch)
      const denied = (message: string) => new Forbidden({ message, permission: "academics:write" })
      if (p.actor.kind !== "user" || !p.actor.id) return yield* denied("missing permission academics:write")
      const course = yield* academics.getCourse(courseId)
      if (!(yield* academics.validateTeacherCourse(p.actor.id, courseId))) {
        return yield* denied("only the course's teachers or academics:write holders may change it")
      }
      const prefs = yield* academics.getSchoolPreferences(course.school_id)
      if (prefs.disable_course_modification_from_ui)
        return yield* denied("this school does not let teachers modify courses")
      if (patch.signature_closing_delay_minutes !== undefined && !prefs.teacher_can_modify_closing_delay) {
        return yield* denied("this school does not let teachers change the closing delay")
      }
      if (patch.teacher_ids || patch.classroom_ids || patch.group_ids) {
        return yield* denied("teachers cannot change a course's teachers, classrooms or groups")
      }
      return yield* academics.updateCourse(courseId, patch)
    })
  )

/** Handlers for `/api/v1/tenants/{slug}/{schools,classrooms,groups,courses}`. */
export const AcademicsHttp = HttpApiBuilder.group(SignetApi, "academics", (h) =>
  h
    .handle("listSchools", ({ urlParams }) => read(Academics.use((a) => a.listSchools(urlParams))))
    .handle("createSchool", ({ payload }) => write(Academics.use((a) => a.createSchool(payload))))
    .handle("getSchool", ({ path }) => read(Academics.use((a) => a.getSchool(path.id))))
    .handle("updateSchool", ({ path, payload }) => write(Academics.use((a) => a.updateSchool(path.id, payload))))
    .handle("deleteSchool", ({ path }) => write(Academics.use((a) => a.deleteSchool(path.id))))
    .handle("getPreferences", ({ path }) => read(Academics.use((a) => a.getSchoolPreferences(path.id))))
    .handle("updatePreferences", ({ path, payload }) =>
      write(Academics.use((a) => a.updateSchoolPreferences(path.id, payload)))
    )
    .handle("listClassrooms", ({ urlParams }) => read(Academics.use((a) => a.listClassrooms(urlParams))))
    .handle("createClassroom", ({ payload }) => write(Academics.use((a) => a.createClassroom(payload))))
    .handle("getClassroom", ({ path }) => read(Academics.use((a) => a.getClassroom(path.id))))
    .handle("updateClassroom", ({ path, payload }) => write(Academics.use((a) => a.updateClassroom(path.id, payload))))
    .handle("deleteClassroom", ({ path }) => write(Academics.use((a) => a.deleteClassroom(path.id))))
    .handle("listGroups", ({ urlParams }) => read(Academics.use((a) => a.listGroups(urlParams))))
    .handle("createGroup", ({ payload }) => write(Academics.use((a) => a.createGroup(payload))))
    .handle("getGroup", ({ path }) => read(Academics.use((a) => a.getGroup(path.id))))
    .handle("updateGroup", ({ path, payload }) => write(Academics.use((a) => a.updateGroup(path.id, payload))))
    .handle("deleteGroup", ({ path }) => write(Academics.use((a) => a.deleteGroup(path.id))))
    .handle("listMembers", ({ path }) => read(Academics.use((a) => a.listMembers(path.id))))
    .handle("setMembers", ({ path, payload }) =>
      write(Academics.use((a) => a.setMembers(path.id, payload.student_ids)))
    )
    .handle("setGroupTeachers", ({ path, payload }) =>
      write(Academics.use((a) => a.setGroupTeachers(path.id, payload.teacher_ids)))
    )
    .handle("listCourses", ({ urlParams }) => read(Academics.use((a) => a.listCourses(urlParams))))
    .handle("createCourse", ({ payload }) => write(Academics.use((a) => a.createCourse(payload))))
    .handle("getCourse", ({ path }) => read(Academics.use((a) => a.getCourse(path.id))))
    .handle("updateCourse", ({ path, payload }) => updateCourse(path.id, payload))
    .handle("deleteCourse", ({ path }) => write(Academics.use((a) => a.deleteCourse(path.id))))
    .handle("importRoster", ({ payload, urlParams }) =>
      write(
        Effect.gen(function* () {
          const files = yield* Effect.try({
            try: () => {
              const entries = unzipSync(payload)
              return new Map(
                Object.entries(entries)
                  .filter(([name]) => name.toLowerCase().endsWith(".csv") && !name.startsWith("__MACOSX/"))
                  .map(([name, bytes]) => [name.split("/").pop()!, bytes])
              )
            },
            catch: () => ValidationError.field("body", "is not a readable zip archive of OneRoster CSV files")
          })
          if (files.size === 0) return yield* ValidationError.field("body", "the zip holds no CSV file")
          const plan = OneRoster.parseOneRoster(files)
          return yield* Roster.use((r) => r.importPlan(plan, { dryRun: urlParams.dry_run === true }))
        })
      )
    )
    .handle("importTimetable", ({ path, payload, urlParams }) =>
      write(
        Effect.gen(function* () {
          const school = yield* Academics.use((a) => a.getSchool(path.id))
          const plan = ICalendar.parseTimetable(payload, { timezone: urlParams.timezone ?? school.timezone })
          return yield* Timetable.use((t) => t.importPlan(school.id, plan, { dryRun: urlParams.dry_run === true }))
        })
      )
    )
    .handle("createFeed", ({ path, payload }) =>
      write(
        Effect.map(
          Timetable.use((t) => t.createFeed(payload.kind, payload.subject_id)),
          ({ feed, token }) => ({
            feed,
            url: `/api/v1/tenants/${path.slug}/calendar/${token}.ics`
          })
        )
      )
    )
    .handle("listFeeds", () => read(Timetable.use((t) => t.listFeeds)))
    .handle("revokeFeed", ({ path }) => write(Timetable.use((t) => t.revokeFeed(path.id))))
    // REST names two objects: both must be the caller's tenant's (else 404), then the answer.
    .handle("validateStudentCourse", ({ path }) =>
      read(
        Effect.gen(function* () {
          const academics = yield* Academics
          yield* academics.getCourse(path.id)
          if (!(yield* Identity.use((i) => i.exists(path.studentId))))
            return yield* new AcademicsNotFound({
              message: `no user ${path.studentId}`,
              resource: "user",
              id: path.studentId
            })
          return yield* academics.validateStudentCourse(path.studentId, path.id)
        })
      )
    )
)

/** The public calendar feed (the token in the URL is the credential). */
export const CalendarHttp = HttpApiBuilder.group(SignetApi, "calendar", (h) =>
  h.handle("feed", ({ path }) =>
    Effect.gen(function* () {
      const tenant = yield* Tenancy.use((t) => t.resolveActive(path.slug)).pipe(
        Effect.catchTag("TenantSuspended", () =>
          Effect.fail(new Unauthorized({ message: "unknown or revoked calendar feed" }))
        )
      )
      const token = path.file.replace(/\.ics$/, "")
      return yield* Timetable.use((t) => t.feedByToken(token)).pipe(
        Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug })
      )
    })
  )
)
