import * as Crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Attendance,
  BeaconId,
  type BeaconPrincipal,
  BeaconProtocol,
  Beacons,
  ClassroomId,
  CourseId,
  CreateTenant,
  CreateUser,
  Identity,
  type PresenceProof,
  Tenancy,
  type UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { authRequest, deviceKey, nonce, now, proofBuilder } from "./beacon-support.js"
import { asTenant, testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )
const user = (email: string, user_type: string, extra: Record<string, unknown> = {}) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: "F", user_type, ...extra }))
  )
const at = (iso: string) => TestClock.setTime(Date.parse(iso))
/**
 * A tenant with a school, two classrooms, a group of five students with
 * registered phones and a course (08:00–09:00 on 2026-11-23, in R1), at
 * 07:50 that morning; `enrolled` enrols an ES256 beacon in R1, `signedIn`
 * also authenticates it. The helpers build signed requests the way the
 * agent does (node:crypto here, @noble/curves there; both standard).
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    yield* at("2026-11-23T07:50:00Z")
    const tenant = yield* onboard(slug)
    const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
    const f = yield* run(
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: "S" })
        const room = yield* a.createClassroom({ school_id: school.id, name: "R1", code: "R1" })
        const room2 = yield* a.createClassroom({ school_id: school.id, name: "R2", code: "R2" })
        const g = yield* a.createGroup({ school_id: school.id, name: "G" })
        const students = yield* Effect.all(
          [1, 2, 3, 4, 5].map((n) => user(`p${n}@${slug}.example.edu`, "student", { devices: [`phone-${n}`] }))
        )
        yield* a.setMembers(
          g.id,
          students.map((s) => s.id)
        )
        const course = yield* a.createCourse({
          school_id: school.id,
          name: "C",
          start_at: "2026-11-23T08:00:00Z",
          end_at: "2026-11-23T09:00:00Z",
          classroom_ids: [room.id],
          group_ids: [g.id]
        })
        return { school, room, room2, students, course }
      })
    )
    const [p1, p2, p3, p4, p5] = f.students as [any, any, any, any, any]
    const beacons = yield* Beacons
    const key = deviceKey("ES256")

    /** Enrols a beacon with `key` in R1. */
    const enrol = Effect.gen(function* () {
      const code = yield* run(
        beacons.createEnrolmentCode({ classroom_id: ClassroomId.make(f.room.id), name: "Front door" })
      )
      return yield* beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any })
    })
    /** A signed-timestamp authentication of `beaconId`, with fields overridden by `over`. */
    const auth = (beaconId: string, secret: string, k = key, over: Record<string, unknown> = {}) =>
      Effect.flatMap(authRequest(tenant.slug, beaconId, secret, k, over), (req) => beacons.authenticate(req))
    /** A student's presence token for `device`. */
    const presence = (studentId: UserId, device: string, t: { readonly id: string; readonly slug: string } = tenant) =>
      asTenant(t, beacons.presenceToken(studentId, device)).pipe(Effect.provide(testActor))
    /** An enrolled, authenticated beacon at 08:02 with proof builders. */
    const signedIn = Effect.gen(function* () {
      const enrolled = yield* enrol
      const token = yield* auth(enrolled.beacon_id, enrolled.totp_secret)
      const principal: BeaconPrincipal = yield* beacons.verifyBeaconToken(token.token)
      yield* at("2026-11-23T08:02:00Z")
      const proof = proofBuilder(enrolled.beacon_id, f.room.id, key)
      const submit = (p: PresenceProof) => beacons.submitProof(principal, p)
      const refusal = (p: PresenceProof) => Effect.map(Effect.flip(submit(p)), (e: any) => e.reason_code)
      return { enrolled, token, principal, proof, submit, refusal }
    })
    return { tenant, run, ...f, p1, p2, p3, p4, p5, beacons, key, enrol, auth, presence, signedIn }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Beacons on ${dialect}`, (it) => {
    it.effect(
      "enrolment: a one-time code for the tenant; a mismatched key, a used, unknown or expired code refused",
      () =>
        Effect.gen(function* () {
          const { beacons, key, room, run } = yield* setup("bcn-enrol")
          const code = yield* run(
            beacons.createEnrolmentCode({ classroom_id: ClassroomId.make(room.id), name: "Front door" })
          )
          expect(code.code.startsWith("bcn-enrol.")).toBe(true)
          expect(
            yield* Effect.flip(
              beacons.enrol({ code: code.code, alg: "ES256", public_jwk: deviceKey("EdDSA").jwk as any })
            )
          ).toMatchObject({ _tag: "ValidationError" })
          const enrolled = yield* beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any })
          expect(enrolled).toMatchObject({ tenant: "bcn-enrol", classroom_id: room.id })
          expect(
            yield* Effect.flip(beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any }))
          ).toMatchObject({ _tag: "EnrolmentRefused", reason_code: "USED_CODE" })
          expect(
            yield* Effect.flip(beacons.enrol({ code: "bcn-enrol.nope", alg: "ES256", public_jwk: key.jwk as any }))
          ).toMatchObject({ reason_code: "INVALID_CODE" })
          const short = yield* run(beacons.createEnrolmentCode({ expires_in_minutes: 5 }))
          yield* TestClock.adjust("6 minutes")
          expect(
            yield* Effect.flip(beacons.enrol({ code: short.code, alg: "ES256", public_jwk: key.jwk as any }))
          ).toMatchObject({ reason_code: "EXPIRED_CODE" })
          expect((yield* run(beacons.getBeacon(enrolled.beacon_id))).status).toBe("provisioned")
        })
    )

    it.effect("signed-timestamp authentication: a token, the beacon active; every bad field has its reason", () =>
      Effect.gen(function* () {
        const { auth, beacons, enrol, key, run } = yield* setup("bcn-auth")
        const { beacon_id, totp_secret } = yield* enrol
        const token = yield* auth(beacon_id, totp_secret)
        expect(token.expires_in).toBe(600)
        expect((yield* run(beacons.getBeacon(beacon_id))).status).toBe("active")
        expect((yield* beacons.verifyBeaconToken(token.token)).beaconId).toBe(beacon_id)
        const fixedNonce = nonce()
        yield* auth(beacon_id, totp_secret, key, { nonce: fixedNonce })
        const reason = (k: ReturnType<typeof deviceKey>, over: Record<string, unknown>) =>
          Effect.map(Effect.flip(auth(beacon_id, totp_secret, k, over)), (e) => e.reason_code)
        expect(yield* reason(key, { nonce: fixedNonce })).toBe("REUSED_NONCE")
        expect(yield* reason(key, { timestamp_ms: (yield* now()) - 31_000 })).toBe("STALE_TIMESTAMP")
        expect(yield* reason(deviceKey("ES256"), {})).toBe("BAD_SIGNATURE")
        expect(yield* reason(key, { totp: "000000" })).toBe("BAD_TOTP")
        yield* onboard("bcn-auth-other")
        expect(yield* reason(key, { tenant: "bcn-auth-other" })).toBe("UNKNOWN_BEACON")
      })
    )

    it.effect("presence tokens are issued for a student's own registered device only", () =>
      Effect.gen(function* () {
        const { p1, presence } = yield* setup("bcn-presence")
        expect(yield* Effect.flip(presence(p1.id, "phone-2"))).toMatchObject({ _tag: "Forbidden" })
        expect((yield* presence(p1.id, "phone-1")).token).toContain(".")
      })
    )

    it.effect("a valid flashlight proof becomes an ACCEPTED FLASHLIGHT signature of the student", () =>
      Effect.gen(function* () {
        const { course, p1, presence, run, signedIn } = yield* setup("bcn-proof")
        const { enrolled, proof, submit } = yield* signedIn
        const accepted = yield* submit(yield* proof((yield* presence(p1.id, "phone-1")).token))
        expect(accepted).toMatchObject({ status: "ACCEPTED", course_id: course.id })
        const sig = yield* run(Attendance.use((a) => a.getSignature(accepted.signature_id!)))
        expect(sig).toMatchObject({ method: "FLASHLIGHT", signer_id: p1.id, proof_ref: `beacon:${enrolled.beacon_id}` })
      })
    )

    it.effect("the beacon's checks refuse with their reasons, and a proof they refuse consumes nothing", () =>
      Effect.gen(function* () {
        const { p1, p2, presence, room2, signedIn } = yield* setup("bcn-beacon-checks")
        const { proof, refusal, submit } = yield* signedIn
        const first = yield* proof((yield* presence(p1.id, "phone-1")).token)
        yield* submit(first)
        expect(yield* refusal(first)).toBe("REPLAYED_PROOF")
        const tok2 = (yield* presence(p2.id, "phone-2")).token
        expect(yield* refusal(yield* proof(tok2, { counter: first.counter }))).toBe("COUNTER_REPLAY")
        expect(yield* refusal(yield* proof(tok2, { nonce: first.nonce }))).toBe("REUSED_NONCE")
        expect(yield* refusal(yield* proof(tok2, { proof_time_ms: (yield* now()) - 45_000 }))).toBe("STALE_PROOF")
        const badSignature = yield* proof(tok2, {}, deviceKey("ES256"))
        expect(yield* refusal(badSignature)).toBe("BAD_SIGNATURE")
        // Nothing consumed: the same nonce and counter get further.
        expect(
          yield* refusal(yield* proof("not.a.token", { nonce: badSignature.nonce, counter: badSignature.counter }))
        ).toBe("PRESENCE_TOKEN_INVALID")
        expect(yield* refusal(yield* proof(tok2, { classroom_id: ClassroomId.make(room2.id) }))).toBe(
          "CLASSROOM_MISMATCH"
        )
        expect(yield* refusal(yield* proof(tok2, { beacon_id: BeaconId.make(Crypto.randomUUID()) }))).toBe(
          "BEACON_MISMATCH"
        )
      })
    )

    it.effect("the student's checks refuse with their reasons after the proof is consumed; nothing is signed", () =>
      Effect.gen(function* () {
        const { course, p3, p4, presence, run, signedIn } = yield* setup("bcn-student-checks")
        const { proof, refusal } = yield* signedIn
        expect(yield* refusal(yield* proof("not.a.token"))).toBe("PRESENCE_TOKEN_INVALID")
        const other = yield* onboard("bcn-student-checks-other")
        const foreignStudent = yield* asTenant(
          other,
          user("x@bcn-student-checks-other.example.edu", "student", { devices: ["phone-x"] })
        ).pipe(Effect.provide(testActor))
        const foreignToken = (yield* presence(foreignStudent.id, "phone-x", other)).token
        expect(yield* refusal(yield* proof(foreignToken))).toBe("PRESENCE_TOKEN_OTHER_TENANT")
        const tok3 = (yield* presence(p3.id, "phone-3")).token
        yield* run(Identity.use((i) => i.update(p3.id, { devices: ["new-phone"] })))
        const unregistered = yield* proof(tok3)
        expect(yield* refusal(unregistered)).toBe("DEVICE_NOT_REGISTERED")
        expect(yield* refusal(unregistered)).toBe("REPLAYED_PROOF") // consumed
        const tok4 = (yield* presence(p4.id, "phone-4")).token
        yield* TestClock.adjust("3 minutes")
        expect(yield* refusal(yield* proof(tok4))).toBe("PRESENCE_TOKEN_EXPIRED")
        expect(yield* run(Attendance.use((a) => a.listSignatures(CourseId.make(course.id))))).toHaveLength(0)
      })
    )

    it.effect("a BLE proof signs by method BEACON, and attendance still decides (LATE after the closing delay)", () =>
      Effect.gen(function* () {
        const { p5, presence, run, signedIn } = yield* setup("bcn-ble")
        const { proof, submit } = yield* signedIn
        yield* at("2026-11-23T08:20:00Z")
        const late = yield* submit(yield* proof((yield* presence(p5.id, "phone-5")).token, { proof_type: "ble" }))
        expect(late.status).toBe("LATE")
        expect((yield* run(Attendance.use((a) => a.getSignature(late.signature_id!)))).method).toBe("BEACON")
      })
    )

    it.effect("telemetry is stored, listed newest first, and pruned past the tenant's retention", () =>
      Effect.gen(function* () {
        const { beacons, run, signedIn } = yield* setup("bcn-telemetry")
        const { enrolled, principal } = yield* signedIn
        yield* beacons.reportTelemetry(principal, {
          battery_pct: 88,
          temperature_c: 31.5,
          queue_depth: 2,
          uptime_s: 3600
        })
        const samples = yield* run(beacons.telemetry(enrolled.beacon_id))
        expect(samples[0]).toMatchObject({ battery_pct: 88, temperature_c: 31.5, queue_depth: 2, uptime_s: 3600 })
        yield* TestClock.adjust("31 days")
        yield* beacons.reportTelemetry(principal, { battery_pct: 70 })
        expect((yield* run(beacons.telemetry(enrolled.beacon_id))).map((s) => s.battery_pct)).toEqual([70])
      })
    )

    it.effect("a key rotation needs both keys' signatures; then only the new key authenticates", () =>
      Effect.gen(function* () {
        const { auth, beacons, key, signedIn } = yield* setup("bcn-rotate")
        const { enrolled, principal } = yield* signedIn
        const next = deviceKey("EdDSA")
        const message = BeaconProtocol.rotateMessage(enrolled.beacon_id, next.jwk)
        const rotate = (oldSigner: typeof key) =>
          beacons.rotateKey(principal, {
            alg: "EdDSA",
            public_jwk: next.jwk as any,
            old_key_signature: oldSigner.sign(message),
            new_key_signature: next.sign(message)
          })
        expect(yield* Effect.flip(rotate(next))).toMatchObject({ reason_code: "BAD_SIGNATURE" })
        expect((yield* rotate(key)).alg).toBe("EdDSA")
        yield* auth(enrolled.beacon_id, enrolled.totp_secret, next)
        expect(yield* Effect.flip(auth(enrolled.beacon_id, enrolled.totp_secret, key))).toMatchObject({
          reason_code: "BAD_SIGNATURE"
        })
      })
    )

    it.effect("revocation stops the beacon at once (tokens, authentication, proofs); other tenants never see it", () =>
      Effect.gen(function* () {
        const { auth, beacons, p5, presence, run, signedIn } = yield* setup("bcn-revoke")
        const { enrolled, proof, refusal } = yield* signedIn
        const token = yield* auth(enrolled.beacon_id, enrolled.totp_secret)
        const tok5 = (yield* presence(p5.id, "phone-5")).token
        yield* run(beacons.revokeBeacon(enrolled.beacon_id))
        expect(yield* Effect.flip(beacons.verifyBeaconToken(token.token))).toMatchObject({
          reason_code: "BEACON_REVOKED"
        })
        expect(yield* Effect.flip(auth(enrolled.beacon_id, enrolled.totp_secret))).toMatchObject({
          reason_code: "BEACON_REVOKED"
        })
        expect(yield* refusal(yield* proof(tok5))).toBe("BEACON_REVOKED")
        const other = yield* onboard("bcn-revoke-other")
        expect(
          yield* Effect.flip(asTenant(other, beacons.getBeacon(enrolled.beacon_id)).pipe(Effect.provide(testActor)))
        ).toMatchObject({ _tag: "BeaconNotFound" })
      })
    )
  })
}
