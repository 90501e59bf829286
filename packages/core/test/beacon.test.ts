import * as Crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Attendance,
  type BeaconAlg,
  type BeaconPrincipal,
  BeaconProtocol,
  Beacons,
  CreateTenant,
  CreateUser,
  Identity,
  type PresenceProof,
  Tenancy
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { generate } from "otplib"
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
const now = () => Effect.clockWith((c) => c.currentTimeMillis)

/** A device key pair signing with node:crypto (the agent signs with @noble/curves; both are standard). */
const deviceKey = (alg: BeaconAlg) => {
  const pair =
    alg === "ES256" ? Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }) : Crypto.generateKeyPairSync("ed25519")
  const jwk = pair.publicKey.export({ format: "jwk" }) as any
  return {
    alg,
    jwk: alg === "ES256" ? { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } : { kty: "OKP", crv: "Ed25519", x: jwk.x },
    sign: (message: Uint8Array) =>
      BeaconProtocol.b64url(
        alg === "ES256"
          ? Crypto.sign("sha256", message, { key: pair.privateKey, dsaEncoding: "ieee-p1363" })
          : Crypto.sign(null, message, pair.privateKey)
      )
  }
}
const nonce = () => Crypto.randomBytes(16).toString("base64url")

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Beacons on ${dialect}`, (it) => {
    it.effect("enrolment, signed-timestamp auth, proofs through attendance, every refusal, rotation, telemetry", () =>
      Effect.gen(function* () {
        yield* at("2026-11-23T07:50:00Z")
        const tenant = yield* onboard("bcn-alpha")
        const other = yield* onboard("bcn-beta")
        const run = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
        const f = yield* run(
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "S" })
            const room = yield* a.createClassroom({ school_id: school.id, name: "R1", code: "R1" })
            const room2 = yield* a.createClassroom({ school_id: school.id, name: "R2", code: "R2" })
            const g = yield* a.createGroup({ school_id: school.id, name: "G" })
            const students = yield* Effect.all(
              [1, 2, 3, 4, 5].map((n) => user(`p${n}@bcn.example.edu`, "student", { devices: [`phone-${n}`] }))
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

        // Enrolment with a one-time code.
        const code = yield* run(beacons.createEnrolmentCode({ classroom_id: f.room.id, name: "Front door" }))
        expect(code.code.startsWith("bcn-alpha.")).toBe(true)
        const key = deviceKey("ES256")
        const mismatched = deviceKey("EdDSA")
        expect(
          yield* Effect.flip(beacons.enrol({ code: code.code, alg: "ES256", public_jwk: mismatched.jwk as any }))
        ).toMatchObject({ _tag: "ValidationError" })
        const enrolled = yield* beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any })
        expect(enrolled).toMatchObject({ tenant: "bcn-alpha", classroom_id: f.room.id })
        expect(
          yield* Effect.flip(beacons.enrol({ code: code.code, alg: "ES256", public_jwk: key.jwk as any }))
        ).toMatchObject({ _tag: "EnrolmentRefused", reason_code: "USED_CODE" })
        expect(
          yield* Effect.flip(beacons.enrol({ code: "bcn-alpha.nope", alg: "ES256", public_jwk: key.jwk as any }))
        ).toMatchObject({ reason_code: "INVALID_CODE" })
        const short = yield* run(beacons.createEnrolmentCode({ expires_in_minutes: 5 }))
        yield* TestClock.adjust("6 minutes")
        expect(
          yield* Effect.flip(beacons.enrol({ code: short.code, alg: "ES256", public_jwk: key.jwk as any }))
        ).toMatchObject({ reason_code: "EXPIRED_CODE" })
        expect((yield* run(beacons.getBeacon(enrolled.beacon_id))).status).toBe("provisioned")

        // Authentication by signed timestamp + TOTP.
        const auth = (
          k = key,
          over: Record<string, unknown> = {},
          beaconId = enrolled.beacon_id,
          secret = enrolled.totp_secret
        ) =>
          Effect.gen(function* () {
            const t = yield* now()
            const fields = { tenant: "bcn-alpha", beacon_id: beaconId, timestamp_ms: t, nonce: nonce(), ...over }
            const totp = yield* Effect.promise(() => generate({ secret, epoch: Math.floor(t / 1000) }))
            return yield* beacons.authenticate({
              ...(fields as any),
              totp: (over.totp as string) ?? totp,
              signature: k.sign(BeaconProtocol.authMessage(fields as any))
            })
          })
        const token = yield* auth()
        expect(token.expires_in).toBe(600)
        expect((yield* run(beacons.getBeacon(enrolled.beacon_id))).status).toBe("active")
        const fixedNonce = nonce()
        yield* auth(key, { nonce: fixedNonce })
        expect(yield* Effect.flip(auth(key, { nonce: fixedNonce }))).toMatchObject({ reason_code: "REUSED_NONCE" })
        const t0 = yield* now()
        expect(yield* Effect.flip(auth(key, { timestamp_ms: t0 - 31_000 }))).toMatchObject({
          reason_code: "STALE_TIMESTAMP"
        })
        expect(yield* Effect.flip(auth(deviceKey("ES256")))).toMatchObject({ reason_code: "BAD_SIGNATURE" })
        expect(yield* Effect.flip(auth(key, { totp: "000000" }))).toMatchObject({ reason_code: "BAD_TOTP" })
        expect(yield* Effect.flip(auth(key, { tenant: "bcn-beta" }))).toMatchObject({ reason_code: "UNKNOWN_BEACON" })
        const principal: BeaconPrincipal = yield* beacons.verifyBeaconToken(token.token)
        expect(principal.beaconId).toBe(enrolled.beacon_id)

        // Presence tokens for registered devices only.
        const presence = (studentId: string, device: string, t = tenant) =>
          asTenant(t, beacons.presenceToken(studentId, device)).pipe(Effect.provide(testActor))
        expect(yield* Effect.flip(presence(p1.id, "phone-2"))).toMatchObject({ _tag: "Forbidden" })

        // Proofs.
        yield* at("2026-11-23T08:02:00Z")
        let counter = 0
        const proof = (presenceToken: string, over: Partial<PresenceProof> = {}, k = key) =>
          Effect.gen(function* () {
            const fields = {
              beacon_id: enrolled.beacon_id,
              classroom_id: f.room.id,
              course_id: null,
              presence_token: presenceToken,
              proof_type: "buzzLightyear",
              proof_time_ms: yield* now(),
              counter: ++counter,
              nonce: nonce(),
              ...over
            }
            return { ...fields, signature: k.sign(BeaconProtocol.proofMessage(fields)) } as PresenceProof
          })
        const submit = (p: PresenceProof, who = principal) => beacons.submitProof(who, p)
        const tok1 = (yield* presence(p1.id, "phone-1")).token
        const first = yield* proof(tok1)
        const accepted = yield* submit(first)
        expect(accepted).toMatchObject({ status: "ACCEPTED", course_id: f.course.id })
        const sig = yield* run(Attendance.use((a) => a.getSignature(accepted.signature_id!)))
        expect(sig).toMatchObject({ method: "FLASHLIGHT", signer_id: p1.id, proof_ref: `beacon:${enrolled.beacon_id}` })

        // Every refusal has its reason code; nothing reaches attendance.
        const refusal = (p: PresenceProof, who = principal) =>
          Effect.map(Effect.flip(submit(p, who)), (e: any) => e.reason_code)
        expect(yield* refusal(first)).toBe("REPLAYED_PROOF")
        const tok2 = (yield* presence(p2.id, "phone-2")).token
        expect(yield* refusal(yield* proof(tok2, { counter: first.counter }))).toBe("COUNTER_REPLAY")
        expect(yield* refusal(yield* proof(tok2, { nonce: first.nonce }))).toBe("REUSED_NONCE")
        expect(yield* refusal(yield* proof(tok2, { proof_time_ms: (yield* now()) - 45_000 }))).toBe("STALE_PROOF")
        const badSignature = yield* proof(tok2, {}, deviceKey("ES256"))
        expect(yield* refusal(badSignature)).toBe("BAD_SIGNATURE")
        // Refused before the beacon's checks passed: nothing consumed (the same nonce and counter get further).
        expect(
          yield* refusal(yield* proof("not.a.token", { nonce: badSignature.nonce, counter: badSignature.counter }))
        ).toBe("PRESENCE_TOKEN_INVALID")
        expect(yield* refusal(yield* proof(tok2, { classroom_id: f.room2.id }))).toBe("CLASSROOM_MISMATCH")
        expect(yield* refusal(yield* proof(tok2, { beacon_id: Crypto.randomUUID() }))).toBe("BEACON_MISMATCH")
        expect(yield* refusal(yield* proof("not.a.token"))).toBe("PRESENCE_TOKEN_INVALID")
        const foreignStudent = yield* asTenant(
          other,
          user("x@bcn-beta.example.edu", "student", { devices: ["phone-x"] })
        ).pipe(Effect.provide(testActor))
        const foreignToken = (yield* presence(foreignStudent.id, "phone-x", other)).token
        expect(yield* refusal(yield* proof(foreignToken))).toBe("PRESENCE_TOKEN_OTHER_TENANT")
        const tok3 = (yield* presence(p3.id, "phone-3")).token
        yield* run(Identity.use((i) => i.update(p3.id, { devices: ["new-phone"] })))
        const unregistered = yield* proof(tok3)
        expect(yield* refusal(unregistered)).toBe("DEVICE_NOT_REGISTERED")
        // Refused after the beacon's checks: the proof stays consumed.
        expect(yield* refusal(unregistered)).toBe("REPLAYED_PROOF")
        const tok4 = (yield* presence(p4.id, "phone-4")).token
        yield* TestClock.adjust("3 minutes")
        expect(yield* refusal(yield* proof(tok4))).toBe("PRESENCE_TOKEN_EXPIRED")
        expect(yield* run(Attendance.use((a) => a.listSignatures(f.course.id)))).toHaveLength(1)

        // Another channel: method BEACON; attendance still decides (LATE after the closing delay).
        yield* at("2026-11-23T08:20:00Z")
        const tok5 = (yield* presence(p5.id, "phone-5")).token
        const late = yield* submit(yield* proof(tok5, { proof_type: "ble" }))
        expect(late.status).toBe("LATE")
        expect((yield* run(Attendance.use((a) => a.getSignature(late.signature_id!)))).method).toBe("BEACON")

        // Telemetry: stored, listed, pruned past the retention.
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
        yield* at("2026-11-23T08:21:00Z")

        // Key rotation (to Ed25519): signed by both keys; then only the new key authenticates.
        const next = deviceKey("EdDSA")
        const message = BeaconProtocol.rotateMessage(enrolled.beacon_id, next.jwk)
        expect(
          yield* Effect.flip(
            beacons.rotateKey(principal, {
              alg: "EdDSA",
              public_jwk: next.jwk as any,
              old_key_signature: next.sign(message),
              new_key_signature: next.sign(message)
            })
          )
        ).toMatchObject({ reason_code: "BAD_SIGNATURE" })
        const rotated = yield* beacons.rotateKey(principal, {
          alg: "EdDSA",
          public_jwk: next.jwk as any,
          old_key_signature: key.sign(message),
          new_key_signature: next.sign(message)
        })
        expect(rotated.alg).toBe("EdDSA")
        const fresh = yield* auth(next)
        expect(yield* Effect.flip(auth(key))).toMatchObject({ reason_code: "BAD_SIGNATURE" })

        // Revocation stops the beacon at once: tokens, auth and proofs.
        yield* run(beacons.revokeBeacon(enrolled.beacon_id))
        expect(yield* Effect.flip(beacons.verifyBeaconToken(fresh.token))).toMatchObject({
          reason_code: "BEACON_REVOKED"
        })
        expect(yield* Effect.flip(auth(next))).toMatchObject({ reason_code: "BEACON_REVOKED" })
        expect(yield* refusal(yield* proof(tok5, {}, next))).toBe("BEACON_REVOKED")
        // Another tenant's beacon id is unknown here.
        expect(
          yield* Effect.flip(asTenant(other, beacons.getBeacon(enrolled.beacon_id)).pipe(Effect.provide(testActor)))
        ).toMatchObject({
          _tag: "BeaconNotFound"
        })
      }).pipe(Effect.provide(testActor))
    )
  })
}
