/**
 * The classroom screen (`/t/{slug}/teacher/courses/{id}/screen`, issue 17
 * "Teacher: the classroom screen"): the course's rotating QR code, large and
 * high-contrast for a projector, its 8-digit code in big type, a countdown
 * to the next step (from `expires_at`), the next code fetched at the step
 * boundary, a Fullscreen button, and the live count of signed students
 * (the live roll's event stream).
 *
 * @module
 */
import type { CourseId } from "@signet/contracts/academics/Domain"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { QrCode } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { DateTime } from "effect"
import { useEffect, useRef, useState } from "preact/hooks"
import QRCode from "qrcode"
import { type ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { useLiveRoll } from "./shared.js"

/** The current code of the course, refetched at each step boundary; answers it with its image (data: URL). */
const useRotatingQr = (slug: string, courseId: string) => {
  const [qr, setQr] = useState<{ code: QrCode; image: string } | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const next = async () => {
      try {
        const code = await call(AttendanceApi, (c) =>
          c.attendance.getQrCode({ path: { slug, id: courseId as CourseId } })
        )
        const image = await QRCode.toDataURL(code.payload, {
          errorCorrectionLevel: "M",
          margin: 2,
          width: 720,
          color: { dark: "#000000", light: "#ffffff" }
        })
        if (!live) return
        setQr({ code, image })
        setError(undefined)
        // The next step starts at expires_at; ask a little after it (clock skew), at least 1 s from now.
        const wait = Math.max(1000, DateTime.toEpochMillis(code.expires_at) - Date.now() + 250)
        timer = setTimeout(() => void next(), wait)
      } catch (e) {
        if (!live) return
        setError(e as ApiError)
        timer = setTimeout(() => void next(), 5000)
      }
    }
    void next()
    return () => {
      live = false
      if (timer) clearTimeout(timer)
    }
  }, [slug, courseId])
  return { qr, error }
}

/** Seconds left until `expires`, ticking every 250 ms. */
const useCountdown = (expires: number | undefined) => {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(id)
  }, [])
  return expires === undefined ? undefined : Math.max(0, Math.ceil((expires - now) / 1000))
}

/** The QR image, the code and the countdown. */
const ClassroomQr = ({ slug, courseId }: { slug: string; courseId: string }) => {
  const t = useT("teacher")
  const { error, qr } = useRotatingQr(slug, courseId)
  const left = useCountdown(qr ? DateTime.toEpochMillis(qr.code.expires_at) : undefined)
  if (!qr) return error ? <ErrorNote error={error} /> : <Loading />
  return (
    <div class="screen-qr">
      <img class="qr-image" src={qr.image} alt={t("screen.qrAlt")} data-code={qr.code.code} width={720} height={720} />
      <div class="screen-side">
        <p class="muted">{t("screen.typeCode")}</p>
        <p class="qr-code" aria-live="polite">
          {qr.code.code.slice(0, 4)} {qr.code.code.slice(4)}
        </p>
        <p>
          <progress max={qr.code.step_seconds} value={left ?? 0} aria-label={t("screen.nextIn")} />{" "}
          <span class="countdown">{t("screen.seconds", { count: left ?? 0 })}</span>
        </p>
        <ErrorNote error={error} />
      </div>
    </div>
  )
}

/** How many students have signed, kept current by the live roll's events. */
const SignedCount = ({ slug, courseId }: { slug: string; courseId: string }) => {
  const t = useT("teacher")
  const roll = useLoad(
    () => call(AttendanceApi, (c) => c.attendance.getRoll({ path: { slug, id: courseId as CourseId } })),
    [slug, courseId]
  )
  useLiveRoll(slug, courseId, () => roll.reload())
  if (!roll.data) return null
  const signed = roll.data.counts.PRESENT + roll.data.counts.LATE
  return (
    <p class="signed-count" aria-live="polite">
      {t("screen.signed", { signed, total: roll.data.entries.length })}
    </p>
  )
}

/** The classroom screen page. */
export const Screen = ({ slug, user, id }: { slug: string; user: User; id: string }) => {
  const t = useT("teacher")
  const area = useRef<HTMLDivElement>(null)
  const fullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen()
    else void area.current?.requestFullscreen?.().catch(() => undefined)
  }
  return (
    <Frame slug={slug} user={user} title={t("screen.title")}>
      <div class="toolbar">
        <button type="button" onClick={fullscreen}>
          {t("screen.fullscreen")}
        </button>
        <a href={`/t/${encodeURIComponent(slug)}/teacher/courses/${id}`}>{t("screen.toRoll")}</a>
      </div>
      <div ref={area} class="screen">
        <ClassroomQr slug={slug} courseId={id} />
        <SignedCount slug={slug} courseId={id} />
      </div>
    </Frame>
  )
}
