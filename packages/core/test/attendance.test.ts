import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Attendance,
  type AttendancePrincipal,
  ClassroomId,
  CourseId,
  type CreateSignatureAttempt,
  CreateTenant,
  CreateUser,
  CurrentActor,
  Identity,
  Leases,
  qrCodeFor,
  reportCsv,
  SchoolId,
  Tenancy,
  type UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Schema, TestClock } from "effect"
import { asTenant, auditCount, testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )
const user = (email: string, user_type: string, extra: Record<string, unknown> = {}) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: email, user_type, ...extra }))
  )
const at = (iso: string) => TestClock.setTime(Date.parse(iso))
/** Academics fixtures with their ids branded as attendance takes them. */
const asCourse = <C extends { readonly id: string }>(c: C) => ({ ...c, id: CourseId.make(c.id) })
const asSchool = <C extends { readonly id: string }>(c: C) => ({ ...c, id: SchoolId.make(c.id) })
const asRoom = <C extends { readonly id: string }>(c: C) => ({ ...c, id: ClassroomId.make(c.id) })
/** Runs `eff` as a user (RBAC from their default role), from an IP. */
const asUser = <A, E, R>(id: string, eff: Effect.Effect<A, E, R>, ip = "10.1.2.3") =>
  Effect.provideService(eff, CurrentActor, { kind: "user", id, ip })
const student: AttendancePrincipal = { userType: "student", schoolId: null }
const teacherP: AttendancePrincipal = { userType: "teacher", schoolId: null }
const countRows = (table: string, where = "1 = 1") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql.unsafe<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`), (r) => Number(r[0]!.n))
  ).pipe(Effect.orDie)

/**
 * The tenant, school, groups, students, teachers and two courses (08:00–09:00
 * on 2026-11-23; Maths with a teacher, a classroom and a 10-minute closing
 * delay; Physics without a teacher) every CreateSignatureAttempt case starts
 * from, at 07:00 that morning, with the helpers the cases share.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    yield* at("2026-11-23T07:00:00Z")
    const tenant = yield* onboard(slug)
    const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
    const fixture = yield* run(
      Effect.gen(function* () {
        const a = yield* Academics
        // NFC is off by default (issue 15 §3): this school turns it on.
        const school = yield* a.createSchool({ name: "Lycée Hugo", code: "HUGO", preferences: { enable_nfc: true } })
        const school2 = yield* a.createSchool({ name: "Collège Zola", code: "ZOLA" })
        const room = yield* a.createClassroom({ school_id: school.id, name: "Salle 101", code: "101" })
        const group = yield* a.createGroup({ school_id: school.id, name: "2nde A", code: "2A" })
        const others = yield* a.createGroup({ school_id: school.id, name: "2nde B", code: "2B" })
        const students = yield* Effect.all(
          [1, 2, 3, 4, 5, 6].map((n) => user(`s${n}@${slug}.example.edu`, "student", { devices: [`phone-${n}`] }))
        )
        const outsider = yield* user(`out@${slug}.example.edu`, "student")
        const teacher = yield* user(`t1@${slug}.example.edu`, "teacher")
        const stranger = yield* user(`t2@${slug}.example.edu`, "teacher")
        yield* a.setMembers(
          group.id,
          students.map((s) => s.id)
        )
        yield* a.setMembers(others.id, [outsider.id])
        const course = yield* a.createCourse({
          school_id: school.id,
          name: "Maths",
          start_at: "2026-11-23T08:00:00Z",
          end_at: "2026-11-23T09:00:00Z",
          signature_closing_delay_minutes: 10,
          teacher_ids: [teacher.id],
          classroom_ids: [room.id],
          group_ids: [group.id]
        })
        const course2 = yield* a.createCourse({
          school_id: school.id,
          name: "Physics",
          start_at: "2026-11-23T08:00:00Z",
          end_at: "2026-11-23T09:00:00Z",
          group_ids: [group.id]
        })
        return {
          school: asSchool(school),
          school2: asSchool(school2),
          room: asRoom(room),
          group,
          students,
          outsider,
          teacher,
          stranger,
          course: asCourse(course),
          course2: asCourse(course2)
        }
      })
    )
    const { course } = fixture
    const [s1, s2, s3, s4, s5, s6] = fixture.students as [any, any, any, any, any, any]
    const sign = (
      who: string,
      input: Omit<CreateSignatureAttempt, "method"> & { method?: CreateSignatureAttempt["method"] },
      principal: AttendancePrincipal = student,
      ip?: string
    ) =>
      run(
        asUser(
          who,
          Attendance.use((att) =>
            att.createSignatureAttempt({ method: "QR", course_id: course.id, ...input }, principal)
          ),
          ip
        )
      )
    /** The code on the teacher's screen at `atIso` (the current test time). */
    const code = (courseId: CourseId, atIso: string) =>
      run(
        Effect.gen(function* () {
          const qr = yield* Attendance.use((att) => att.currentQrCode(courseId))
          expect(qr.code).toMatch(/^\d{8}$/)
          expect(qr.svg).toContain("<svg")
          expect(DateTime.toEpochMillis(qr.expires_at)).toBeGreaterThan(Date.parse(atIso))
          return qr.code
        })
      )
    /** Rows of `table` in this tenant (outbox rows carry the tenant too). */
    const count = (table: string, where = "1 = 1") =>
      asTenant(tenant, countRows(table, `tenant_id = '${tenant.id}' AND ${where}`))
    /** Runs `f` on the Attendance service as user `id`. */
    const as = <A, E>(id: string, f: (att: Attendance) => Effect.Effect<A, E, any>) =>
      run(asUser(id, Attendance.use(f) as Effect.Effect<A, E, never>))
    /** The ended courses closed at 10:00 (unmarked students become ABSENT). */
    const closeAtTen = Effect.zipRight(
      at("2026-11-23T10:00:00Z"),
      run(Attendance.use((att) => att.closeExpiredCourses("2026-11-23T10:00:00Z")))
    )
    /** Signs `who` into Maths by QR at 08:05 (ACCEPTED). */
    const signOnTime = (who: string) =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        return yield* sign(who, { qr_code: yield* code(course.id, "2026-11-23T08:05:00Z") })
      })
    return { tenant, run, ...fixture, s1, s2, s3, s4, s5, s6, sign, code, count, as, closeAtTen, signOnTime }
  })

const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").toString("base64")

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Attendance on ${dialect}`, (it) => {
    it.effect("a signature before the course starts is refused COURSE_NOT_STARTED; only the refusal is written", () =>
      Effect.gen(function* () {
        const { count, s1, sign } = yield* setup("att-early")
        const early = yield* sign(s1.id, { qr_code: "00000000" })
        expect(early).toMatchObject({ status: "REFUSED", reason_code: "COURSE_NOT_STARTED", signature_id: null })
        expect(yield* count("signatures")).toBe(0)
        expect(yield* count("roll_results")).toBe(0)
        expect(yield* count("signature_refusals")).toBe(1)
      })
    )

    it.effect("a QR code on time is ACCEPTED once: signing again answers the same signature", () =>
      Effect.gen(function* () {
        const { code, count, course, s1, sign } = yield* setup("att-ontime")
        yield* at("2026-11-23T08:05:00Z")
        const c1 = yield* code(course.id, "2026-11-23T08:05:00Z")
        const ok = yield* sign(s1.id, { qr_code: c1 })
        expect(ok).toMatchObject({ status: "ACCEPTED", existing: false, reason_code: null })
        const again = yield* sign(s1.id, { qr_code: c1 })
        expect(again).toMatchObject({ signature_id: ok.signature_id, existing: true })
        expect(yield* count("signatures")).toBe(1)
        expect(yield* count("outbox", "type = 'signet.attendance.signature.created'")).toBe(1)
      })
    )

    it.effect("a student's signature marks their roll with it: PRESENT on time, LATE after the delay, once", () =>
      Effect.gen(function* () {
        const { code, count, course, s1, s3, sign } = yield* setup("att-sign-roll")
        yield* at("2026-11-23T08:05:00Z")
        const c1 = yield* code(course.id, "2026-11-23T08:05:00Z")
        const ok = yield* sign(s1.id, { qr_code: c1 })
        yield* sign(s1.id, { qr_code: c1 })
        yield* at("2026-11-23T08:20:00Z")
        const late = yield* sign(s3.id, { qr_code: yield* code(course.id, "2026-11-23T08:20:00Z") })
        const rolls = (s: string) =>
          `course_id = '${course.id}' AND student_id = '${s}' AND marked_by = '${s}' AND signature_id = '`
        expect(yield* count("roll_results")).toBe(2)
        expect(yield* count("roll_results", `${rolls(s1.id)}${ok.signature_id}' AND result = 'PRESENT'`)).toBe(1)
        expect(yield* count("roll_results", `${rolls(s3.id)}${late.signature_id}' AND result = 'LATE'`)).toBe(1)
      })
    )

    it.effect("concurrent attempts of one student write one signature", () =>
      Effect.gen(function* () {
        const { code, count, course, s6, sign } = yield* setup("att-burst")
        yield* at("2026-11-23T08:05:00Z")
        const c1 = yield* code(course.id, "2026-11-23T08:05:00Z")
        const burst = yield* Effect.all(
          Array.from({ length: 5 }, () => sign(s6.id, { qr_code: c1 })),
          { concurrency: "unbounded" }
        )
        expect(new Set(burst.map((r) => r.signature_id)).size).toBe(1)
        expect(yield* count("signatures", `signer_id = '${s6.id}'`)).toBe(1)
      })
    )

    it.effect("another course's code and a wrong code are QR_CODE_INVALID; a stale one QR_CODE_EXPIRED", () =>
      Effect.gen(function* () {
        const { code, course, course2, s2, sign } = yield* setup("att-qr")
        yield* at("2026-11-23T08:05:00Z")
        const c1 = yield* code(course.id, "2026-11-23T08:05:00Z")
        const other = yield* code(course2.id, "2026-11-23T08:05:00Z")
        if (other !== c1)
          expect(yield* sign(s2.id, { qr_code: other })).toMatchObject({ reason_code: "QR_CODE_INVALID" })
        const wrong = c1 === "12345678" ? "87654321" : "12345678"
        expect(yield* sign(s2.id, { qr_code: wrong })).toMatchObject({ reason_code: "QR_CODE_INVALID" })
        yield* at("2026-11-23T08:06:00Z") // 4 steps of 15 s later: c1 is stale
        expect(yield* sign(s2.id, { qr_code: c1 })).toMatchObject({ reason_code: "QR_CODE_EXPIRED" })
        yield* at("2026-11-23T08:05:14Z")
        expect(yield* sign(s2.id, { qr_code: c1 })).toMatchObject({ status: "ACCEPTED" })
      })
    )

    it.effect("after the closing delay a signature is LATE; under the 'refuse' policy it is SIGNING_CLOSED", () =>
      Effect.gen(function* () {
        const { code, count, course, run, s3, s4, school, sign } = yield* setup("att-late")
        yield* at("2026-11-23T08:20:00Z")
        const late = yield* sign(s3.id, { qr_code: yield* code(course.id, "2026-11-23T08:20:00Z") })
        expect(late).toMatchObject({ status: "LATE", reason_code: "AFTER_CLOSING_DELAY" })
        expect(late.message).toContain("20 min")
        yield* run(Attendance.use((att) => att.updatePolicy(school.id, { late_policy: "refuse" })))
        const before = yield* count("signatures")
        expect(yield* sign(s4.id, { qr_code: yield* code(course.id, "2026-11-23T08:20:00Z") })).toMatchObject({
          status: "REFUSED",
          reason_code: "SIGNING_CLOSED"
        })
        expect(yield* count("signatures")).toBe(before)
      })
    )

    it.effect(
      "a student outside the course's groups is NOT_ENROLLED; a token of another school COURSE_OTHER_SCHOOL",
      () =>
        Effect.gen(function* () {
          const { code, course, outsider, s4, school2, sign } = yield* setup("att-member")
          yield* at("2026-11-23T08:05:00Z")
          const c = yield* code(course.id, "2026-11-23T08:05:00Z")
          expect(yield* sign(outsider.id, { qr_code: c })).toMatchObject({ reason_code: "NOT_ENROLLED" })
          expect(yield* sign(s4.id, { qr_code: c }, { userType: "student", schoolId: school2.id })).toMatchObject({
            reason_code: "COURSE_OTHER_SCHOOL"
          })
        })
    )

    it.effect("a school's IP allow-list refuses other addresses; a malformed range is a ValidationError", () =>
      Effect.gen(function* () {
        const { code, course, run, s4, school, sign } = yield* setup("att-ip")
        yield* at("2026-11-23T08:05:00Z")
        const c = yield* code(course.id, "2026-11-23T08:05:00Z")
        yield* run(Attendance.use((att) => att.updatePolicy(school.id, { ip_allowlist: ["192.168.0.0/16"] })))
        expect(yield* sign(s4.id, { qr_code: c }, student, "10.9.9.9")).toMatchObject({ reason_code: "IP_NOT_ALLOWED" })
        expect(yield* sign(s4.id, { qr_code: c }, student, "192.168.3.4")).toMatchObject({ status: "ACCEPTED" })
        expect(
          yield* Effect.flip(
            run(Attendance.use((att) => att.updatePolicy(school.id, { ip_allowlist: ["10.0.0.0/99"] })))
          )
        ).toMatchObject({ _tag: "ValidationError" })
      })
    )

    it.effect("NFC signs with the student's own registered device only", () =>
      Effect.gen(function* () {
        const { s5, sign } = yield* setup("att-nfc")
        yield* at("2026-11-23T08:05:00Z")
        expect(yield* sign(s5.id, { method: "NFC", device_identifier: "phone-1" })).toMatchObject({
          reason_code: "DEVICE_NOT_REGISTERED"
        })
        expect(yield* sign(s5.id, { method: "NFC", device_identifier: "phone-5" })).toMatchObject({
          status: "ACCEPTED"
        })
      })
    )

    it.effect(
      "signing for another student, ADMIN by a student, QR by a teacher or QR without a code write nothing",
      () =>
        Effect.gen(function* () {
          const { code, count, course, s2, s3, sign, teacher } = yield* setup("att-methods")
          yield* at("2026-11-23T08:05:00Z")
          const c = yield* code(course.id, "2026-11-23T08:05:00Z")
          expect(yield* Effect.flip(sign(s2.id, { student_id: s3.id, qr_code: c }))).toMatchObject({
            _tag: "Forbidden"
          })
          expect(yield* Effect.flip(sign(s2.id, { method: "ADMIN", student_id: s3.id, reason: "x" }))).toMatchObject({
            _tag: "Forbidden"
          })
          expect(yield* Effect.flip(sign(teacher.id, { qr_code: c }, teacherP))).toMatchObject({ _tag: "Forbidden" })
          expect(yield* Effect.flip(sign(s2.id, { qr_code: undefined }))).toMatchObject({ _tag: "ValidationError" })
          expect(yield* count("signature_refusals")).toBe(0)
          expect(yield* count("signatures")).toBe(0)
        })
    )

    it.effect("only a teacher assigned to the course signs it as teacher", () =>
      Effect.gen(function* () {
        const { run, sign, stranger, teacher } = yield* setup("att-teacher")
        yield* at("2026-11-23T08:05:00Z")
        expect(yield* sign(stranger.id, { method: "TEACHER" }, teacherP)).toMatchObject({
          reason_code: "TEACHER_NOT_ASSIGNED"
        })
        const tsig = yield* sign(teacher.id, { method: "TEACHER" }, teacherP)
        expect(tsig.status).toBe("ACCEPTED")
        expect((yield* run(Attendance.use((att) => att.getSignature(tsig.signature_id!)))).signer_kind).toBe("teacher")
      })
    )

    it.effect("with students_can_sign_before_teacher off, students wait for a teacher's signature", () =>
      Effect.gen(function* () {
        const { code, course2, run, s1, school, sign } = yield* setup("att-before-teacher")
        yield* run(
          Academics.use((a) => a.updateSchoolPreferences(school.id, { students_can_sign_before_teacher: false }))
        )
        yield* at("2026-11-23T08:05:00Z")
        expect(
          yield* sign(s1.id, { course_id: course2.id, qr_code: yield* code(course2.id, "2026-11-23T08:05:00Z") })
        ).toMatchObject({ reason_code: "TEACHER_NOT_SIGNED" })
      })
    )

    it.effect("a course of another tenant answers AttendanceNotFound", () =>
      Effect.gen(function* () {
        const { s1, sign } = yield* setup("att-foreign")
        const other = yield* onboard("att-foreign-other")
        const foreign = yield* asTenant(
          other,
          Effect.gen(function* () {
            const a = yield* Academics
            const sch = yield* a.createSchool({ name: "B" })
            return asCourse(
              yield* a.createCourse({
                school_id: sch.id,
                name: "B",
                start_at: "2026-11-23T08:00:00Z",
                end_at: "2026-11-23T09:00:00Z"
              })
            )
          })
        ).pipe(Effect.provide(testActor))
        yield* at("2026-11-23T08:05:00Z")
        expect(yield* Effect.flip(sign(s1.id, { course_id: foreign.id, qr_code: "12345678" }))).toMatchObject({
          _tag: "AttendanceNotFound",
          resource: "course"
        })
      })
    )

    it.effect("a signature's status is the teacher's to change; admin fields are administrators'", () =>
      Effect.gen(function* () {
        const { as, code, count, course, s3, sign, teacher } = yield* setup("att-patch")
        yield* at("2026-11-23T08:20:00Z")
        const late = yield* sign(s3.id, { qr_code: yield* code(course.id, "2026-11-23T08:20:00Z") })
        expect(
          yield* Effect.flip(as(s3.id, (att) => att.patchSignature(late.signature_id!, { status: "ACCEPTED" })))
        ).toMatchObject({ _tag: "Forbidden" })
        expect(
          yield* Effect.flip(as(teacher.id, (att) => att.patchSignature(late.signature_id!, { admin_reason: "x" })))
        ).toMatchObject({ _tag: "Forbidden" })
        const patched = yield* as(teacher.id, (att) => att.patchSignature(late.signature_id!, { status: "ACCEPTED" }))
        expect(patched).toMatchObject({ status: "ACCEPTED", previous_status: "LATE", changed_by: teacher.id })
        expect(yield* count("outbox", "type = 'signet.attendance.signature.updated'")).toBe(1)
      })
    )

    it.effect("an administrator's override needs a reason and keeps it", () =>
      Effect.gen(function* () {
        const { course, run, s4 } = yield* setup("att-override")
        yield* at("2026-11-23T08:05:00Z")
        const admin = { userType: null, schoolId: null }
        expect(
          yield* Effect.flip(
            run(
              Attendance.use((att) =>
                att.createSignatureAttempt({ method: "ADMIN", course_id: course.id, student_id: s4.id }, admin)
              )
            )
          )
        ).toMatchObject({ _tag: "ValidationError" })
        const override = yield* run(
          Attendance.use((att) =>
            att.createSignatureAttempt(
              { method: "ADMIN", course_id: course.id, student_id: s4.id, status: "ACCEPTED", reason: "bus strike" },
              admin
            )
          )
        )
        expect(override.status).toBe("ACCEPTED")
        expect((yield* run(Attendance.use((att) => att.getSignature(override.signature_id!)))).admin_reason).toBe(
          "bus strike"
        )
      })
    )

    it.effect("roll call: the course's teacher marks its students; an outsider or another teacher is refused", () =>
      Effect.gen(function* () {
        const { as, course, outsider, s2, s5, stranger, teacher } = yield* setup("att-roll")
        yield* at("2026-11-23T08:20:00Z")
        expect(
          yield* Effect.flip(
            as(teacher.id, (att) =>
              att.markRoll(course.id, { marks: [{ student_id: outsider.id, result: "PRESENT" }] })
            )
          )
        ).toMatchObject({ _tag: "ValidationError" })
        expect(
          yield* Effect.flip(
            as(stranger.id, (att) => att.markRoll(course.id, { marks: [{ student_id: s2.id, result: "ABSENT" }] }))
          )
        ).toMatchObject({ _tag: "Forbidden" })
        const marked = yield* as(teacher.id, (att) =>
          att.markRoll(course.id, {
            marks: [
              { student_id: s2.id, result: "ABSENT" },
              { student_id: s5.id, result: "PRESENT" }
            ]
          })
        )
        expect(marked).toMatchObject({ marked: 2, unchanged: 0 })
      })
    )

    it.effect("closing ended courses makes the unmarked ABSENT, and a later signature is COURSE_CLOSED", () =>
      Effect.gen(function* () {
        const { closeAtTen, count, course, course2, run, s1, sign, signOnTime, teacher } = yield* setup("att-closing")
        yield* signOnTime(s1.id)
        yield* sign(teacher.id, { method: "TEACHER" }, teacherP)
        const closed = yield* closeAtTen
        expect(closed.closed_count).toBe(2)
        expect(closed.absences).toBe(11) // 5 in Maths (s1 signed), 6 in Physics
        expect(yield* count("outbox", "type = 'signet.attendance.course.closed'")).toBe(2)
        expect(yield* sign(s1.id, { course_id: course2.id, qr_code: "12345678" })).toMatchObject({
          reason_code: "COURSE_CLOSED"
        })
        const roll = yield* run(Attendance.use((att) => att.courseRoll(course.id)))
        expect(roll.counts).toEqual({ PRESENT: 1, LATE: 0, ABSENT: 5, EXCUSED: 0, UNMARKED: 0 })
        expect(roll.teacher_signed).toBe(true)
      })
    )

    it.effect("an excuse: a non-PDF refused, a PDF kept, one per course, decided once by the teacher", () =>
      Effect.gen(function* () {
        const { as, closeAtTen, course, run, s2, tenant, teacher } = yield* setup("att-excuse")
        yield* closeAtTen
        const notPdf = { filename: "note.pdf", content_type: "application/pdf" as const, data_base64: "aGVsbG8=" }
        expect(
          yield* Effect.flip(
            as(s2.id, (att) => att.submitExcuse({ course_id: course.id, reason: "illness", attachment: notPdf }))
          )
        ).toMatchObject({ _tag: "ValidationError" })
        const auditBefore = yield* auditCount(tenant)
        const excuse = yield* as(s2.id, (att) =>
          att.submitExcuse({
            course_id: course.id,
            reason: "illness",
            note: "fever",
            attachment: { filename: "note.pdf", content_type: "application/pdf", data_base64: pdf }
          })
        )
        expect(excuse).toMatchObject({ status: "pending", student_id: s2.id })
        expect(excuse.attachment?.size).toBeGreaterThan(10)
        expect(
          yield* Effect.flip(as(s2.id, (att) => att.submitExcuse({ course_id: course.id, reason: "other" })))
        ).toMatchObject({ _tag: "Conflict" })
        expect(
          yield* Effect.flip(as(s2.id, (att) => att.decideExcuse(excuse.id, { decision: "approve" })))
        ).toMatchObject({ _tag: "Forbidden" })
        const approved = yield* as(teacher.id, (att) =>
          att.decideExcuse(excuse.id, { decision: "approve", comment: "ok" })
        )
        expect(approved).toMatchObject({ status: "approved", decided_by: teacher.id })
        expect(
          yield* Effect.flip(as(teacher.id, (att) => att.decideExcuse(excuse.id, { decision: "reject" })))
        ).toMatchObject({ _tag: "Conflict" })
        expect(yield* auditCount(tenant)).toBe(auditBefore + 2)
        const roll = yield* run(Attendance.use((att) => att.courseRoll(course.id)))
        expect(roll.counts).toMatchObject({ ABSENT: 5, EXCUSED: 1 })
      })
    )

    it.effect("an excuse's attachment is its student's to read; another student gets 404", () =>
      Effect.gen(function* () {
        const { as, closeAtTen, course, s2, s3 } = yield* setup("att-excuse-read")
        yield* closeAtTen
        const excuse = yield* as(s2.id, (att) =>
          att.submitExcuse({
            course_id: course.id,
            reason: "illness",
            attachment: { filename: "note.pdf", content_type: "application/pdf", data_base64: pdf }
          })
        )
        const attachment = yield* as(s2.id, (att) => att.excuseAttachment(excuse.id))
        expect(Buffer.from(attachment.bytes).toString("base64")).toBe(pdf)
        expect(yield* Effect.flip(as(s3.id, (att) => att.getExcuse(excuse.id)))).toMatchObject({
          _tag: "AttendanceNotFound"
        })
      })
    )

    it.effect("a student reads their own history only: one entry per course, with the rate", () =>
      Effect.gen(function* () {
        const { as, closeAtTen, s1, s3, signOnTime } = yield* setup("att-history")
        yield* signOnTime(s3.id)
        yield* closeAtTen
        const history = yield* as(s3.id, (att) => att.studentHistory(s3.id))
        expect(history.entries.map((e) => e.result)).toEqual(["PRESENT", "ABSENT"])
        // Each entry carries its course's end, so a client can tell a running course from one that is over.
        expect(history.entries.map((e) => DateTime.formatIso(e.end_at))).toEqual([
          "2026-11-23T09:00:00.000Z",
          "2026-11-23T09:00:00.000Z"
        ])
        expect(history.totals).toMatchObject({ present: 1, absent: 1, rate: 0.5 })
        expect(yield* Effect.flip(as(s3.id, (att) => att.studentHistory(s1.id)))).toMatchObject({ _tag: "Forbidden" })
      })
    )

    it.effect("a school report counts each student's courses for the range, as CSV too; an empty range has none", () =>
      Effect.gen(function* () {
        const { closeAtTen, run, s3, school, signOnTime } = yield* setup("att-report")
        yield* signOnTime(s3.id)
        yield* closeAtTen
        const report = yield* run(
          Attendance.use((att) =>
            att.report({ scope: "school", id: school.id, from: "2026-11-23T00:00:00Z", to: "2026-11-24T00:00:00Z" })
          )
        )
        expect(report.courses).toBe(2)
        expect(report.totals).toMatchObject({ courses: 12, present: 1, late: 0, absent: 11, excused: 0 })
        const csv = reportCsv(report).trim().split("\n")
        expect(csv[0]).toBe("student_id,email,name,courses,present,late,absent,excused,unmarked,rate")
        expect(csv).toHaveLength(7)
        const empty = yield* run(
          Attendance.use((att) =>
            att.report({ scope: "school", id: school.id, from: "2026-11-24T00:00:00Z", to: "2026-11-25T00:00:00Z" })
          )
        )
        expect(empty.courses).toBe(0)
      })
    )

    it.effect("beacon methods: course from the classroom, classroom check, method switches, idempotency key", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:03:00Z")
        const tenant = yield* onboard("att-beacon")
        const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
        const f = yield* run(
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "S" })
            const room = yield* a.createClassroom({ school_id: school.id, name: "R1", code: "R1" })
            const otherRoom = yield* a.createClassroom({ school_id: school.id, name: "R2", code: "R2" })
            const g = yield* a.createGroup({ school_id: school.id, name: "G" })
            const students = yield* Effect.all(
              [1, 2, 3, 4].map((n) => user(`b${n}@att.example.edu`, "student", { devices: [`tag-${n}`] }))
            )
            yield* a.setMembers(
              g.id,
              students.map((x) => x.id)
            )
            const course = yield* a.createCourse({
              school_id: school.id,
              name: "C",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z",
              classroom_ids: [room.id],
              group_ids: [g.id]
            })
            return {
              school: asSchool(school),
              room: asRoom(room),
              otherRoom: asRoom(otherRoom),
              students,
              course: asCourse(course)
            }
          })
        )
        const [b1, b2, b3, b4] = f.students as [any, any, any, any]
        // The beacon module submits as the system (Flow A); the beacon's classroom resolves the course.
        const beacon = (input: Partial<CreateSignatureAttempt>) =>
          run(
            Attendance.use((att) =>
              att.createSignatureAttempt(
                {
                  method: "BEACON",
                  beacon_proof: {
                    beacon_id: "bcn-1",
                    classroom_id: f.room.id,
                    proof_type: "signedTimestamp",
                    proof_time: "2026-11-23T08:03:00Z"
                  },
                  ...input
                } as CreateSignatureAttempt,
                { userType: null, schoolId: null }
              )
            )
          ).pipe(Effect.provideService(CurrentActor, { kind: "system", id: null }))
        const resolved = yield* beacon({ student_id: b1.id })
        expect(resolved).toMatchObject({ status: "ACCEPTED", course_id: f.course.id })
        expect((yield* run(Attendance.use((att) => att.getSignature(resolved.signature_id!)))).proof_ref).toBe(
          "beacon:bcn-1"
        )
        expect(
          yield* beacon({
            student_id: b2.id,
            course_id: f.course.id,
            beacon_proof: {
              beacon_id: "bcn-2",
              classroom_id: f.otherRoom.id,
              proof_type: "signedTimestamp",
              proof_time: "2026-11-23T08:03:00Z"
            }
          })
        ).toMatchObject({ status: "REFUSED", reason_code: "CLASSROOM_NOT_LINKED" })
        expect(
          yield* beacon({
            student_id: b2.id,
            beacon_proof: {
              beacon_id: "bcn-2",
              classroom_id: f.otherRoom.id,
              proof_type: "signedTimestamp",
              proof_time: "2026-11-23T08:03:00Z"
            }
          })
        ).toMatchObject({ status: "REFUSED", reason_code: "COURSE_NOT_FOUND" })
        // A student cannot submit beacon attempts; a malformed student id is a 400.
        expect(
          yield* Effect.flip(
            run(
              asUser(
                b2.id,
                Attendance.use((att) =>
                  att.createSignatureAttempt(
                    {
                      method: "BEACON",
                      student_id: b2.id,
                      beacon_proof: {
                        beacon_id: "x",
                        classroom_id: f.room.id,
                        proof_type: "t",
                        proof_time: "2026-11-23T08:03:00Z"
                      }
                    },
                    student
                  )
                )
              )
            )
          )
        ).toMatchObject({ _tag: "Forbidden" })
        // In-process callers bypass the schema: the service still checks the id itself.
        expect(yield* Effect.flip(beacon({ student_id: "not-a-uuid" as UserId }))).toMatchObject({
          _tag: "ValidationError"
        })

        // Method switches of the school.
        yield* run(
          Academics.use((a) => a.updateSchoolPreferences(f.school.id, { enable_flash: false, enable_nfc: false }))
        )
        expect(yield* beacon({ method: "FLASHLIGHT", student_id: b2.id })).toMatchObject({
          reason_code: "METHOD_DISABLED"
        })
        const nfc = (who: string, device: string, key?: string) =>
          run(
            asUser(
              who,
              Attendance.use((att) =>
                att.createSignatureAttempt(
                  {
                    method: "NFC",
                    course_id: f.course.id,
                    device_identifier: device,
                    ...(key ? { idempotency_key: key } : {})
                  },
                  student
                )
              )
            )
          )
        expect(yield* nfc(b3.id, "tag-3")).toMatchObject({ reason_code: "METHOD_DISABLED" })
        yield* run(Academics.use((a) => a.updateSchoolPreferences(f.school.id, { enable_nfc: true })))

        // Idempotency key: the same key answers the same signature; a retry after signing
        // (here with a device that would be refused) answers the existing signature too.
        const first = yield* nfc(b3.id, "tag-3", "k-1")
        expect(first).toMatchObject({ status: "ACCEPTED", existing: false })
        expect(yield* nfc(b3.id, "tag-3", "k-1")).toMatchObject({ signature_id: first.signature_id, existing: true })
        expect(yield* nfc(b3.id, "tag-9")).toMatchObject({ signature_id: first.signature_id, existing: true })
        // The same key for another student's attempt is a conflict, not their signature.
        expect(yield* Effect.flip(nfc(b4.id, "tag-4", "k-1"))).toMatchObject({
          _tag: "Conflict",
          field: "idempotency_key"
        })
      })
    )

    it.effect("QR codes follow the published HMAC construction (RFC 4226 truncation)", () =>
      Effect.sync(() => {
        const key = Buffer.alloc(32, 7)
        const a = qrCodeFor(key, "c1", 100)
        expect(a).toMatch(/^\d{8}$/)
        expect(qrCodeFor(key, "c1", 100)).toBe(a)
        expect(new Set([101, 102, 103, 104].map((s) => qrCodeFor(key, "c1", s))).size).toBeGreaterThan(1)
        expect(qrCodeFor(key, "c2", 100)).not.toBe(a)
      })
    )

    it.effect("the close job runs on one replica at a time (lease) and is idempotent", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T07:00:00Z")
        const tenant = yield* onboard("att-close")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "S" })
            const g = yield* a.createGroup({ school_id: school.id, name: "G" })
            const s = yield* user("c1@att.example.edu", "student")
            yield* a.setMembers(g.id, [s.id])
            yield* a.createCourse({
              school_id: school.id,
              name: "C",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z",
              group_ids: [g.id]
            })
          })
        ).pipe(Effect.provide(testActor))
        expect(yield* Leases.acquireLease("t.job", "A", 60_000)).toBe(true)
        expect(yield* Leases.acquireLease("t.job", "B", 60_000)).toBe(false)
        expect(yield* Leases.acquireLease("t.job", "A", 60_000)).toBe(true)
        yield* TestClock.adjust("61 seconds")
        expect(yield* Leases.acquireLease("t.job", "B", 60_000)).toBe(true)
        yield* Leases.releaseLease("t.job", "B")
        expect(yield* Leases.acquireLease("t.job", "A", 60_000)).toBe(true)

        yield* at("2026-11-23T09:30:00Z")
        expect(yield* Attendance.use((a) => a.closeAllTenants)).toBeGreaterThanOrEqual(1)
        expect(yield* Attendance.use((a) => a.closeAllTenants)).toBe(0)
        expect(
          yield* asTenant(tenant, countRows("roll_results", `tenant_id = '${tenant.id}' AND result = 'ABSENT'`))
        ).toBe(1)
      })
    )
  })
}
