/**
 * The live roll (`/t/{slug}/teacher/courses/{id}`, issue 17 "Teacher: live
 * roll, bulk marking"): every enrolled student and their result, re-read
 * with the typed client whenever the live roll's event stream (Server-Sent
 * Events) says a signature changed; bulk marking PRESENT / LATE / ABSENT /
 * EXCUSED (checkboxes + `markRoll`); the roll as a CSV download.
 *
 * "Close the course" (`closeCourse`, the course's teachers): signing closes
 * and the students still unmarked become ABSENT, after a confirmation.
 *
 * @module
 */
import type { CourseId } from "@signet/contracts/academics/Domain"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import type { CourseRoll } from "@signet/contracts/attendance/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { download, useLiveRoll } from "./shared.js"

const RESULTS = ["PRESENT", "LATE", "ABSENT", "EXCUSED"] as const
type Result = (typeof RESULTS)[number]
const BADGE: Record<string, string> = { PRESENT: "accepted", LATE: "late", ABSENT: "refused", EXCUSED: "pending" }

/** Names of the course's students (the course report's lines), by id. */
const useNames = (slug: string, id: string) =>
  useLoad(
    () =>
      call(AttendanceApi, (c) => c.attendance.report({ path: { slug }, urlParams: { scope: "course", id } })).then(
        (r) => new Map(r.lines.map((l) => [l.student_id as string, l.name ?? l.email ?? l.student_id])),
        () => new Map<string, string>()
      ),
    [slug, id]
  )

/** The roll's table with a checkbox per student. */
const RollTable = ({
  roll,
  names,
  selected,
  toggle
}: {
  roll: CourseRoll
  names: ReadonlyMap<string, string>
  selected: ReadonlySet<string>
  toggle: (id: string | "all") => void
}) => {
  const t = useT("teacher")
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label={t("roll.selectAll")}
                checked={selected.size === roll.entries.length && roll.entries.length > 0}
                onChange={() => toggle("all")}
              />
            </th>
            <th scope="col">{t("roll.student")}</th>
            <th scope="col">{t("roll.result")}</th>
            <th scope="col">{t("roll.signedAt")}</th>
          </tr>
        </thead>
        <tbody>
          {roll.entries.map((e) => {
            const name = names.get(e.student_id) ?? e.student_id
            return (
              <tr key={e.student_id} data-student={e.student_id} data-result={e.result ?? "UNMARKED"}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t("roll.select", { name })}
                    checked={selected.has(e.student_id)}
                    onChange={() => toggle(e.student_id)}
                  />
                </td>
                <th scope="row">{name}</th>
                <td>
                  <span class={`badge badge-${BADGE[e.result ?? ""] ?? "none"}`}>
                    {t(`result.${e.result ?? "UNMARKED"}`)}
                  </span>
                </td>
                <td>{e.signed_at ? formatDateTime(e.signed_at, undefined, "time") : ""}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** The live roll page. */
export const Roll = ({ slug, user, id }: { slug: string; user: User; id: string }) => {
  const t = useT("teacher")
  const courseId = id as CourseId
  const roll = useLoad(
    () => call(AttendanceApi, (c) => c.attendance.getRoll({ path: { slug, id: courseId } })),
    [slug, id]
  )
  const names = useNames(slug, id)
  const live = useLiveRoll(slug, id, () => roll.reload())
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [mark, setMark] = useState<Result>("PRESENT")
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [done, setDone] = useState<string | undefined>(undefined)
  const toggle = (sid: string) => {
    const all = roll.data?.entries.map((e) => e.student_id as string) ?? []
    setSelected((s) => {
      if (sid === "all") return s.size === all.length ? new Set() : new Set(all)
      const n = new Set(s)
      if (n.has(sid)) n.delete(sid)
      else n.add(sid)
      return n
    })
  }
  const apply = async () => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      const r = await call(AttendanceApi, (c) =>
        c.attendance.markRoll({
          path: { slug, id: courseId },
          payload: { marks: [...selected].map((student_id) => ({ student_id, result: mark })) as never }
        })
      )
      setDone(t("roll.marked", { count: r.marked }))
      setSelected(new Set())
      roll.reload()
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError("Error", String(e)))
    } finally {
      setBusy(false)
    }
  }
  const close = async () => {
    if (!window.confirm(t("roll.closeConfirm", { count: roll.data?.counts.UNMARKED ?? 0 }))) return
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      const r = await call(AttendanceApi, (c) => c.attendance.closeCourse({ path: { slug, id: courseId } }))
      setDone(t("roll.closedNow", { count: r.absences }))
      roll.reload()
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError("Error", String(e)))
    } finally {
      setBusy(false)
    }
  }
  const csv = async () => {
    try {
      const text = await call(AttendanceApi, (c) => c.attendance.getRollCsv({ path: { slug, id: courseId } }))
      download(`roll-${roll.data?.course_name ?? id}.csv`.replace(/[^\w.-]+/g, "_"), text)
    } catch (e) {
      setError(e as ApiError)
    }
  }
  const data = roll.data
  return (
    <Frame slug={slug} user={user} title={data ? data.course_name : t("roll.title")}>
      {!data && roll.loading && <Loading />}
      <ErrorNote error={roll.error} />
      {data && (
        <>
          <p class="muted">
            {formatDateTime(data.start_at)} – {formatDateTime(data.end_at, undefined, "time")} ·{" "}
            <output class="live-state" data-state={live}>
              {t(`roll.live.${live}`)}
            </output>
            {data.closed && <> · {t("roll.closed")}</>}
          </p>
          <p class="roll-counts">
            {RESULTS.map((r) => `${t(`result.${r}`)} ${data.counts[r]}`).join(" · ")} ·{" "}
            {`${t("result.UNMARKED")} ${data.counts.UNMARKED}`}
          </p>
          <div class="roll-actions">
            <label for="mark">{t("roll.markAs")}</label>
            <select id="mark" value={mark} onChange={(e) => setMark((e.target as HTMLSelectElement).value as Result)}>
              {RESULTS.map((r) => (
                <option key={r} value={r}>
                  {t(`result.${r}`)}
                </option>
              ))}
            </select>
            <button type="button" disabled={busy || selected.size === 0} onClick={() => void apply()}>
              {t("roll.apply", { count: selected.size })}
            </button>
            <button type="button" class="secondary" onClick={() => void csv()}>
              {t("roll.csv")}
            </button>
            <a href={`/t/${encodeURIComponent(slug)}/teacher/courses/${id}/screen`}>{t("today.screen")}</a>
            {!data.closed && (
              <button type="button" class="danger" disabled={busy} onClick={() => void close()}>
                {t("roll.close")}
              </button>
            )}
          </div>
          <ErrorNote error={error} />
          {done && <output class="block">{done}</output>}
          <RollTable roll={data} names={names.data ?? new Map()} selected={selected} toggle={toggle} />
        </>
      )}
    </Frame>
  )
}
