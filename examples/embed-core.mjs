#!/usr/bin/env node
/**
 * Example (a): embed `@signet/core` in a plain Node program, on its own
 * SQLite file — no server. The domain services are Effect services; a
 * `ManagedRuntime` turns them into Promises for ordinary async code.
 *
 *   node examples/embed-core.mjs [path/to/file.db]
 *
 * Creates a tenant, a school, a class of three students and a course that is
 * running now, lets two students sign (one by QR, one marked by the teacher),
 * and prints the course's roll.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  Academics,
  Attendance,
  Core,
  CreateTenant,
  CreateUser,
  Crypto,
  CurrentActor,
  CurrentTenant,
  Identity,
  Tenancy
} from "@signet/core"
import { Effect, ManagedRuntime, Schema } from "effect"

const file = process.argv[2] ?? Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-embed-")), "school.db")
// Secrets at rest need a master key: SIGNET_MASTER_KEY, or (for this example) an ephemeral one.
const envelope = process.env.SIGNET_MASTER_KEY ? Crypto.EnvelopeLive : Crypto.EnvelopeEphemeral
const runtime = ManagedRuntime.make(Core.layer({ databaseUrl: `sqlite:${file}`, envelope }))
const system = { kind: "system", id: null }
/** Runs an Effect as the system, in `tenant` when given. */
const run = (effect, tenant) =>
  runtime.runPromise(
    effect.pipe(
      Effect.provideService(CurrentActor, system),
      tenant ? Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }) : (e) => e
    )
  )
const asUser = (userId, effect, tenant) =>
  runtime.runPromise(
    effect.pipe(
      Effect.provideService(CurrentActor, { kind: "user", id: userId }),
      Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug })
    )
  )

try {
  const slug = `embed-${Date.now().toString(36)}`
  const tenant = await run(
    Tenancy.pipe(
      Effect.flatMap((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: "Embedded School" })))
    )
  )
  const user = (email, user_type) =>
    run(
      Identity.pipe(
        Effect.flatMap((i) =>
          i.create(
            Schema.decodeUnknownSync(CreateUser)({
              email,
              given_name: email.split("@")[0],
              family_name: "Example",
              user_type
            })
          )
        )
      ),
      tenant
    )
  const teacher = await user(`teacher@${slug}.example.edu`, "teacher")
  const students = [
    await user(`ada@${slug}.example.edu`, "student"),
    await user(`alan@${slug}.example.edu`, "student"),
    await user(`grace@${slug}.example.edu`, "student")
  ]
  const course = await run(
    Effect.gen(function* () {
      const a = yield* Academics
      const school = yield* a.createSchool({ name: "Embedded High" })
      const group = yield* a.createGroup({ school_id: school.id, name: "Year 10" })
      yield* a.setMembers(
        group.id,
        students.map((s) => s.id)
      )
      const now = Date.now()
      return yield* a.createCourse({
        school_id: school.id,
        name: "Mathematics",
        start_at: new Date(now - 5 * 60_000).toISOString(),
        end_at: new Date(now + 55 * 60_000).toISOString(),
        teacher_ids: [teacher.id],
        group_ids: [group.id]
      })
    }),
    tenant
  )
  // The teacher's screen shows a rotating code; Ada scans it.
  const qr = await asUser(teacher.id, Attendance.pipe(Effect.flatMap((a) => a.currentQrCode(course.id))), tenant)
  const ada = await asUser(
    students[0].id,
    Attendance.pipe(
      Effect.flatMap((a) =>
        a.createSignatureAttempt(
          { course_id: course.id, method: "QR", qr_code: qr.code },
          { userType: "student", schoolId: null }
        )
      )
    ),
    tenant
  )
  console.log(`Ada signed by QR: ${ada.status}`)
  // Alan forgot his phone: the teacher marks him present.
  await asUser(
    teacher.id,
    Attendance.pipe(
      Effect.flatMap((a) => a.markRoll(course.id, { marks: [{ student_id: students[1].id, result: "PRESENT" }] }))
    ),
    tenant
  )
  const roll = await run(Attendance.pipe(Effect.flatMap((a) => a.courseRoll(course.id))), tenant)
  console.log(`Roll of ${roll.course_name}: ${JSON.stringify(roll.counts)}`)
  for (const e of roll.entries) {
    const who = students.find((s) => s.id === e.student_id)
    console.log(`  ${who.given_name.padEnd(6)} ${e.result ?? "not yet"}${e.method ? ` (${e.method})` : ""}`)
  }
  console.log(`Database: ${file}`)
} finally {
  await runtime.dispose()
}
