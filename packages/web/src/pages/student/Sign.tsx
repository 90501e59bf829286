/**
 * The QR codes' link (`/t/{slug}/sign?c={course}&k={code}`, issue 17
 * "signing by QR"): the phone's camera opens it, the student signs in if
 * needed (and comes back here), the attempt is sent at once
 * (CreateSignatureAttempt, method QR) and the result is shown in plain words:
 * ACCEPTED, LATE or REFUSED with the reason. A code typed by hand works too.
 *
 * @module
 */

import type { CourseId } from "@signet/contracts/academics/Domain"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { SignatureAttemptResult } from "@signet/contracts/attendance/Domain"
import { useEffect, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { type ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { Frame, RequireUser } from "../../app/ui.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Sends one QR attempt. */
const attempt = (slug: string, courseId: string, code: string) =>
  call(AttendanceApi, (c) =>
    c.attendance.createSignatureAttempt({
      path: { slug },
      payload: { method: "QR", course_id: courseId as CourseId, qr_code: code }
    })
  )

/** The sign page. */
export const Sign = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>{(user) => <SignFor slug={slug} user={user} />}</RequireUser>
)

const SignFor = ({ slug, user }: { slug: string; user: Parameters<typeof Frame>[0]["user"] }) => {
  const t = useT("student")
  const { query } = useLocation()
  const course = query["c"] ?? ""
  const code = query["k"] ?? ""
  const linkOk = UUID.test(course) && /^[0-9]{8}$/.test(code)
  const [result, setResult] = useState<SignatureAttemptResult | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const run = async (courseId: string, k: string) => {
    setBusy(true)
    setError(undefined)
    setResult(undefined)
    try {
      setResult(await attempt(slug, courseId, k))
    } catch (e) {
      const err = e as ApiError
      console.warn("sign failed", err.tag, err.message)
      setError(
        err.tag === "RateLimited"
          ? t("sign.rateLimited", { seconds: Math.ceil(err.retryAfter ?? 60) })
          : err.tag === "ValidationError" || err.tag.endsWith("NotFound")
            ? t("sign.reason.COURSE_NOT_FOUND")
            : err.message
      )
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    if (linkOk) void run(course, code)
  }, [course, code])

  const manual = (ev: Event) => {
    ev.preventDefault()
    const k = String(new FormData(ev.target as HTMLFormElement).get("code") ?? "").trim()
    if (UUID.test(course)) void run(course, k)
  }

  const reason = result?.reason_code ? t(`sign.reason.${result.reason_code}`, { defaultValue: result.message }) : ""
  return (
    <Frame slug={slug} user={user} title={t("sign.title")}>
      {busy && <output class="muted block">{t("sign.signing")}</output>}
      {result && (
        <output class={`block result result-${result.status.toLowerCase()}`} aria-live="polite">
          <p class="result-status" data-status={result.status}>
            {result.status}
          </p>
          <p>{t(`sign.${result.status}`)}</p>
          {result.status === "REFUSED" || result.status === "LATE" ? <p>{reason}</p> : null}
          {result.existing && <p class="muted">{t("sign.already")}</p>}
        </output>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!linkOk && !UUID.test(course) && <p class="muted">{t("sign.badLink")}</p>}
      {UUID.test(course) && (!result || result.status === "REFUSED") && (
        <form class="card stack" onSubmit={manual}>
          <label>
            {t("sign.manual")}
            <input
              name="code"
              inputMode="numeric"
              autocomplete="off"
              pattern="[0-9]{8}"
              maxLength={8}
              required
              aria-describedby="code-hint"
            />
          </label>
          <span id="code-hint" class="muted">
            {t("sign.code")}
          </span>
          <button type="submit" disabled={busy}>
            {t("sign.submit")}
          </button>
        </form>
      )}
    </Frame>
  )
}
