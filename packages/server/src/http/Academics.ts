/**
 * Handlers of the `academics` and `calendar` groups: each one line over
 * `AcademicsAdmin` (core), which carries the permissions and the rules
 * (teacher course edits, roster zip limits, tenant checks).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import {
  AcademicsAdmin,
  ActivitiesAdmin,
  CurrentTenant,
  policyUse,
  SignetApi,
  Tenancy,
  Unauthorized
} from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const A = AcademicsAdmin
const read = policyUse("academics:read")
const write = policyUse("academics:write")

/** Handlers for `/api/v1/tenants/{slug}/{schools,classrooms,groups,courses,roster,feeds}`. */
export const AcademicsHttp = HttpApiBuilder.group(SignetApi, "academics", (h) =>
  h
    .handle("listSchools", ({ urlParams }) => asPrincipal(A.listSchools(urlParams).pipe(read)))
    .handle("createSchool", ({ payload }) => asPrincipal(A.createSchool(payload).pipe(write)))
    .handle("getSchool", ({ path }) => asPrincipal(A.getSchool(path.id).pipe(read)))
    .handle("updateSchool", ({ path, payload }) => asPrincipal(A.updateSchool(path.id, payload).pipe(write)))
    .handle("deleteSchool", ({ path }) => asPrincipal(A.deleteSchool(path.id).pipe(write)))
    .handle("getPreferences", ({ path }) => asPrincipal(A.getSchoolPreferences(path.id).pipe(read)))
    .handle("updatePreferences", ({ path, payload }) =>
      asPrincipal(A.updateSchoolPreferences(path.id, payload).pipe(write))
    )
    .handle("listClassrooms", ({ urlParams }) => asPrincipal(A.listClassrooms(urlParams).pipe(read)))
    .handle("createClassroom", ({ payload }) => asPrincipal(A.createClassroom(payload).pipe(write)))
    .handle("getClassroom", ({ path }) => asPrincipal(A.getClassroom(path.id).pipe(read)))
    .handle("updateClassroom", ({ path, payload }) => asPrincipal(A.updateClassroom(path.id, payload).pipe(write)))
    .handle("deleteClassroom", ({ path }) => asPrincipal(A.deleteClassroom(path.id).pipe(write)))
    .handle("listGroups", ({ urlParams }) => asPrincipal(A.listGroups(urlParams).pipe(read)))
    .handle("createGroup", ({ payload }) => asPrincipal(A.createGroup(payload).pipe(write)))
    .handle("getGroup", ({ path }) => asPrincipal(A.getGroup(path.id).pipe(read)))
    .handle("updateGroup", ({ path, payload }) => asPrincipal(A.updateGroup(path.id, payload).pipe(write)))
    .handle("deleteGroup", ({ path }) => asPrincipal(A.deleteGroup(path.id).pipe(write)))
    .handle("listMembers", ({ path }) => asPrincipal(A.listMembers(path.id).pipe(read)))
    .handle("setMembers", ({ path, payload }) => asPrincipal(A.setMembers(path.id, payload.student_ids).pipe(write)))
    .handle("setGroupTeachers", ({ path, payload }) =>
      asPrincipal(A.setGroupTeachers(path.id, payload.teacher_ids).pipe(write))
    )
    .handle("listCourses", ({ urlParams }) => asPrincipal(A.listCourses(urlParams).pipe(read)))
    .handle("createCourse", ({ payload }) => asPrincipal(A.createCourse(payload).pipe(write)))
    .handle("getCourse", ({ path }) => asPrincipal(A.getCourse(path.id).pipe(read)))
    .handle("updateCourse", ({ path, payload }) => asPrincipal(A.updateCourse(path.id, payload)))
    .handle("deleteCourse", ({ path }) => asPrincipal(A.deleteCourse(path.id).pipe(write)))
    .handle("importRoster", ({ payload, urlParams }) =>
      asPrincipal(A.importRosterZip(payload, { dryRun: urlParams.dry_run === true }).pipe(write))
    )
    .handle("importTimetable", ({ path, payload, urlParams }) =>
      asPrincipal(
        A.importTimetable(path.id, payload, {
          timezone: urlParams.timezone,
          dryRun: urlParams.dry_run === true,
          mapping: urlParams.mapping,
          skipInvalid: urlParams.skip_invalid,
          createMissing: urlParams.create_missing
        }).pipe(write)
      )
    )
    .handle("createFeed", ({ path, payload }) =>
      asPrincipal(
        A.createFeed(payload.kind, payload.subject_id).pipe(
          write,
          Effect.map(({ feed, token }) => ({ feed, url: `/api/v1/tenants/${path.slug}/calendar/${token}.ics` }))
        )
      )
    )
    .handle("listFeeds", () => asPrincipal(A.listFeeds.pipe(read)))
    .handle("revokeFeed", ({ path }) => asPrincipal(A.revokeFeed(path.id).pipe(write)))
    .handle("listSessions", ({ path }) => asPrincipal(A.listSessions(path.id).pipe(read)))
    .handle("validateStudentCourse", ({ path }) =>
      asPrincipal(A.validateStudentCourse(path.studentId, path.id).pipe(read))
    )
)

/**
 * The public calendar feed: the tenant by its slug (a suspended one answers
 * as an unknown feed), then the token; lessons and, for a student's or
 * teacher's feed, that user's calendar events (`ActivitiesAdmin.timetableFeed`,
 * issue 22).
 */
export const CalendarHttp = HttpApiBuilder.group(SignetApi, "calendar", (h) =>
  h.handle("feed", ({ path }) =>
    Tenancy.use((t) => t.resolveActive(path.slug)).pipe(
      Effect.catchTag("TenantSuspended", () =>
        Effect.fail(new Unauthorized({ message: "unknown or revoked calendar feed" }))
      ),
      Effect.flatMap((tenant) =>
        ActivitiesAdmin.timetableFeed(path.file.replace(/\.ics$/, "")).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug })
        )
      )
    )
  )
)

/** Handlers for `/api/v1/tenants/{slug}/schools/{id}/timetable/syncs` and `/api/v1/tenants/{slug}/timetable/sources` (issue 16). */
export const TimetableSyncHttp = HttpApiBuilder.group(SignetApi, "timetableSync", (h) =>
  h
    .handle("syncTimetable", ({ path, payload, urlParams }) =>
      asPrincipal(
        A.syncTimetable(path.id, payload, {
          mapping: urlParams.mapping,
          timezone: urlParams.timezone,
          dryRun: urlParams.dry_run === true
        }).pipe(write)
      )
    )
    .handle("listTimetableSources", () => asPrincipal(A.listTimetableSources.pipe(read)))
    .handle("addTimetableSource", ({ payload }) => asPrincipal(A.addTimetableSource(payload).pipe(write)))
    .handle("getTimetableSource", ({ path }) => asPrincipal(A.getTimetableSource(path.id).pipe(read)))
    .handle("removeTimetableSource", ({ path }) => asPrincipal(A.removeTimetableSource(path.id).pipe(write)))
    .handle("pullTimetableSource", ({ path }) => asPrincipal(A.pullTimetableSource(path.id).pipe(write)))
)
