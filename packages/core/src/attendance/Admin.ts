/**
 * The attendance facade: every operation the server exposes, with its
 * permission in its type, the caller's user type and school taken from the
 * verified actor (`CurrentActor`) rather than from an argument, and the
 * server's clock for the close command (issue 14 "core is the security
 * boundary"; issue 15 §3).
 *
 * | operation | permission in the type | rules the service applies itself |
 * |---|---|---|
 * | `createSignatureAttempt` | — | seed 004 signing rules (method, window, membership, school, network) |
 * | `patchSignature`, `markRoll`, `currentQrCode` | — | the course's teachers and `attendance:admin` holders |
 * | `submitExcuse`, `listExcuses`, `getExcuse`, `excuseAttachment`, `decideExcuse`, `studentHistory` | — | students for themselves, teachers and admins as the service decides |
 * | `getSignature`, `listSignatures`, `listRefusals`, `courseRoll(Csv)`, `report(Csv)`, `getPolicy` | `attendance:read` | |
 * | `closeExpiredCourses`, `updatePolicy` | `attendance:admin` | |
 *
 * @module
 */
import type {
  CreateSignatureAttempt,
  DecideExcuse,
  MarkRoll,
  PatchSignature,
  SubmitExcuse,
  UpdateAttendancePolicy
} from "@signet/contracts/attendance/Domain"
import { RateLimited } from "@signet/contracts/identity/Api"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Clock, Config, type Context, Effect, Option } from "effect"
import { policyRequire } from "../access/Policy.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { Attendance, type AttendancePrincipal, reportCsv, rollCsv } from "./Attendance.js"

type Svc = Context.Tag.Service<typeof Attendance>
const read = policyRequire("attendance", "read")
const admin = policyRequire("attendance", "admin")

/** The verified user type and school of the acting user (none for other actors). */
const principal: Effect.Effect<AttendancePrincipal, never, CurrentActor> = Effect.map(CurrentActor, (actor) => ({
  userType: actor.kind === "user" ? (actor.userType ?? null) : null,
  schoolId: actor.kind === "user" ? (actor.schoolId ?? null) : null
}))

/**
 * Signing limits (issue 15 §1 "QR guessing": 200 wrong codes in a row were
 * all answered, each writing a refusal row): a student's own attempts (QR,
 * NFC) count in a bucket per student and one per course, and past either
 * the attempt is refused with 429 before anything is decided or stored.
 * Rules: `SIGNET_RATE_SIGN_STUDENT` (default `20/60`: twenty attempts a minute
 * per student) and `SIGNET_RATE_SIGN_COURSE` (default `5000/60`: a lecture of
 * 800 students signing at once, several attempts each), each `count/seconds`
 * or `off`.
 * @errors RateLimited (429, with the seconds until the window resets)
 */
const signingLimits = (input: CreateSignatureAttempt) =>
  Effect.gen(function* () {
    const actor = yield* CurrentActor
    if (actor.kind !== "user" || !actor.id || (input.method !== "QR" && input.method !== "NFC")) return
    const tenant = yield* CurrentTenant
    const rules = yield* Effect.orDie(
      Config.all({
        student: Config.string("SIGNET_RATE_SIGN_STUDENT").pipe(Config.withDefault("20/60")),
        course: Config.string("SIGNET_RATE_SIGN_COURSE").pipe(Config.withDefault("5000/60"))
      })
    )
    const limiter = yield* RateLimiter
    for (const [bucket, text] of [
      [`sign:student:${tenant.id}:${actor.id}`, rules.student],
      [`sign:course:${tenant.id}:${input.course_id}`, rules.course]
    ] as const) {
      const rule = parseRule(text)
      if (Option.isNone(rule)) continue
      const decision = yield* limiter.hit(bucket, rule.value)
      if (!decision.allowed)
        return yield* new RateLimited({
          message: `too many signing attempts; retry in ${decision.resetSeconds} s`,
          retry_after_seconds: decision.resetSeconds,
          limit: decision.limit,
          remaining: decision.remaining
        })
    }
  })

/** Attendance operations; see the module comment for their permissions and rules. */
export const AttendanceAdmin = {
  /**
   * Seed 004 `CreateSignatureAttempt`: a refusal is an answer (`status: "REFUSED"`
   * with a `reason_code`), not a failure.
   * @errors AcademicsNotFound, ValidationError, Forbidden
   */
  createSignatureAttempt: (input: CreateSignatureAttempt) =>
    Effect.zipRight(
      signingLimits(input),
      Effect.flatMap(principal, (p) => Attendance.use((a) => a.createSignatureAttempt(input, p)))
    ),
  /** Seed 004 `PatchSignature` (the course's teachers, `attendance:admin`). */
  patchSignature: (id: string, patch: PatchSignature) => Attendance.use((a) => a.patchSignature(id, patch)),
  /** Seed 004 `MarkRoll`: the teacher's roll call. */
  markRoll: (courseId: string, input: MarkRoll) => Attendance.use((a) => a.markRoll(courseId, input)),
  /** The course's rotating QR code and its SVG (teachers' screens). */
  currentQrCode: (courseId: string) => Attendance.use((a) => a.currentQrCode(courseId)),
  /** Seed 004 `GetSignature`. */
  getSignature: (id: string) => read(Attendance.use((a) => a.getSignature(id))),
  listSignatures: (courseId: string) => read(Attendance.use((a) => a.listSignatures(courseId))),
  listRefusals: (courseId: string, params: Parameters<Svc["listRefusals"]>[1]) =>
    read(Attendance.use((a) => a.listRefusals(courseId, params))),
  /** Seed 004 `GetCourseRoll`. */
  courseRoll: (courseId: string) => read(Attendance.use((a) => a.courseRoll(courseId))),
  /** The roll as CSV text (cells that a spreadsheet would run as formulas are escaped). */
  courseRollCsv: (courseId: string) =>
    read(
      Effect.map(
        Attendance.use((a) => a.courseRoll(courseId)),
        rollCsv
      )
    ),
  /** Seed 004 `GetAttendanceReport`. */
  report: (params: Parameters<Svc["report"]>[0]) => read(Attendance.use((a) => a.report(params))),
  reportCsv: (params: Parameters<Svc["report"]>[0]) =>
    read(
      Effect.map(
        Attendance.use((a) => a.report(params)),
        reportCsv
      )
    ),
  getPolicy: (schoolId: string) => read(Attendance.use((a) => a.getPolicy(schoolId))),
  updatePolicy: (schoolId: string, patch: UpdateAttendancePolicy) =>
    admin(Attendance.use((a) => a.updatePolicy(schoolId, patch))),
  /**
   * Seed 004 `CloseExpiredCourses`, at the server's clock — never a caller's
   * `now` (a caller's date a month ahead would close a course before it
   * ran and mark its students ABSENT).
   */
  closeExpiredCourses: admin(
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Attendance.use((a) => a.closeExpiredCourses(new Date(now).toISOString()))
    )
  ),
  submitExcuse: (input: SubmitExcuse) => Attendance.use((a) => a.submitExcuse(input)),
  listExcuses: (params: Parameters<Svc["listExcuses"]>[0]) => Attendance.use((a) => a.listExcuses(params)),
  getExcuse: (id: string) => Attendance.use((a) => a.getExcuse(id)),
  excuseAttachment: (id: string) => Attendance.use((a) => a.excuseAttachment(id)),
  decideExcuse: (id: string, input: DecideExcuse) => Attendance.use((a) => a.decideExcuse(id, input)),
  /** Seed 004 `GetStudentHistory` (the student, or readers as the service decides). */
  studentHistory: (studentId: string, range: Parameters<Svc["studentHistory"]>[1]) =>
    Attendance.use((a) => a.studentHistory(studentId, range))
} as const
