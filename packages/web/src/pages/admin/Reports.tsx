/**
 * Attendance reports (`/t/{slug}/admin/reports`, issue 17 "attendance
 * reports with charts and CSV download"): a school or one of its groups over
 * a date range (`attendance.report`), the totals as a Chart.js bar
 * chart and a per-student table, and the same report as a CSV file
 * (`attendance.reportCsv`, saved through a Blob link).
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { AttendanceReport } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { BarChart } from "../../app/Chart.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame, useLoad } from "../../app/ui.js"
import { download, field, SchoolSelect, TableWrap, useAction, useSchools } from "./shared.js"

const ymd = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`

interface Query {
  readonly scope: "school" | "group"
  readonly id: string
  readonly from: string
  readonly to: string
}

/** The reports page. */
export const Reports = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const schools = useSchools(slug)
  const [schoolId, setSchoolId] = useState("")
  const school = schools.data?.items.find((s) => s.id === schoolId) ?? schools.data?.items[0]
  const groups = useLoad(
    () =>
      school
        ? call(AcademicsApi, (c) =>
            c.academics.listGroups({ path: { slug }, urlParams: { school_id: school.id, limit: 200 } })
          )
        : Promise.resolve(undefined),
    [slug, school?.id]
  )
  const action = useAction()
  const csv = useAction()
  const [report, setReport] = useState<{ q: Query; r: AttendanceReport } | undefined>(undefined)
  const query = (f: HTMLFormElement): Query => {
    const group = field(f, "group_id")
    return {
      scope: group ? "group" : "school",
      id: group || school?.id || "",
      from: new Date(`${field(f, "from")}T00:00:00`).toISOString(),
      to: new Date(new Date(`${field(f, "to")}T00:00:00`).getTime() + 86_400_000).toISOString()
    }
  }
  const submit = (ev: Event) => {
    ev.preventDefault()
    const q = query(ev.target as HTMLFormElement)
    void action
      .run(() => call(AttendanceApi, (c) => c.attendance.report({ path: { slug }, urlParams: q })))
      .then((r) => r && setReport({ q, r }))
  }
  const saveCsv = () => {
    if (!report) return
    void csv.run(async () => {
      const text = await call(AttendanceApi, (c) => c.attendance.reportCsv({ path: { slug }, urlParams: report.q }))
      download(`attendance-${report.q.scope}-${report.q.from.slice(0, 10)}.csv`, text)
      return text
    })
  }
  const monthAgo = new Date(Date.now() - 30 * 86_400_000)
  return (
    <Frame slug={slug} user={user} title={t("reports.title")}>
      <form class="card form-grid" onSubmit={submit}>
        <SchoolSelect slug={slug} name="school_id" label={t("reports.school")} onChange={setSchoolId} />
        <label>
          {t("reports.group")}
          <select name="group_id">
            <option value="">{t("reports.wholeSchool")}</option>
            {groups.data?.items.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("reports.from")}
          <input name="from" type="date" required defaultValue={ymd(monthAgo)} />
        </label>
        <label>
          {t("reports.to")}
          <input name="to" type="date" required defaultValue={ymd(new Date())} />
        </label>
        <button type="submit" disabled={action.busy || !school}>
          {t("reports.show")}
        </button>
      </form>
      <ErrorNote error={action.error} />
      {report && <ReportView report={report.r} />}
      {report && (
        <p>
          <button type="button" class="secondary" onClick={saveCsv} disabled={csv.busy}>
            {t("reports.csv")}
          </button>
        </p>
      )}
      <ErrorNote error={csv.error} />
    </Frame>
  )
}

const KINDS = ["present", "late", "absent", "excused", "unmarked"] as const

/** Each kind's colour (the app's CSS variables). */
const TONE: Record<(typeof KINDS)[number], string> = {
  present: "--ok",
  late: "--late",
  absent: "--bad",
  excused: "--muted",
  unmarked: "--muted"
}

const ReportView = ({ report }: { report: AttendanceReport }) => {
  const t = useT("admin")
  const rate = (r: number | null) => (r === null ? "—" : `${Math.round(r * 100)} %`)
  return (
    <section class="admin-section">
      <h2>{t("reports.result", { count: report.courses, courses: report.courses })}</h2>
      <p>
        {t("reports.rate")}: <strong>{rate(report.totals.rate)}</strong>
      </p>
      <BarChart
        title={t("reports.chart")}
        bars={KINDS.map((k) => ({ label: t(`reports.kind.${k}`), value: report.totals[k], tone: TONE[k] }))}
      />
      {report.lines.length === 0 ? (
        <p class="muted">{t("reports.empty")}</p>
      ) : (
        <TableWrap>
          <table>
            <caption>{t("reports.students")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("reports.student")}</th>
                {KINDS.map((k) => (
                  <th key={k} scope="col">
                    {t(`reports.kind.${k}`)}
                  </th>
                ))}
                <th scope="col">{t("reports.rate")}</th>
              </tr>
            </thead>
            <tbody>
              {report.lines.map((l) => (
                <tr key={l.student_id}>
                  <td>{l.name ?? l.email ?? l.student_id}</td>
                  {KINDS.map((k) => (
                    <td key={k}>{l.totals[k]}</td>
                  ))}
                  <td>{rate(l.totals.rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  )
}
