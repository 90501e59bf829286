import * as Crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { BeaconProtocol } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"
const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()
const nonce = () => Crypto.randomBytes(16).toString("base64url")

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Beacons over HTTP on ${dialect}`,
    (it) => {
      it.effect(
        "enrol → auth → student presence token → proof → attendance; refusals are 401/422 problem details",
        () =>
          Effect.gen(function* () {
            const T = "/api/v1/tenants/bcn-web"
            yield* call("POST", "/api/v1/tenants", {
              body: {
                slug: "bcn-web",
                name: "Beacons",
                admin: { email: "admin@bcn-web.example.edu", password: PASSWORD, given_name: "A", family_name: "D" }
              }
            })
            const login = (email: string) =>
              Effect.map(
                call("POST", `${T}/auth/login`, { auth: false, body: { login: email, password: PASSWORD } }),
                (r) => r.body.tokens.access_token as string
              )
            const admin = yield* login("admin@bcn-web.example.edu")
            const post = (path: string, body: unknown, auth: string | false = admin) =>
              call("POST", path, { auth, body })
            const school = (yield* post(`${T}/schools`, { name: "Hugo" })).body
            const room = (yield* post(`${T}/classrooms`, { school_id: school.id, name: "101", code: "101" })).body
            const student = (yield* post(`${T}/users`, {
              email: "s@bcn-web.example.edu",
              given_name: "S",
              family_name: "T",
              user_type: "student",
              password: PASSWORD,
              devices: ["phone-s"]
            })).body
            const group = (yield* post(`${T}/groups`, { school_id: school.id, name: "G" })).body
            yield* call("PUT", `${T}/groups/${group.id}/members`, { auth: admin, body: { student_ids: [student.id] } })
            const course = (yield* post(`${T}/courses`, {
              school_id: school.id,
              name: "Maths",
              start_at: iso(-2),
              end_at: iso(58),
              classroom_ids: [room.id],
              group_ids: [group.id]
            })).body

            // A student cannot create enrolment codes; the admin can.
            const studentToken = yield* login("s@bcn-web.example.edu")
            expectProblem(yield* post(`${T}/beacons/enrolment-codes`, { classroom_id: room.id }, studentToken), 403)
            const code = (yield* post(`${T}/beacons/enrolment-codes`, { classroom_id: room.id })).body.code as string

            const pair = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
            const jwk = pair.publicKey.export({ format: "jwk" }) as any
            const sign = (m: Uint8Array) =>
              BeaconProtocol.b64url(Crypto.sign("sha256", m, { key: pair.privateKey, dsaEncoding: "ieee-p1363" }))
            const enrolled = yield* post(
              "/api/v1/beacon/enroll",
              {
                code,
                alg: "ES256",
                public_jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
                firmware_version: "1.0.0"
              },
              false
            )
            expect(enrolled.status).toBe(201)
            const beaconId = enrolled.body.beacon_id as string
            expect(
              expectProblem(
                yield* post(
                  "/api/v1/beacon/enroll",
                  { code, alg: "ES256", public_jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } },
                  false
                ),
                401
              ).reason_code
            ).toBe("USED_CODE")

            const authBody = (over: Record<string, unknown> = {}) =>
              Effect.gen(function* () {
                const fields = {
                  tenant: "bcn-web",
                  beacon_id: beaconId,
                  timestamp_ms: Date.now(),
                  nonce: nonce(),
                  ...over
                }
                const totp = yield* Effect.promise(() => generate({ secret: enrolled.body.totp_secret }))
                return { ...fields, totp, signature: sign(BeaconProtocol.authMessage(fields as any)) }
              })
            const token = (yield* post("/api/v1/beacon/auth/token", yield* authBody(), false)).body.token as string
            expect(
              expectProblem(
                yield* post("/api/v1/beacon/auth/token", yield* authBody({ timestamp_ms: Date.now() - 60_000 }), false),
                401
              ).reason_code
            ).toBe("STALE_TIMESTAMP")
            expectProblem(yield* post("/api/v1/beacon/auth/token", { tenant: "bcn-web" }, false), 400)

            // The student's phone gets a presence token; the beacon signs a proof with it.
            expectProblem(yield* post(`${T}/me/presence-token`, { device_identifier: "not-mine" }, studentToken), 403)
            const presence = (yield* post(`${T}/me/presence-token`, { device_identifier: "phone-s" }, studentToken))
              .body.token
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
              return { ...fields, signature: sign(BeaconProtocol.proofMessage(fields as any)) }
            }
            expectProblem(yield* post("/api/v1/beacon/proofs", proof(), false), 401)
            expectProblem(yield* post("/api/v1/beacon/proofs", proof(), admin), 401)
            const first = proof()
            const accepted = yield* post("/api/v1/beacon/proofs", first, token)
            expect(accepted.status).toBe(200)
            expect(accepted.body).toMatchObject({ status: "ACCEPTED", course_id: course.id })
            const replay = expectProblem(yield* post("/api/v1/beacon/proofs", first, token), 422)
            expect(replay.reason_code).toBe("REPLAYED_PROOF")
            expectProblem(yield* post("/api/v1/beacon/proofs", { ...proof({ counter: 2 }), counter: -1 }, token), 400)

            // Telemetry and the registry.
            expect((yield* post("/api/v1/beacon/telemetry", { battery_pct: 77, uptime_s: 12 }, token)).status).toBe(200)
            const listed = (yield* call("GET", `${T}/beacons`, { auth: admin })).body.items
            expect(listed.map((b: any) => [b.id, b.status, b.classroom_id])).toEqual([[beaconId, "active", room.id]])
            const tele = (yield* call("GET", `${T}/beacons/${beaconId}/telemetry`, { auth: admin })).body
            expect(tele[0].battery_pct).toBe(77)
            const roll = (yield* call("GET", `${T}/courses/${course.id}/roll`, { auth: admin })).body
            expect(roll.entries[0]).toMatchObject({ student_id: student.id, result: "PRESENT", method: "FLASHLIGHT" })

            // Revoked: the beacon token stops at once.
            expect((yield* post(`${T}/beacons/${beaconId}/revoke`, undefined)).body.status).toBe("revoked")
            expect(expectProblem(yield* post("/api/v1/beacon/telemetry", {}, token), 401).reason_code).toBe(
              "BEACON_REVOKED"
            )
          })
      )
    }
  )
}
