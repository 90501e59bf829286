/**
 * The teacher's day (`/t/{slug}/teacher`, issue 17 "Teacher: today's
 * courses"): the courses of today the signed-in teacher teaches, each with
 * links to its classroom screen and its roll.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { todayRange } from "./shared.js"

/** Today's courses of `user` (academics `listCourses`, teacher_id = me, from/to today). */
export const Today = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("teacher")
  const { data, error, loading } = useLoad(() => {
    // A variable, not a literal: `ListBy`'s extra fields are lost in the contract's static type (not at run time).
    const urlParams = { teacher_id: user.id, limit: 100, ...todayRange() }
    return call(AcademicsApi, (c) => c.academics.listCourses({ path: { slug }, urlParams }))
  }, [slug, user.id])
  const base = `/t/${encodeURIComponent(slug)}/teacher/courses`
  return (
    <Frame slug={slug} user={user} title={t("today.title")}>
      {loading && <Loading />}
      <ErrorNote error={error} />
      {data && data.items.length === 0 && <p class="muted">{t("today.none")}</p>}
      {data && data.items.length > 0 && (
        <ul class="list">
          {data.items.map((c) => (
            <li key={c.id} class="row">
              <span>
                <strong>{c.name}</strong>
                <br />
                <span class="muted">
                  {formatDateTime(c.start_at, undefined, "time")} – {formatDateTime(c.end_at, undefined, "time")}
                </span>
              </span>
              <span class="toolbar">
                <a href={`${base}/${c.id}/screen`}>{t("today.screen")}</a>
                <a href={`${base}/${c.id}`}>{t("today.roll")}</a>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Frame>
  )
}
