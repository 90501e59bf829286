/**
 * The facade's school groups (`client.academics`, `attendance`, `beacons`):
 * one factory per group over the client's {@link Session}, composed by
 * `createSignetClient`.
 *
 * @module
 */
import type { Session } from "./Session.js"
import type { ParamsOf, PayloadOf, PlainOf, ResultOf } from "./Transport.js"

/**
 * `client.academics`: Schools, classrooms, groups, courses, rosters and timetables.
 * Made from the client's {@link Session}.
 */
export const academicsApi = ({ call, callWith, path, withId }: Session) => ({
  createSchool: (input: PlainOf<"academics", "createSchool">) =>
    callWith("academics", "createSchool", input, (r, payload) => r.academics.createSchool({ path, payload })),
  listSchools: (params: ParamsOf<"academics", "listSchools"> = {}) =>
    call((r) => r.academics.listSchools({ path, urlParams: params })),
  createClassroom: (input: PlainOf<"academics", "createClassroom">) =>
    callWith("academics", "createClassroom", input, (r, payload) => r.academics.createClassroom({ path, payload })),
  createGroup: (input: PlainOf<"academics", "createGroup">) =>
    callWith("academics", "createGroup", input, (r, payload) => r.academics.createGroup({ path, payload })),
  listGroups: (params: ParamsOf<"academics", "listGroups"> = {}) =>
    call((r) => r.academics.listGroups({ path, urlParams: params })),
  /** Replaces a group's students. */
  setMembers: (groupId: string, studentIds: ReadonlyArray<string>) =>
    callWith("academics", "setMembers", { student_ids: studentIds }, (r, payload) =>
      r.academics.setMembers({ ...withId(groupId), payload })
    ),
  createCourse: (input: PlainOf<"academics", "createCourse">) =>
    callWith("academics", "createCourse", input, (r, payload) => r.academics.createCourse({ path, payload })),
  getCourse: (id: string) => call((r) => r.academics.getCourse(withId(id))),
  listCourses: (params: ParamsOf<"academics", "listCourses"> = {}) =>
    call((r) => r.academics.listCourses({ path, urlParams: params })),
  /**
   * Imports a roster zip — OneRoster 1.1/1.2, Microsoft SDS v2.1 or Clever CSV, detected
   * from the files (docs/rosters.md); all-or-nothing. Warnings come grouped by kind in
   * `warning_groups` as well as one by one in `warnings`.
   * @example `await signet.academics.importRoster(fs.readFileSync("roster.zip"))`
   */
  importRoster: (zip: Uint8Array, options: { readonly dryRun?: boolean } = {}) =>
    call((r) =>
      r.academics.importRoster({
        path,
        payload: zip,
        urlParams: options.dryRun ? { dry_run: true } : {}
      } as any)
    ) as Promise<ResultOf<"academics", "importRoster">>,
  /** A school's academic sessions (school years, terms…) from roster imports, by start date (issue 16). */
  listSessions: (schoolId: string) => call((r) => r.academics.listSessions(withId(schoolId))),
  /**
   * Imports an iCalendar timetable into a school's courses (LOCATION → classroom code by
   * default). Options (issue 16, docs/timetables.md "Import"): `mapping` (the mapping
   * file's object or JSON text), `skipInvalid` (default true: unreadable events are skipped
   * and listed in `skipped`; false refuses the file, 422), `createMissing` (create
   * classrooms and groups by code), `timezone`, `dryRun`.
   * @example `await signet.academics.importTimetable(schoolId, ics, { createMissing: true })`
   */
  importTimetable: (
    schoolId: string,
    ics: string,
    options: {
      readonly dryRun?: boolean
      readonly timezone?: string
      readonly mapping?: object | string
      readonly skipInvalid?: boolean
      readonly createMissing?: boolean
    } = {}
  ) =>
    call((r) =>
      r.academics.importTimetable({
        ...withId(schoolId),
        payload: ics,
        urlParams: {
          ...(options.dryRun !== undefined ? { dry_run: options.dryRun } : {}),
          ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
          ...(options.mapping !== undefined
            ? { mapping: typeof options.mapping === "string" ? options.mapping : JSON.stringify(options.mapping) }
            : {}),
          ...(options.skipInvalid !== undefined ? { skip_invalid: options.skipInvalid } : {}),
          ...(options.createMissing !== undefined ? { create_missing: options.createMissing } : {})
        }
      } as any)
    ) as Promise<Exclude<ResultOf<"academics", "importTimetable">, ReadonlyArray<unknown>>>
})

/**
 * `client.attendance`: Signatures, rolls, QR codes, excuses and reports.
 * Made from the client's {@link Session}.
 */
export const attendanceApi = ({ call, callWith, path, withId }: Session) => ({
  /**
   * `CreateSignatureAttempt`: a refusal resolves with `status: "REFUSED"` and a `reason_code`.
   * @example `await signet.attendance.sign({ course_id, method: "QR", qr_code: "12345678" })`
   */
  sign: (input: PlainOf<"attendance", "createSignatureAttempt">) =>
    callWith("attendance", "createSignatureAttempt", input, (r, payload) =>
      r.attendance.createSignatureAttempt({ path, payload })
    ),
  /** A course's roll. */
  roll: (courseId: string) => call((r) => r.attendance.getRoll(withId(courseId))),
  /** The teacher's roll call. */
  markRoll: (courseId: string, marks: PayloadOf<"attendance", "markRoll">["marks"]) =>
    call((r) => r.attendance.markRoll({ ...withId(courseId), payload: { marks } })),
  /** The course's current QR code and image (teachers' screens). */
  qrCode: (courseId: string) => call((r) => r.attendance.getQrCode(withId(courseId))),
  /** Report of a school, group or course over a date range. */
  report: (params: ParamsOf<"attendance", "report">) => call((r) => r.attendance.report({ path, urlParams: params })),
  /** The same report as CSV text. */
  reportCsv: (params: ParamsOf<"attendance", "reportCsv">) =>
    call((r) => r.attendance.reportCsv({ path, urlParams: params })),
  submitExcuse: (input: PlainOf<"attendance", "submitExcuse">) =>
    callWith("attendance", "submitExcuse", input, (r, payload) => r.attendance.submitExcuse({ path, payload })),
  decideExcuse: (excuseId: string, decision: PlainOf<"attendance", "decideExcuse">) =>
    callWith("attendance", "decideExcuse", decision, (r, payload) =>
      r.attendance.decideExcuse({ ...withId(excuseId), payload })
    ),
  /** Closes ended courses now (unmarked students become ABSENT). */
  close: () => call((r) => r.attendance.closeExpiredCourses({ path }))
})

/**
 * `client.beacons`: Classroom beacons (registry side).
 * Made from the client's {@link Session}.
 */
export const beaconsApi = ({ call, callWith, path, withId }: Session) => ({
  /** A one-time enrolment code for `signet-beacon enroll`. */
  createEnrolmentCode: (input: PlainOf<"beacons", "createEnrolmentCode">) =>
    callWith("beacons", "createEnrolmentCode", input, (r, payload) => r.beacons.createEnrolmentCode({ path, payload })),
  list: (params: ParamsOf<"beacons", "listBeacons"> = {}) =>
    call((r) => r.beacons.listBeacons({ path, urlParams: params })),
  revoke: (id: string) => call((r) => r.beacons.revokeBeacon(withId(id))),
  /** A student's presence token for one of their registered devices. */
  presenceToken: (deviceIdentifier: string) =>
    call((r) => r.beacons.presenceToken({ path, payload: { device_identifier: deviceIdentifier } }))
})
