/**
 * Excuses to decide (`/t/{slug}/teacher/excuses`, issue 17 "Teacher:
 * excuses to decide"): the pending excuses of the teacher's courses
 * (`listExcuses`, status pending — the server lists only what the caller may
 * see), the attachment as a download, approve or reject (`decideExcuse`).
 *
 * @module
 */
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { Excuse } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"

/** One pending excuse with its decision buttons. */
const ExcuseCard = ({ slug, excuse, decided }: { slug: string; excuse: Excuse; decided: () => void }) => {
  const t = useT("teacher")
  const [comment, setComment] = useState("")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const decide = async (decision: "approve" | "reject") => {
    setBusy(true)
    setError(undefined)
    try {
      await call(AttendanceApi, (c) =>
        c.attendance.decideExcuse({
          path: { slug, id: excuse.id },
          payload: comment.trim() ? { decision, comment: comment.trim() } : { decision }
        })
      )
      decided()
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError("Error", String(e)))
    } finally {
      setBusy(false)
    }
  }
  const open = async () => {
    try {
      const bytes = await call(AttendanceApi, (c) =>
        c.attendance.getExcuseAttachment({ path: { slug, id: excuse.id } })
      )
      const url = URL.createObjectURL(
        new Blob([bytes as Uint8Array<ArrayBuffer>], {
          type: excuse.attachment?.content_type ?? "application/octet-stream"
        })
      )
      const a = document.createElement("a")
      a.href = url
      a.download = excuse.attachment?.filename ?? "attachment"
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (e) {
      setError(e as ApiError)
    }
  }
  const commentId = `comment-${excuse.id}`
  return (
    <li class="card stack">
      <p>
        <strong>{t(`excuses.reason.${excuse.reason}`, { defaultValue: excuse.reason })}</strong> ·{" "}
        <span class="muted">{formatDateTime(excuse.created_at)}</span>
      </p>
      <p class="muted">
        {t("excuses.student")}: {excuse.student_id}
      </p>
      {excuse.note && <p>{excuse.note}</p>}
      {excuse.attachment && (
        <p>
          <button type="button" class="link" onClick={() => void open()}>
            {t("excuses.attachment", { name: excuse.attachment.filename })}
          </button>
        </p>
      )}
      <label for={commentId}>{t("excuses.comment")}</label>
      <textarea id={commentId} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
      <div class="toolbar">
        <button type="button" disabled={busy} onClick={() => void decide("approve")}>
          {t("excuses.approve")}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void decide("reject")}>
          {t("excuses.reject")}
        </button>
      </div>
      <ErrorNote error={error} />
    </li>
  )
}

/** The pending excuses page. */
export const Excuses = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("teacher")
  const { data, error, loading, reload } = useLoad(
    () => call(AttendanceApi, (c) => c.attendance.listExcuses({ path: { slug }, urlParams: { status: "pending" } })),
    [slug]
  )
  return (
    <Frame slug={slug} user={user} title={t("excuses.title")}>
      {loading && !data && <Loading />}
      <ErrorNote error={error} />
      {data && data.items.length === 0 && <p class="muted">{t("excuses.none")}</p>}
      {data && data.items.length > 0 && (
        <ul class="list">
          {data.items.map((x) => (
            <ExcuseCard key={x.id} slug={slug} excuse={x} decided={reload} />
          ))}
        </ul>
      )}
    </Frame>
  )
}
