/**
 * The student's own attendance (`/t/{slug}/student/history`, issue 17
 * "Student: own history and attendance rate"): a date range (the last 30
 * days by default), the totals, the rate in words and as a percentage
 * (`(PRESENT + LATE) / (PRESENT + LATE + ABSENT)`, excused and unmarked
 * courses left out, as the server counts it), and each course's result.
 *
 * @module
 */
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { AttendanceCounts } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, language, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"

/** `YYYY-MM-DD` of a local date. */
const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`

/** A `YYYY-MM-DD` range of local days as instants: from the first day's midnight to the day after the last. */
export const dayRange = (from: string, to: string) => {
  const start = new Date(`${from}T00:00:00`)
  const end = new Date(`${to}T00:00:00`)
  end.setDate(end.getDate() + 1)
  return { from: start.toISOString(), to: end.toISOString() }
}

/** The last `days` days up to today, as `YYYY-MM-DD` strings. */
export const lastDays = (days: number) => {
  const to = new Date()
  const from = new Date()
  from.setDate(from.getDate() - (days - 1))
  return { from: isoDay(from), to: isoDay(to) }
}

/** The rate in words and as a percentage. */
const Rate = ({ totals }: { totals: AttendanceCounts }) => {
  const t = useT("student")
  const attended = totals.present + totals.late
  const counted = attended + totals.absent
  if (totals.rate === null || counted === 0) return <p>{t("history.rateNone")}</p>
  const percent = new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 1 }).format(totals.rate)
  return (
    <p class="rate">
      <strong class="rate-figure">{percent}</strong> {t("history.rate", { attended, counted, percent })}
    </p>
  )
}

/** The history page of `user` (a student). */
export const History = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("student")
  const [range, setRange] = useState(() => lastDays(30))
  const [bad, setBad] = useState(false)
  const { data, error, loading } = useLoad(
    () =>
      call(AttendanceApi, (c) =>
        c.attendance.studentHistory({ path: { slug, id: user.id }, urlParams: dayRange(range.from, range.to) })
      ),
    [slug, user.id, range.from, range.to]
  )
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    const from = String(form.get("from") ?? "")
    const to = String(form.get("to") ?? "")
    setBad(!from || !to || from > to)
    if (from && to && from <= to) setRange({ from, to })
  }
  const totals: ReadonlyArray<[keyof AttendanceCounts, string]> = [
    ["courses", t("history.courses")],
    ["present", t("history.present")],
    ["late", t("history.late")],
    ["absent", t("history.absent")],
    ["excused", t("history.excused")],
    ["unmarked", t("history.unmarked")]
  ]
  return (
    <Frame slug={slug} user={user} title={t("history.title")}>
      <form class="toolbar" onSubmit={submit}>
        <label>
          {t("history.from")}
          <input name="from" type="date" defaultValue={range.from} required />
        </label>
        <label>
          {t("history.to")}
          <input name="to" type="date" defaultValue={range.to} required />
        </label>
        <button type="submit">{t("history.show")}</button>
      </form>
      {bad && (
        <p class="error" role="alert">
          {t("history.badRange")}
        </p>
      )}
      {loading && <Loading />}
      <ErrorNote error={error} />
      {data && (
        <div class="student-grid">
          <section class="card" aria-labelledby="rate-h">
            <h2 id="rate-h">{t("history.rateTitle")}</h2>
            <Rate totals={data.totals} />
          </section>
          <section class="card" aria-labelledby="totals-h">
            <h2 id="totals-h">{t("history.totals")}</h2>
            <dl class="totals">
              {totals.map(([k, label]) => (
                <div key={k}>
                  <dt>{label}</dt>
                  <dd data-total={k}>{String(data.totals[k])}</dd>
                </div>
              ))}
            </dl>
          </section>
        </div>
      )}
      {data && data.entries.length === 0 && <p class="muted">{t("history.none")}</p>}
      {data && data.entries.length > 0 && (
        <>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable) */}
          <section class="table-wrap" tabIndex={0} aria-label={t("history.title")}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("history.date")}</th>
                  <th scope="col">{t("history.course")}</th>
                  <th scope="col">{t("history.result")}</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr key={e.course_id}>
                    <td>{formatDateTime(e.start_at)}</td>
                    <td>{e.course_name}</td>
                    <td>
                      <span class={`badge badge-${(e.result ?? "none").toLowerCase()}`}>
                        {t(`today.status.${e.result ?? "none"}`)}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </Frame>
  )
}
