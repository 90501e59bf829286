/**
 * The student's excuses (`/t/{slug}/student/excuses`, issue 17 "Student:
 * submit an excuse with an attachment"): the excuses sent, and a form for
 * one course of the last 30 days with a reason, a note and an optional
 * attachment. The attachment travels as base64 inside the JSON body
 * (`SubmitExcuse.attachment.data_base64`); its size (≤ 5 MiB) and type (PDF,
 * PNG, JPEG, WebP) are checked here first for a clear message, and the
 * server's own refusals (413, 415, a file whose bytes are not its type) are
 * shown too. A refused excuse creates nothing.
 *
 * @module
 */
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import {
  ATTACHMENT_TYPES,
  type ExcuseReason,
  type HistoryEntry,
  MAX_ATTACHMENT_BYTES,
  type SubmitExcuse
} from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, language, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { dayRange, lastDays } from "./History.js"

const REASONS: ReadonlyArray<ExcuseReason> = ["illness", "family", "transport", "appointment", "other"]

/** A file's bytes as base64 (without the data: URL prefix). */
const toBase64 = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(file)
  })

/** A size in the user's language ("6.2 MB"). */
const formatSize = (bytes: number) =>
  new Intl.NumberFormat(language(), { style: "unit", unit: "megabyte", maximumFractionDigits: 1 }).format(
    bytes / (1024 * 1024)
  )

/** The excuses page of `user` (a student). */
export const Excuses = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("student")
  const courses = useLoad(() => {
    const days = lastDays(30)
    return call(AttendanceApi, (c) =>
      c.attendance.studentHistory({ path: { slug, id: user.id }, urlParams: dayRange(days.from, days.to) })
    ).then((h) => [...h.entries].reverse())
  }, [slug, user.id])
  const excuses = useLoad(
    () => call(AttendanceApi, (c) => c.attendance.listExcuses({ path: { slug }, urlParams: { student_id: user.id } })),
    [slug, user.id]
  )
  const names = new Map((courses.data ?? []).map((e) => [e.course_id as string, e]))
  return (
    <Frame slug={slug} user={user} title={t("excuses.title")}>
      <div class="student-grid">
        <section class="card" aria-labelledby="submit-h">
          <h2 id="submit-h">{t("excuses.submitTitle")}</h2>
          {courses.loading && <Loading />}
          <ErrorNote error={courses.error} />
          {courses.data &&
            (courses.data.length === 0 ? (
              <p class="muted">{t("excuses.noCourses")}</p>
            ) : (
              <ExcuseForm slug={slug} courses={courses.data} onSent={excuses.reload} />
            ))}
        </section>
        <section class="card" aria-labelledby="list-h">
          <h2 id="list-h">{t("excuses.listTitle")}</h2>
          {excuses.loading && !excuses.data && <Loading />}
          <ErrorNote error={excuses.error} />
          {excuses.data && excuses.data.items.length === 0 && <p class="muted">{t("excuses.none")}</p>}
          {excuses.data && excuses.data.items.length > 0 && (
            <ul class="list excuses">
              {excuses.data.items.map((x) => {
                const course = names.get(x.course_id)
                return (
                  <li key={x.id} class="row" data-excuse={x.id}>
                    <span>
                      <strong>{course?.course_name ?? x.course_id}</strong>
                      {course && <span class="muted"> · {formatDateTime(course.start_at)}</span>}
                      <br />
                      {t(`excuses.reasons.${x.reason}`)}
                      {x.note ? ` — ${x.note}` : ""}
                      <br />
                      <span class="muted">
                        {t("excuses.submitted")} {formatDateTime(x.created_at)} · {t("excuses.file")}:{" "}
                        {x.attachment ? x.attachment.filename : t("excuses.noFile")}
                      </span>
                    </span>
                    <span class={`badge badge-excuse-${x.status}`}>{t(`excuses.statuses.${x.status}`)}</span>
                  </li>
                )
              })}
            </ul>
          )}
        </section>
      </div>
    </Frame>
  )
}

/** The submit form; checks the attachment before sending anything. */
const ExcuseForm = ({
  slug,
  courses,
  onSent
}: {
  slug: string
  courses: ReadonlyArray<HistoryEntry>
  onSent: () => void
}) => {
  const t = useT("student")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [sent, setSent] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const form = new FormData(formEl)
    const file = form.get("attachment")
    setError(undefined)
    setProblem(undefined)
    setSent(false)
    const hasFile = file instanceof File && file.size > 0
    if (hasFile && file.size > MAX_ATTACHMENT_BYTES)
      return setProblem(t("excuses.tooLarge", { name: file.name, size: formatSize(file.size) }))
    if (hasFile && !(ATTACHMENT_TYPES as ReadonlyArray<string>).includes(file.type))
      return setProblem(t("excuses.badType", { name: file.name }))
    setBusy(true)
    try {
      const note = String(form.get("note") ?? "").trim()
      const payload: SubmitExcuse = {
        course_id: String(form.get("course")) as SubmitExcuse["course_id"],
        reason: String(form.get("reason")) as ExcuseReason,
        ...(note ? { note } : {}),
        ...(hasFile
          ? {
              attachment: {
                filename: file.name,
                content_type: file.type as (typeof ATTACHMENT_TYPES)[number],
                data_base64: await toBase64(file)
              }
            }
          : {})
      }
      await call(AttendanceApi, (c) => c.attendance.submitExcuse({ path: { slug }, payload }))
      formEl.reset()
      setSent(true)
      onSent()
    } catch (e) {
      const err = e as ApiError
      if (err.status === 413) setProblem(t("excuses.serverTooLarge"))
      else if (err.status === 415) setProblem(t("excuses.serverBadType"))
      else setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="stack" onSubmit={submit}>
      <label>
        {t("excuses.course")}
        <select name="course" required>
          <option value="">{t("excuses.chooseCourse")}</option>
          {courses.map((c) => (
            <option key={c.course_id} value={c.course_id}>
              {c.course_name} · {formatDateTime(c.start_at)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("excuses.reason")}
        <select name="reason" required>
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`excuses.reasons.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("excuses.note")}
        <textarea name="note" rows={3} maxLength={2000} />
      </label>
      <label>
        {t("excuses.attachment")}
        <input name="attachment" type="file" accept={ATTACHMENT_TYPES.join(",")} />
      </label>
      <button type="submit" disabled={busy}>
        {t("excuses.submit")}
      </button>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <ErrorNote error={error} />
      {sent && (
        <output class="block ok" aria-live="polite">
          {t("excuses.sent")}
        </output>
      )}
    </form>
  )
}
