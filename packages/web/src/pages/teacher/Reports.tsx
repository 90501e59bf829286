/**
 * Reports (`/t/{slug}/teacher/reports`, issue 17 "Teacher: reports for
 * their own courses"): attendance of the teacher's courses of the last 30
 * days — each course's roll counts — as a table, an accessible SVG bar chart
 * of the attendance rate, and a CSV download of the same numbers.
 *
 * Rate = (PRESENT + LATE) / (PRESENT + LATE + ABSENT), as core counts it
 * (EXCUSED and unmarked left out).
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { CourseRoll } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { call } from "../../app/api.js"
import { BarChart } from "../../app/Chart.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { download } from "./shared.js"

const DAYS = 30

const rateOf = (r: CourseRoll): number | null => {
  const counted = r.counts.PRESENT + r.counts.LATE + r.counts.ABSENT
  return counted === 0 ? null : (r.counts.PRESENT + r.counts.LATE) / counted
}

/** The teacher's courses of the last {@link DAYS} days with their rolls (at most 50 courses). */
const loadRolls = (slug: string, user: User) => {
  // A variable, not a literal: `ListBy`'s extra fields are lost in the contract's static type (not at run time).
  const urlParams = {
    teacher_id: user.id,
    limit: 50,
    from: new Date(Date.now() - DAYS * 86_400_000).toISOString(),
    to: new Date().toISOString()
  }
  return call(AcademicsApi, (c) => c.academics.listCourses({ path: { slug }, urlParams })).then((page) =>
    Promise.all(
      page.items.map((course) => call(AttendanceApi, (c) => c.attendance.getRoll({ path: { slug, id: course.id } })))
    )
  )
}

/** The attendance rate per course as bars (courses without a rate yet are left out; the table has them). */
const RateChart = ({ rolls }: { rolls: ReadonlyArray<CourseRoll> }) => {
  const t = useT("teacher")
  const bars = rolls.flatMap((r) => {
    const rate = rateOf(r)
    return rate === null ? [] : [{ label: r.course_name.slice(0, 22), value: Math.round(rate * 100) }]
  })
  return bars.length === 0 ? null : <BarChart title={t("reports.chart")} bars={bars} unit=" %" max={100} />
}

/** The reports page. */
export const Reports = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("teacher")
  const { data, error, loading } = useLoad(() => loadRolls(slug, user), [slug, user.id])
  const csv = () => {
    const head = "course,start_at,present,late,absent,excused,unmarked,rate"
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
    const lines = (data ?? []).map((r) =>
      [
        quote(r.course_name),
        new Date(r.start_at.epochMillis).toISOString(),
        r.counts.PRESENT,
        r.counts.LATE,
        r.counts.ABSENT,
        r.counts.EXCUSED,
        r.counts.UNMARKED,
        rateOf(r)?.toFixed(3) ?? ""
      ].join(",")
    )
    download("attendance-report.csv", `${[head, ...lines].join("\r\n")}\r\n`)
  }
  return (
    <Frame slug={slug} user={user} title={t("reports.title")}>
      <p class="muted">{t("reports.range", { days: DAYS })}</p>
      {loading && <Loading />}
      <ErrorNote error={error} />
      {data && data.length === 0 && <p class="muted">{t("reports.none")}</p>}
      {data && data.length > 0 && (
        <>
          <div class="toolbar">
            <button type="button" class="secondary" onClick={csv}>
              {t("reports.csv")}
            </button>
          </div>
          <RateChart rolls={data} />
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("reports.course")}</th>
                  <th scope="col">{t("result.PRESENT")}</th>
                  <th scope="col">{t("result.LATE")}</th>
                  <th scope="col">{t("result.ABSENT")}</th>
                  <th scope="col">{t("result.EXCUSED")}</th>
                  <th scope="col">{t("reports.rate")}</th>
                </tr>
              </thead>
              <tbody>
                {data.map((r) => {
                  const rate = rateOf(r)
                  return (
                    <tr key={r.course_id}>
                      <th scope="row">
                        {r.course_name}
                        <br />
                        <span class="muted">{formatDateTime(r.start_at)}</span>
                      </th>
                      <td>{r.counts.PRESENT}</td>
                      <td>{r.counts.LATE}</td>
                      <td>{r.counts.ABSENT}</td>
                      <td>{r.counts.EXCUSED}</td>
                      <td>{rate === null ? "–" : `${Math.round(rate * 100)} %`}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Frame>
  )
}
