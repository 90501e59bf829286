/**
 * The attendance facade in process (issues 14 and 15): permissions in the
 * types and checked by `policyUse`, the caller's user type and school from
 * `CurrentActor`, the close command at the server's clock, and the bounds on
 * student QR attempts and on stored refusals.
 */
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Access,
  type Actor,
  Attendance,
  AttendanceAdmin,
  Audit,
  CourseId,
  CreateTenant,
  CreateUser,
  CurrentActor,
  type CurrentTenant,
  Identity,
  policyUse,
  SchoolId,
  Tenancy
} from "@signet/core"
import { tenantTx } from "@signet/core/kernel/Database"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { asTenant, testActor, testCore } from "./support.js"

const at = (iso: string) => TestClock.setTime(Date.parse(iso))
/** Academics fixtures with their ids branded as attendance takes them. */
const asCourse = <C extends { readonly id: string }>(c: C) => ({ ...c, id: CourseId.make(c.id) })
const asSchool = <C extends { readonly id: string }>(c: C) => ({ ...c, id: SchoolId.make(c.id) })
const user = (email: string, user_type: string) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: email, user_type }))
  )

/** A tenant with two schools, a course 08:00–09:00 in the first, its teacher and two enrolled students. */
const fixture = (slug: string) =>
  Effect.gen(function* () {
    const tenant = yield* Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))
    const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff)
    const f = yield* run(
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: "Lycée Hugo", code: "HUGO" })
        const other = yield* a.createSchool({ name: "Collège Zola", code: "ZOLA" })
        const group = yield* a.createGroup({ school_id: school.id, name: "2nde A", code: "2A" })
        const s1 = yield* user(`s1@${slug}.example.edu`, "student")
        const s2 = yield* user(`s2@${slug}.example.edu`, "student")
        const teacher = yield* user(`t@${slug}.example.edu`, "teacher")
        yield* a.setMembers(group.id, [s1.id, s2.id])
        const course = yield* a.createCourse({
          school_id: school.id,
          name: "Maths",
          start_at: "2026-11-23T08:00:00Z",
          end_at: "2026-11-23T09:00:00Z",
          teacher_ids: [teacher.id],
          group_ids: [group.id]
        })
        return { school: asSchool(school), other: asSchool(other), s1, s2, teacher, course: asCourse(course) }
      })
    )
    /** Runs `eff` in the tenant as `actor`. */
    const as = <A, E, R>(actor: Actor, eff: Effect.Effect<A, E, R>) =>
      run(Effect.provideService(eff, CurrentActor, actor))
    /** A student's actor as the server builds it from a user token. */
    const student = (id: string, schoolId?: string): Actor => ({
      kind: "user",
      id,
      ip: "10.1.2.3",
      userType: "student",
      ...(schoolId ? { schoolId } : {})
    })
    /** The code on the teacher's screen now. */
    const code = run(Attendance.use((att) => att.currentQrCode(f.course.id))).pipe(
      Effect.map((q) => q.code),
      Effect.provide(testActor)
    )
    return { tenant, run, as, student, code, ...f }
  }).pipe(Effect.provide(testActor))

/**
 * A second course of the same group at the same time, taught by another
 * teacher, with an excuse (and a PNG attachment) of `s1` in each course.
 */
const twoTeachers = (f: Effect.Effect.Success<ReturnType<typeof fixture>>) =>
  Effect.gen(function* () {
    const { theirs, otherTeacher } = yield* f
      .run(
        Effect.gen(function* () {
          const a = yield* Academics
          const otherTeacher = yield* user(`o@${f.tenant.slug}.example.edu`, "teacher")
          const theirs = yield* a.createCourse({
            school_id: f.school.id,
            name: "History",
            start_at: "2026-11-23T08:00:00Z",
            end_at: "2026-11-23T09:00:00Z",
            teacher_ids: [otherTeacher.id],
            group_ids: f.course.group_ids
          })
          return { theirs: asCourse(theirs), otherTeacher }
        })
      )
      .pipe(Effect.provide(testActor))
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64")
    const excuse = (courseId: CourseId) =>
      f.as(
        f.student(f.s1.id),
        AttendanceAdmin.submitExcuse({
          course_id: courseId,
          reason: "illness",
          attachment: { filename: "n.png", content_type: "image/png", data_base64: png }
        })
      )
    const mineExcuse = yield* excuse(f.course.id)
    const theirExcuse = yield* excuse(theirs.id)
    const teacher: Actor = { kind: "user", id: f.teacher.id, userType: "teacher" }
    return { theirs, otherTeacher, mineExcuse, theirExcuse, teacher }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`AttendanceAdmin on ${dialect}`, (it) => {
    it.effect("issue 15: closeExpiredCourses closes at the server clock (TestClock), not a caller's time", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:30:00Z")
        const f = yield* fixture("adm-clock")
        const close = f.run(AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin")))
        expect((yield* close.pipe(Effect.provide(testActor))).closed_count).toBe(0)
        yield* at("2026-11-23T09:30:00Z")
        const closed = yield* close.pipe(Effect.provide(testActor))
        expect(closed).toMatchObject({ closed_count: 1, course_ids: [f.course.id], absences: 2 })
      })
    )

    it.effect("issue 15: closeExpiredCourses needs attendance:admin (a teacher is refused)", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T09:30:00Z")
        const f = yield* fixture("adm-perm")
        const teacher: Actor = { kind: "user", id: f.teacher.id, userType: "teacher" }
        const error = yield* f
          .as(teacher, AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin")))
          .pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "attendance:admin" })
        // The permission is in the type: its check discharges it, another permission's does not.
        const right = () =>
          AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin")) satisfies Effect.Effect<
            unknown,
            unknown,
            Attendance | Access | CurrentActor | CurrentTenant
          >
        const wrong = () =>
          // @ts-expect-error academics:write does not discharge AccessPolicy<"attendance:admin">
          AttendanceAdmin.closeExpiredCourses().pipe(policyUse("academics:write")) satisfies Effect.Effect<
            unknown,
            unknown,
            Attendance | Access | CurrentActor | CurrentTenant
          >
        expect([typeof right, typeof wrong]).toEqual(["function", "function"])
        const roll = yield* f.run(Attendance.use((a) => a.courseRoll(f.course.id))).pipe(Effect.provide(testActor))
        expect(roll.closed).toBe(false)
      })
    )

    it.effect("issue 14: a student's QR CreateSignatureAttempt takes the user type from the actor", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-type")
        const qr = yield* f.code
        const input = { method: "QR", course_id: f.course.id, qr_code: qr } as const
        // Without the token's user type, QR is refused: the facade has no other source for it.
        const { userType: _, ...untyped } = f.student(f.s2.id)
        const error = yield* f.as(untyped, AttendanceAdmin.createSignatureAttempt(input)).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "Forbidden" })
        const ok = yield* f.as(f.student(f.s1.id), AttendanceAdmin.createSignatureAttempt(input))
        expect(ok).toMatchObject({ status: "ACCEPTED", existing: false })
      })
    )

    it.effect("issue 14: a student's CreateSignatureAttempt takes the school from the actor", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-school")
        const qr = yield* f.code
        const input = { method: "QR", course_id: f.course.id, qr_code: qr } as const
        const elsewhere = yield* f.as(f.student(f.s1.id, f.other.id), AttendanceAdmin.createSignatureAttempt(input))
        expect(elsewhere).toMatchObject({ status: "REFUSED", reason_code: "COURSE_OTHER_SCHOOL" })
        const here = yield* f.as(f.student(f.s2.id, f.school.id), AttendanceAdmin.createSignatureAttempt(input))
        expect(here).toMatchObject({ status: "ACCEPTED" })
      })
    )

    it.effect("issue 15: QR attempts past the per-student limit (20 a minute) answer 429 RateLimited", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-guess")
        const guess = (n: number) =>
          f.as(
            f.student(f.s1.id),
            AttendanceAdmin.createSignatureAttempt({
              method: "QR",
              course_id: f.course.id,
              qr_code: String(n).padStart(8, "0")
            })
          )
        for (let n = 0; n < 20; n++) expect((yield* guess(n)).status).toBe("REFUSED")
        const error = yield* guess(20).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "RateLimited", limit: 20 })
        // Another student of the course is not limited by the first one's guesses.
        const other = yield* f.as(
          f.student(f.s2.id),
          AttendanceAdmin.createSignatureAttempt({ method: "QR", course_id: f.course.id, qr_code: yield* f.code })
        )
        expect(other.status).toBe("ACCEPTED")
      })
    )

    it.effect("issue 15: refusals past 20 per student and course per hour are answered but not stored", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-store")
        const guess = (n: number) =>
          f.as(
            f.student(f.s1.id),
            AttendanceAdmin.createSignatureAttempt({
              method: "QR",
              course_id: f.course.id,
              qr_code: String(n).padStart(8, "0")
            })
          )
        for (let n = 0; n < 20; n++) expect((yield* guess(n)).refusal_id).not.toBeNull()
        yield* at("2026-11-23T08:06:01Z")
        const unstored = yield* guess(99)
        expect(unstored).toMatchObject({ status: "REFUSED", reason_code: "QR_CODE_INVALID", refusal_id: null })
        const page = yield* f
          .run(AttendanceAdmin.listCourseRefusals(f.course.id, { limit: 100 }).pipe(policyUse("attendance:read")))
          .pipe(Effect.provide(testActor))
        expect(page.items.length).toBe(20)
      })
    )

    it.effect("issue 15 §5: a PDF/HTML polyglot is refused (ValidationError) and nothing is stored", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T09:30:00Z")
        const f = yield* fixture("adm-polyglot")
        const polyglot = Buffer.from("%PDF-1.4\n<!-- --><html><script>alert(document.cookie)</script></html>\n%%EOF")
        const error = yield* f
          .as(
            f.student(f.s1.id),
            AttendanceAdmin.submitExcuse({
              course_id: f.course.id,
              reason: "illness",
              attachment: {
                filename: "note.pdf",
                content_type: "application/pdf",
                data_base64: polyglot.toString("base64")
              }
            })
          )
          .pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "ValidationError" })
        const stored = yield* f.run(AttendanceAdmin.listExcuses({})).pipe(Effect.provide(testActor))
        expect(stored.items).toEqual([])
      })
    )

    it.effect("issue 15 §5: a PDF with a /JavaScript action is refused", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T09:30:00Z")
        const f = yield* fixture("adm-pdfjs")
        const pdf = Buffer.from("%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF")
        const error = yield* f
          .as(
            f.student(f.s1.id),
            AttendanceAdmin.submitExcuse({
              course_id: f.course.id,
              reason: "illness",
              attachment: { filename: "a.pdf", content_type: "application/pdf", data_base64: pdf.toString("base64") }
            })
          )
          .pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "ValidationError" })
      })
    )

    it.effect("issue 15 §5: hostile file names are stored sanitized (base name, no controls, quotes, CR/LF)", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T09:30:00Z")
        const f = yield* fixture("adm-filename")
        const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64")
        const submit = (studentId: string, filename: string) =>
          f.as(
            f.student(studentId),
            AttendanceAdmin.submitExcuse({
              course_id: f.course.id,
              reason: "illness",
              attachment: { filename, content_type: "image/png", data_base64: png }
            })
          )
        const hostile = yield* submit(f.s1.id, '..\\..\\etc/x\r\nSet-Cookie: a="b"\u0000\u202egnp.exe')
        expect(hostile.attachment?.filename).toBe("xSet-Cookie a=bgnp.exe.png")
        const empty = yield* submit(f.s2.id, "../..")
        expect(empty.attachment?.filename).toBe("attachment.png")
        const file = yield* f.as(f.student(f.s1.id), AttendanceAdmin.getExcuseAttachment(hostile.id))
        expect(file).toMatchObject({ filename: "xSet-Cookie a=bgnp.exe.png", content_type: "image/png" })
        expect(Buffer.from(file.bytes).toString("base64")).toBe(png)
      })
    )

    it.effect(
      "issue 15 §4: a teacher reads the roll, signatures and refusals of their own course only (others 404)",
      () =>
        Effect.gen(function* () {
          yield* at("2026-11-23T08:05:00Z")
          const f = yield* fixture("adm-narrow-roll")
          const t = yield* twoTeachers(f)
          const read = <A, E, R>(eff: Effect.Effect<A, E, R>) => f.as(t.teacher, eff)
          expect((yield* read(AttendanceAdmin.getRoll(f.course.id).pipe(policyUse("attendance:read")))).course_id).toBe(
            f.course.id
          )
          const others: ReadonlyArray<
            Effect.Effect<unknown, unknown, Attendance | Access | CurrentActor | CurrentTenant>
          > = [
            AttendanceAdmin.getRoll(t.theirs.id).pipe(policyUse("attendance:read")),
            AttendanceAdmin.getRollCsv(t.theirs.id).pipe(policyUse("attendance:read")),
            AttendanceAdmin.listCourseSignatures(t.theirs.id).pipe(policyUse("attendance:read")),
            AttendanceAdmin.listCourseRefusals(t.theirs.id).pipe(policyUse("attendance:read"))
          ]
          for (const other of others)
            expect(yield* read(other).pipe(Effect.flip)).toMatchObject({
              _tag: "AttendanceNotFound",
              resource: "course"
            })
          // A signature in the other teacher's course: 404 for this teacher, visible to its own.
          const signed = yield* f.as(
            { kind: "user", id: t.otherTeacher.id, userType: "teacher" },
            AttendanceAdmin.markRoll(t.theirs.id, { marks: [{ student_id: f.s2.id, result: "PRESENT" }] })
          )
          expect(signed.marked).toBe(1)
          const sigs = yield* f.as(
            { kind: "user", id: t.otherTeacher.id, userType: "teacher" },
            AttendanceAdmin.listCourseSignatures(t.theirs.id).pipe(policyUse("attendance:read"))
          )
          expect(
            yield* read(AttendanceAdmin.getSignature(sigs[0]!.id).pipe(policyUse("attendance:read"))).pipe(Effect.flip)
          ).toMatchObject({ _tag: "AttendanceNotFound", resource: "signature" })
        })
    )

    it.effect("issue 15 §4: a teacher sees excuses and attachments of their own courses only (others 404)", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-narrow-excuse")
        const t = yield* twoTeachers(f)
        const read = <A, E, R>(eff: Effect.Effect<A, E, R>) => f.as(t.teacher, eff)
        const listed = yield* read(AttendanceAdmin.listExcuses({}))
        expect(listed.items.map((e) => e.id)).toEqual([t.mineExcuse.id])
        expect((yield* read(AttendanceAdmin.listExcuses({ course_id: t.theirs.id }))).items).toEqual([])
        expect((yield* read(AttendanceAdmin.getExcuseAttachment(t.mineExcuse.id))).content_type).toBe("image/png")
        const others: ReadonlyArray<Effect.Effect<unknown, unknown, Attendance | CurrentActor | CurrentTenant>> = [
          AttendanceAdmin.getExcuse(t.theirExcuse.id),
          AttendanceAdmin.getExcuseAttachment(t.theirExcuse.id),
          AttendanceAdmin.decideExcuse(t.theirExcuse.id, { decision: "approve" })
        ]
        for (const other of others)
          expect(yield* read(other).pipe(Effect.flip)).toMatchObject({ _tag: "AttendanceNotFound", resource: "excuse" })
      })
    )

    it.effect("issue 15 §4: a teacher's reports and histories count only their courses; another's course is 404", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-narrow-report")
        const t = yield* twoTeachers(f)
        const read = <A, E, R>(eff: Effect.Effect<A, E, R>) => f.as(t.teacher, eff)
        const school = yield* read(
          AttendanceAdmin.report({ scope: "school", id: f.school.id }).pipe(policyUse("attendance:read"))
        )
        expect(school.courses).toBe(1)
        const group = yield* read(
          AttendanceAdmin.report({ scope: "group", id: f.course.group_ids[0]! }).pipe(policyUse("attendance:read"))
        )
        expect(group.courses).toBe(1)
        expect(
          yield* read(
            AttendanceAdmin.report({ scope: "course", id: t.theirs.id }).pipe(policyUse("attendance:read"))
          ).pipe(Effect.flip)
        ).toMatchObject({ _tag: "AttendanceNotFound", resource: "course" })
        yield* read(AttendanceAdmin.markRoll(f.course.id, { marks: [{ student_id: f.s1.id, result: "PRESENT" }] }))
        yield* f.as(
          { kind: "user", id: t.otherTeacher.id, userType: "teacher" },
          AttendanceAdmin.markRoll(t.theirs.id, { marks: [{ student_id: f.s1.id, result: "ABSENT" }] })
        )
        const history = yield* read(AttendanceAdmin.studentHistory(f.s1.id))
        expect(history.entries.map((e) => e.course_id)).toEqual([f.course.id])
      })
    )

    it.effect("issue 15 §4: a teacher who holds attendance:admin keeps the whole tenant", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-narrow-admin")
        const t = yield* twoTeachers(f)
        yield* f
          .run(
            Access.use((a) => a.setUserOverride(f.teacher.id, "attendance:admin", "allow")).pipe(
              policyUse("roles:write")
            )
          )
          .pipe(Effect.provide(testActor))
        const read = <A, E, R>(eff: Effect.Effect<A, E, R>) => f.as(t.teacher, eff)
        expect((yield* read(AttendanceAdmin.getRoll(t.theirs.id).pipe(policyUse("attendance:read")))).course_id).toBe(
          t.theirs.id
        )
        expect((yield* read(AttendanceAdmin.getExcuse(t.theirExcuse.id))).id).toBe(t.theirExcuse.id)
        expect((yield* read(AttendanceAdmin.listExcuses({}))).items).toHaveLength(2)
        const school = yield* read(
          AttendanceAdmin.report({ scope: "school", id: f.school.id }).pipe(policyUse("attendance:read"))
        )
        expect(school.courses).toBe(2)
      })
    )

    it.effect(
      "issue 15 §6: a student's history and the school and group reports count the same courses (one unmarked)",
      () =>
        Effect.gen(function* () {
          yield* at("2026-11-23T08:05:00Z")
          const f = yield* fixture("adm-history")
          const groupId = f.course.group_ids[0]!
          // A second course of the group, later in the day: nobody is marked there.
          yield* f
            .run(
              Academics.use((a) =>
                a.createCourse({
                  school_id: f.school.id,
                  name: "Physics",
                  start_at: "2026-11-23T10:00:00Z",
                  end_at: "2026-11-23T11:00:00Z",
                  group_ids: [groupId]
                })
              )
            )
            .pipe(Effect.provide(testActor))
          const admin = <A, E, R>(eff: Effect.Effect<A, E, R>) => f.run(eff).pipe(Effect.provide(testActor))
          yield* admin(AttendanceAdmin.markRoll(f.course.id, { marks: [{ student_id: f.s1.id, result: "PRESENT" }] }))
          const history = yield* admin(AttendanceAdmin.studentHistory(f.s1.id))
          expect(history.totals).toMatchObject({ courses: 2, present: 1, unmarked: 1 })
          expect(history.entries.map((e) => e.result)).toEqual(["PRESENT", null])
          for (const scope of [
            { scope: "school", id: f.school.id },
            { scope: "group", id: groupId }
          ] as const) {
            const report = yield* admin(AttendanceAdmin.report(scope).pipe(policyUse("attendance:read")))
            const line = report.lines.find((l) => l.student_id === f.s1.id)
            expect(line?.totals).toEqual(history.totals)
          }
        })
    )

    it.effect("issue 15 §6: a roll call's note is kept in its audit row", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T08:05:00Z")
        const f = yield* fixture("adm-note")
        const teacher: Actor = { kind: "user", id: f.teacher.id, userType: "teacher" }
        yield* f.as(
          teacher,
          AttendanceAdmin.markRoll(f.course.id, {
            marks: [{ student_id: f.s1.id, result: "EXCUSED" }],
            note: "doctor's note seen"
          })
        )
        const page = yield* f.run(tenantTx(Audit.use((a) => a.list({ limit: 1 })))).pipe(Effect.provide(testActor))
        expect(page.items[0]).toMatchObject({
          action: "attendance.roll.marked",
          after: { marks: [{ student_id: f.s1.id, result: "EXCUSED" }], note: "doctor's note seen" }
        })
      })
    )
  })
}
