/**
 * The student area (`/t/{slug}/student/*`): today's courses with their
 * status; history (`/history`) and excuses (`/excuses`).
 *
 * @module
 */
import "./student.css"

import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { DateTime } from "effect"
import { Route, Router } from "preact-iso"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, RequireUser, useLoad } from "../../app/ui.js"
import { Excuses } from "./Excuses.js"
import { History } from "./History.js"

/**
 * The query behind "Today": the history of courses starting from the day
 * before this midnight (the browser's zone) to the next one, so that a
 * course begun before midnight and still running is among them; `isToday`
 * keeps the ones that overlap today.
 */
const todayQuery = () => {
  const start = new Date()
  start.setHours(0, 0, 0, 0)
  const end = new Date(start)
  end.setDate(end.getDate() + 1)
  const before = new Date(start)
  before.setDate(before.getDate() - 1)
  return {
    urlParams: { from: before.toISOString(), to: end.toISOString() },
    isToday: (e: { readonly end_at: DateTime.Utc }) => DateTime.toEpochMillis(e.end_at) > start.getTime()
  }
}

/** Today's courses with the student's result. */
const Today = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("student")
  const { data, error, loading } = useLoad(() => {
    const { urlParams, isToday } = todayQuery()
    return call(AttendanceApi, (c) => c.attendance.studentHistory({ path: { slug, id: user.id }, urlParams })).then(
      (h) => h.entries.filter(isToday)
    )
  }, [slug, user.id])
  return (
    <Frame slug={slug} user={user} title={t("today.title")}>
      {loading && <Loading />}
      <ErrorNote error={error} />
      <p class="muted">{t("today.signHint")}</p>
      {data && data.length === 0 && <p class="muted">{t("today.none")}</p>}
      {data && data.length > 0 && (
        <ul class="list today">
          {data.map((e) => (
            <li key={e.course_id} class="row" data-course={e.course_id}>
              <span>
                <strong>{e.course_name}</strong>
                <br />
                <span class="muted">{formatDateTime(e.start_at, undefined, "time")}</span>
              </span>
              <span class={`badge badge-${(e.result ?? "none").toLowerCase()}`}>
                {t(`today.status.${e.result ?? "none"}`)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Frame>
  )
}

/** The student area's routes. */
export const StudentArea = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>
    {(user) => (
      <Router>
        {[
          <Route key="history" path="/history" component={() => <History slug={slug} user={user} />} />,
          <Route key="excuses" path="/excuses" component={() => <Excuses slug={slug} user={user} />} />,
          <Route key="today" default component={() => <Today slug={slug} user={user} />} />
        ]}
      </Router>
    )}
  </RequireUser>
)
