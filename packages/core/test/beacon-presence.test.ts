/**
 * Issue 15 §3 "Hardening": presence tokens are short-lived (30 s by
 * default), single use, bound to the student who asked for them and their
 * device, and — when asked — to one course.
 */
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Attendance,
  Beacons,
  ClassroomId,
  CourseId,
  CreateTenant,
  CreateUser,
  Identity,
  type PresenceProof,
  Tenancy,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { authRequest, deviceKey, proofBuilder } from "./beacon-support.js"
import { asTenant, testActor, testCore } from "./support.js"

/**
 * A tenant with a classroom, its enrolled and authenticated beacon, two
 * students with a phone each in one group, and two courses of that group in
 * the classroom (08:00–09:00 and 09:00–10:00); the clock at 08:02.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2026-11-23T07:50:00Z"))
    const tenant = yield* Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))
    const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff)
    const f = yield* run(
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: "S" })
        const room = yield* a.createClassroom({ school_id: school.id, name: "R1", code: "R1" })
        const g = yield* a.createGroup({ school_id: school.id, name: "G" })
        const mk = (n: number) =>
          Identity.use((i) =>
            i.create(
              Schema.decodeUnknownSync(CreateUser)({
                email: `p${n}@${slug}.example.edu`,
                given_name: "G",
                family_name: "F",
                user_type: "student",
                devices: [`phone-${n}`]
              })
            )
          )
        const [s1, s2] = [yield* mk(1), yield* mk(2)]
        yield* a.setMembers(g.id, [s1.id, s2.id])
        const course = (start: string, end: string) =>
          a.createCourse({
            school_id: school.id,
            name: "C",
            start_at: start,
            end_at: end,
            classroom_ids: [room.id],
            group_ids: [g.id]
          })
        const first = yield* course("2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z")
        const second = yield* course("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z")
        return { room, s1, s2, first, second }
      })
    )
    const beacons = yield* Beacons
    const key = deviceKey()
    const code = yield* run(beacons.createEnrolmentCode({ classroom_id: ClassroomId.make(f.room.id) }))
    const enrolled = yield* beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any })
    const token = yield* beacons.authenticate(yield* authRequest(slug, enrolled.beacon_id, enrolled.totp_secret, key))
    const principal = yield* beacons.verifyBeaconToken(token.token)
    yield* TestClock.setTime(Date.parse("2026-11-23T08:02:00Z"))
    /** A proof of the beacon carrying a presence token. */
    const proof = proofBuilder(enrolled.beacon_id, f.room.id, key)
    const submit = (presenceToken: string, over: Partial<PresenceProof> = {}) =>
      Effect.flatMap(proof(presenceToken, over), (p) => beacons.submitProof(principal, p))
    const refusal = (presenceToken: string, over: Partial<PresenceProof> = {}) =>
      Effect.map(Effect.flip(submit(presenceToken, over)), (e: any) => e.reason_code ?? e._tag)
    const presence = (studentId: string, device: string, courseId?: string) =>
      run(
        beacons.presenceToken(
          UserId.make(studentId),
          device,
          courseId === undefined ? undefined : CourseId.make(courseId)
        )
      )
    const signatures = (courseId: string) => run(Attendance.use((a) => a.listSignatures(CourseId.make(courseId))))
    return { ...f, run, presence, submit, refusal, signatures }
  }).pipe(Effect.provide(testActor))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Presence tokens on ${dialect}`, (it) => {
    it.effect("issue 15 §3: a presence token lives 30 s by default", () =>
      Effect.gen(function* () {
        const f = yield* setup("pt-ttl")
        const token = yield* f.presence(f.s1.id, "phone-1")
        expect(token.expires_in).toBe(30)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("issue 15 §3: an expired presence token is refused (PRESENCE_TOKEN_EXPIRED)", () =>
      Effect.gen(function* () {
        const f = yield* setup("pt-expired")
        const token = (yield* f.presence(f.s1.id, "phone-1")).token
        yield* TestClock.adjust("40 seconds")
        expect(yield* f.refusal(token)).toBe("PRESENCE_TOKEN_EXPIRED")
        expect(yield* f.signatures(f.first.id)).toHaveLength(0)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("issue 15 §3: a used presence token replayed in a new proof is refused (PRESENCE_TOKEN_REPLAYED)", () =>
      Effect.gen(function* () {
        const f = yield* setup("pt-replay")
        const token = (yield* f.presence(f.s1.id, "phone-1")).token
        expect((yield* f.submit(token)).status).toBe("ACCEPTED")
        // A fresh proof (new nonce, counter and signature) carrying the same token: refused.
        expect(yield* f.refusal(token)).toBe("PRESENCE_TOKEN_REPLAYED")
        expect(yield* f.signatures(f.first.id)).toHaveLength(1)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("issue 15 §3: a token signs its own student only — another student's device cannot get one", () =>
      Effect.gen(function* () {
        const f = yield* setup("pt-student")
        // s2 cannot mint a token on s1's phone, nor s1 on s2's.
        expect(yield* Effect.flip(f.presence(f.s2.id, "phone-1"))).toMatchObject({ _tag: "Forbidden" })
        const token = (yield* f.presence(f.s1.id, "phone-1")).token
        const signed = yield* f.submit(token)
        const sig = yield* f.run(Attendance.use((a) => a.getSignature(signed.signature_id!)))
        expect(sig.signer_id).toBe(f.s1.id)
        // Used by s1 once, it cannot sign again — for s1 or anyone it is relayed to.
        expect(yield* f.refusal(token)).toBe("PRESENCE_TOKEN_REPLAYED")
      }).pipe(Effect.provide(testActor))
    )

    it.effect("issue 15 §3: a token bound to a course is refused for another course", () =>
      Effect.gen(function* () {
        const f = yield* setup("pt-course")
        const bound = (yield* f.presence(f.s1.id, "phone-1", f.second.id)).token
        expect(yield* f.refusal(bound, { course_id: CourseId.make(f.first.id) })).toBe("PRESENCE_TOKEN_WRONG_COURSE")
        const other = yield* f.presence(f.s1.id, "phone-1", f.first.id)
        expect((yield* f.submit(other.token)).course_id).toBe(f.first.id)
        // A course the student does not follow cannot be bound.
        const stranger = yield* f.run(
          Academics.use((a) =>
            a.createCourse({
              school_id: f.first.school_id,
              name: "X",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z"
            })
          )
        )
        expect(yield* Effect.flip(f.presence(f.s1.id, "phone-1", stranger.id))).toMatchObject({
          _tag: "ValidationError"
        })
      }).pipe(Effect.provide(testActor))
    )
  })
}
