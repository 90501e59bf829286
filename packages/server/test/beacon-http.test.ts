/**
 * Beacons over HTTP: enrolment codes and enrolment, signed-timestamp
 * authentication, students' presence tokens, proofs decided by attendance,
 * telemetry, the registry and revocation — refusals as 401/403/422 problem
 * details; one behaviour per case, each on its own tenant.
 */
import * as Crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { BeaconProtocol } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, loginToken, onboardTenant, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { generate } from "otplib"

const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()
const nonce = () => Crypto.randomBytes(16).toString("base64url")
const post = (path: string, body: unknown, auth: string | false) => call("POST", path, { auth, body })

/** A P-256 device key: its public JWK and a signer (base64url). */
const deviceKey = () => {
  const pair = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
  const jwk = pair.publicKey.export({ format: "jwk" }) as any
  return {
    jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
    sign: (m: Uint8Array) =>
      BeaconProtocol.b64url(Crypto.sign("sha256", m, { key: pair.privateKey, dsaEncoding: "ieee-p1363" }))
  }
}

/**
 * A tenant `slug` with a classroom, a student with a registered phone in a
 * group, and a running course of that group in the classroom; the admin's
 * and the student's tokens, and helpers to enrol and sign in a beacon.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const login = (email: string) => loginToken(slug, email)
    const school = (yield* post(`${T}/schools`, { name: "Hugo" }, admin)).body
    const room = (yield* post(`${T}/classrooms`, { school_id: school.id, name: "101", code: "101" }, admin)).body
    const student = (yield* post(
      `${T}/users`,
      {
        email: `s@${slug}.example.edu`,
        given_name: "S",
        family_name: "T",
        user_type: "student",
        password: TEST_PASSWORD,
        devices: ["phone-s"]
      },
      admin
    )).body
    const group = (yield* post(`${T}/groups`, { school_id: school.id, name: "G" }, admin)).body
    yield* call("PUT", `${T}/groups/${group.id}/members`, { auth: admin, body: { student_ids: [student.id] } })
    const course = (yield* post(
      `${T}/courses`,
      {
        school_id: school.id,
        name: "Maths",
        start_at: iso(-2),
        end_at: iso(58),
        classroom_ids: [room.id],
        group_ids: [group.id]
      },
      admin
    )).body
    const studentToken = yield* login(`s@${slug}.example.edu`)
    const key = deviceKey()

    /** A beacon enrolled in the classroom with `key`. */
    const enrol = Effect.gen(function* () {
      const code = (yield* post(`${T}/beacons/enrolment-codes`, { classroom_id: room.id }, admin)).body.code as string
      const enrolled = yield* post(
        "/api/v1/beacon/enroll",
        { code, alg: "ES256", public_jwk: key.jwk, firmware_version: "1.0.0" },
        false
      )
      expect(enrolled.status).toBe(201)
      return { code, beaconId: enrolled.body.beacon_id as string, secret: enrolled.body.totp_secret as string }
    })
    /** A signed-timestamp authentication body of the beacon, with fields overridden by `over`. */
    const authBody = (beaconId: string, secret: string, over: Record<string, unknown> = {}) =>
      Effect.gen(function* () {
        const fields = { tenant: slug, beacon_id: beaconId, timestamp_ms: Date.now(), nonce: nonce(), ...over }
        const totp = yield* Effect.promise(() => generate({ secret }))
        return { ...fields, totp, signature: key.sign(BeaconProtocol.authMessage(fields as any)) }
      })
    /** An enrolled beacon with a beacon token, a presence token of the student, and a proof builder. */
    const signedIn = Effect.gen(function* () {
      const { beaconId, secret } = yield* enrol
      const token = (yield* post("/api/v1/beacon/auth/token", yield* authBody(beaconId, secret), false)).body
        .token as string
      const presence = (yield* post(`${T}/me/presence-token`, { device_identifier: "phone-s" }, studentToken)).body
        .token as string
      const proof = (over: Record<string, unknown> = {}) => {
        const fields = {
          beacon_id: beaconId,
          classroom_id: room.id,
          presence_token: presence,
          proof_type: "buzzLightyear",
          proof_time_ms: Date.now(),
          counter: 1,
          nonce: nonce(),
          ...over
        }
        return { ...fields, signature: key.sign(BeaconProtocol.proofMessage(fields as any)) }
      }
      return { beaconId, token, proof }
    })
    return { T, admin, room, student, course, studentToken, key, enrol, authBody, signedIn }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Beacons over HTTP on ${dialect}`,
    (it) => {
      it.effect("enrolment codes are the admin's; a code enrols one beacon, a second use is 401 USED_CODE", () =>
        Effect.gen(function* () {
          const { T, enrol, key, room, studentToken } = yield* setup("bh-enrol")
          expectProblem(yield* post(`${T}/beacons/enrolment-codes`, { classroom_id: room.id }, studentToken), 403)
          const { code } = yield* enrol
          const again = yield* post("/api/v1/beacon/enroll", { code, alg: "ES256", public_jwk: key.jwk }, false)
          expect(expectProblem(again, 401).reason_code).toBe("USED_CODE")
        })
      )

      it.effect("a signed timestamp gets a beacon token; a stale one is 401 STALE_TIMESTAMP, a malformed one 400", () =>
        Effect.gen(function* () {
          const { authBody, enrol } = yield* setup("bh-auth")
          const { beaconId, secret } = yield* enrol
          const ok = yield* post("/api/v1/beacon/auth/token", yield* authBody(beaconId, secret), false)
          expect(ok.body.token).toEqual(expect.any(String))
          const stale = yield* post(
            "/api/v1/beacon/auth/token",
            yield* authBody(beaconId, secret, { timestamp_ms: Date.now() - 60_000 }),
            false
          )
          expect(expectProblem(stale, 401).reason_code).toBe("STALE_TIMESTAMP")
          expectProblem(yield* post("/api/v1/beacon/auth/token", { tenant: "bh-auth" }, false), 400)
        })
      )

      it.effect("a student gets a presence token for their own registered device only", () =>
        Effect.gen(function* () {
          const { T, studentToken } = yield* setup("bh-presence")
          expectProblem(yield* post(`${T}/me/presence-token`, { device_identifier: "not-mine" }, studentToken), 403)
          const ok = yield* post(`${T}/me/presence-token`, { device_identifier: "phone-s" }, studentToken)
          expect(ok.body.token).toEqual(expect.any(String))
        })
      )

      it.effect("a proof needs a beacon token; accepted, the student is PRESENT by FLASHLIGHT; a replay is 422", () =>
        Effect.gen(function* () {
          const { T, admin, course, signedIn, student } = yield* setup("bh-proof")
          const { proof, token } = yield* signedIn
          expectProblem(yield* post("/api/v1/beacon/proofs", proof(), false), 401)
          expectProblem(yield* post("/api/v1/beacon/proofs", proof(), admin), 401)
          const first = proof()
          const accepted = yield* post("/api/v1/beacon/proofs", first, token)
          expect(accepted.status).toBe(200)
          expect(accepted.body).toMatchObject({ status: "ACCEPTED", course_id: course.id })
          expect(expectProblem(yield* post("/api/v1/beacon/proofs", first, token), 422).reason_code).toBe(
            "REPLAYED_PROOF"
          )
          expectProblem(yield* post("/api/v1/beacon/proofs", { ...proof({ counter: 2 }), counter: -1 }, token), 400)
          const roll = (yield* call("GET", `${T}/courses/${course.id}/roll`, { auth: admin })).body
          expect(roll.entries[0]).toMatchObject({ student_id: student.id, result: "PRESENT", method: "FLASHLIGHT" })
        })
      )

      it.effect("telemetry reaches the registry: the beacon listed active in its classroom, its samples", () =>
        Effect.gen(function* () {
          const { T, admin, room, signedIn } = yield* setup("bh-telemetry")
          const { beaconId, token } = yield* signedIn
          expect((yield* post("/api/v1/beacon/telemetry", { battery_pct: 77, uptime_s: 12 }, token)).status).toBe(200)
          const listed = (yield* call("GET", `${T}/beacons`, { auth: admin })).body.items
          expect(listed.map((b: any) => [b.id, b.status, b.classroom_id])).toEqual([[beaconId, "active", room.id]])
          const tele = (yield* call("GET", `${T}/beacons/${beaconId}/telemetry`, { auth: admin })).body
          expect(tele[0].battery_pct).toBe(77)
        })
      )

      it.effect("a beacon id in a path: a malformed one is 400, a well-formed unknown or other tenant's one 404", () =>
        Effect.gen(function* () {
          const { T, admin } = yield* setup("bh-ids")
          const other = yield* setup("bh-ids-other")
          const { beaconId } = yield* other.enrol
          expect(expectProblem(yield* call("GET", `${T}/beacons/not-a-uuid`, { auth: admin }), 400).code).toBe(
            "ValidationError"
          )
          expectProblem(yield* call("GET", `${T}/beacons/${Crypto.randomUUID()}`, { auth: admin }), 404)
          expectProblem(yield* call("GET", `${T}/beacons/${beaconId}`, { auth: admin }), 404)
          expect((yield* call("GET", `${other.T}/beacons/${beaconId}`, { auth: other.admin })).body.id).toBe(beaconId)
        })
      )

      it.effect("instants travel as ISO-8601 UTC with milliseconds (registry, enrolment code, telemetry)", () =>
        Effect.gen(function* () {
          const { T, admin, signedIn } = yield* setup("bh-instants")
          const { beaconId, token } = yield* signedIn
          const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
          const code = (yield* post(`${T}/beacons/enrolment-codes`, {}, admin)).body
          expect(code.expires_at).toMatch(ISO)
          const receipt = (yield* post("/api/v1/beacon/telemetry", { battery_pct: 50 }, token)).body
          expect(receipt.received_at).toMatch(ISO)
          const beacon = (yield* call("GET", `${T}/beacons/${beaconId}`, { auth: admin })).body
          expect([beacon.created_at, beacon.last_seen_at]).toEqual([expect.stringMatching(ISO), receipt.received_at])
          const tele = (yield* call("GET", `${T}/beacons/${beaconId}/telemetry`, { auth: admin })).body
          expect(tele[0].at).toBe(receipt.received_at)
        })
      )

      it.effect("a revoked beacon's token stops at once (401 BEACON_REVOKED)", () =>
        Effect.gen(function* () {
          const { T, admin, signedIn } = yield* setup("bh-revoke")
          const { beaconId, token } = yield* signedIn
          expect((yield* post(`${T}/beacons/${beaconId}/revoke`, undefined, admin)).body.status).toBe("revoked")
          expect(expectProblem(yield* post("/api/v1/beacon/telemetry", {}, token), 401).reason_code).toBe(
            "BEACON_REVOKED"
          )
        })
      )
    }
  )
}
