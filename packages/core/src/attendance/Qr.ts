/**
 * QR codes of courses (issue 5 §2): a rotating 8-digit code per course and
 * time step, HMAC-SHA256 under the tenant's QR key (created on first use,
 * envelope-encrypted at rest in `attendance_secrets`), truncated as in
 * RFC 4226 §5.3. The teacher's screen shows the current code and its image;
 * a QR signature is accepted within one step either side.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import type { CourseId } from "@signet/contracts/academics/Domain"
import { QrCode } from "@signet/contracts/attendance/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { Clock, Context, DateTime, Effect, Option } from "effect"
import QRCode from "qrcode"
import { makeSingleFlight } from "../kernel/SingleFlight.js"
import { instant } from "../kernel/Sql.js"
import { qrSecretColumn } from "./Migrations.js"
import type { Policies } from "./Policies.js"
import { courseRef, forbidden, notFound, type Shared } from "./Shared.js"

/** Number of digits of a QR code. */
export const QR_DIGITS = 8

/**
 * The QR code of a course for one time step: HMAC-SHA256 under the tenant's
 * key over `course_id:step`, truncated as in RFC 4226 §5.3 to {@link QR_DIGITS}
 * digits.
 */
export const qrCodeFor = (key: Uint8Array, courseId: string, step: number): string => {
  const mac = Crypto.createHmac("sha256", key).update(`${courseId}:${step}`).digest()
  const offset = mac[mac.length - 1]! & 0x0f
  const n = mac.readUInt32BE(offset) & 0x7fffffff
  return String(n % 10 ** QR_DIGITS).padStart(QR_DIGITS, "0")
}

/**
 * Where the QR codes' links point (issue 17 "signing by QR"): the origin
 * people reach the server at (`https://attendance.school.example`). With an
 * origin, a code's payload is the web app's sign URL
 * `{origin}/t/{slug}/sign?c={course}&k={code}`, which a phone's camera opens;
 * without one (an embedder that serves no web app) it is
 * `signet:attend?course={course}&code={code}`. `signet serve` provides its
 * public URL (`SIGNET_PUBLIC_URL`, else the address it was reached at).
 */
export class SignLinkOrigin extends Context.Reference<SignLinkOrigin>()("Signet/SignLinkOrigin", {
  defaultValue: (): string | undefined => undefined
}) {}

/** The payload of a course's code: the sign URL under `origin`, else the `signet:` form. */
export const qrPayload = (origin: string | undefined, slug: string, courseId: string, code: string): string =>
  origin === undefined
    ? `signet:attend?course=${courseId}&code=${code}`
    : `${origin.replace(/\/+$/, "")}/t/${encodeURIComponent(slug)}/sign?c=${courseId}&k=${code}`

/** What {@link makeQr}'s `checkQr` decides about a presented code. */
export type QrCheck = { readonly ok: true; readonly step: number } | { readonly ok: false; readonly expired: boolean }

/** The QR operations of the attendance service. */
export const makeQr = (s: Shared, policies: Policies) => {
  const qrKeys = new Map<string, Buffer>()
  const qrImages = new Map<string, string>()

  /** Reads (or creates) the tenant's QR HMAC key, decrypts and keeps it. */
  const loadQrKey = (tid: string) =>
    Effect.gen(function* () {
      const aad = qrSecretColumn.aad({ tenant_id: tid })
      let enc = yield* s.inTx(s.repo.readQrKey)
      if (Option.isNone(enc)) {
        const fresh = yield* s.envelope.encrypt(Crypto.randomBytes(32), aad)
        const at = instant(yield* Clock.currentTimeMillis)
        enc = yield* s.inTx(Effect.zipRight(s.repo.insertQrKey(fresh, at), s.repo.readQrKey))
      }
      const key = yield* s.envelope.decrypt(Option.getOrThrow(enc), aad).pipe(Effect.orDie)
      if (qrKeys.size > 1000) qrKeys.clear()
      qrKeys.set(tid, key)
      return key
    })
  // The first requests of a tenant arrive together (a class scanning its first code): one load.
  const qrKeyLoads = makeSingleFlight<Buffer, Effect.Effect.Error<ReturnType<typeof loadQrKey>>>()

  /** The tenant's QR HMAC key: decrypted once per process, created on first use. */
  const qrKey = (tid: string) => {
    const hit = qrKeys.get(tid)
    return hit ? Effect.succeed(hit) : qrKeyLoads(tid, loadQrKey(tid))
  }

  /** Checks a presented code for a course at `atMs`: the current step ±1, or expired (up to 40 steps back). */
  const checkQr = (tid: string, courseId: string, code: string, atMs: number, stepSeconds: number) =>
    Effect.gen(function* () {
      const key = yield* qrKey(tid)
      const step = Math.floor(atMs / (stepSeconds * 1000))
      const expected = Buffer.from(code)
      const matches = (st: number) => Crypto.timingSafeEqual(Buffer.from(qrCodeFor(key, courseId, st)), expected)
      if (matches(step) || matches(step - 1) || matches(step + 1)) return { ok: true, step } as QrCheck
      for (let st = step - 2; st >= step - 40; st--) if (matches(st)) return { ok: false, expired: true } as QrCheck
      return { ok: false, expired: false } as QrCheck
    })

  /**
   * The current QR code of a course and its image, for the teacher's screen.
   * @errors AttendanceNotFound, Forbidden (not the course's teacher or an admin), Conflict (course closed)
   */
  const currentQrCode = (courseId: CourseId) =>
    Effect.gen(function* () {
      // Every screen showing the course polls it: the course comes from the signing rules' cache.
      const found = yield* s.cachedCourse(courseId)
      if (Option.isNone(found)) return yield* notFound("course", courseId)
      const course = found.value
      if (!(yield* s.isStaffOf(course.id)))
        return yield* forbidden("only the course's teachers and admins display its code", "attendance:write")
      if (course.signature_closed) return yield* new Conflict({ message: "signing is closed for this course" })
      const tid = yield* s.tenantId
      const { policy } = yield* policies.policyOf(courseRef(course).school_id)
      const nowMs = yield* Clock.currentTimeMillis
      const stepMs = policy.qr_step_seconds * 1000
      const step = Math.floor(nowMs / stepMs)
      const code = qrCodeFor(yield* qrKey(tid), course.id, step)
      const payload = qrPayload(yield* SignLinkOrigin, (yield* CurrentTenant).slug, course.id, code)
      // Every screen showing the course polls; the image is drawn once per step.
      let svg = qrImages.get(payload)
      if (svg === undefined) {
        const drawn = yield* Effect.promise(() =>
          QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
        )
        if (qrImages.size >= 2000) qrImages.clear()
        qrImages.set(payload, drawn)
        svg = drawn
      }
      return new QrCode({
        course_id: courseRef(course).id,
        code,
        step,
        step_seconds: policy.qr_step_seconds,
        expires_at: DateTime.unsafeMake((step + 1) * stepMs),
        payload,
        svg
      })
    })

  return { qrKey, checkQr, currentQrCode } as const
}

/** The QR seam's operations. */
export type Qr = ReturnType<typeof makeQr>
