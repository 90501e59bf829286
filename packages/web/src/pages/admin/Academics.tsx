/**
 * School structure (`/t/{slug}/admin/academics`, issue 17 "schools/
 * classrooms/groups/courses"): lists with create forms — schools (name,
 * code, time zone), classrooms and groups of a school (groups with their
 * member count and student list), and the courses of one day (in the
 * school's time zone) — each item renamed or deleted in place
 * (`AcademicsEdit.tsx`).
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { School, SchoolId } from "@signet/contracts/academics/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { GroupMembers, ItemActions } from "./AcademicsEdit.js"
import { ActionNotes, field, Section, timelineHref, useAction, useSchools } from "./shared.js"

/** The school-structure page. */
export const Academics = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const schools = useSchools(slug)
  const [schoolId, setSchoolId] = useState<string>("")
  const school = schools.data?.items.find((s) => s.id === schoolId) ?? schools.data?.items[0]
  return (
    <Frame slug={slug} user={user} title={t("academics.title")}>
      <Schools slug={slug} schools={schools.data?.items ?? []} onCreated={schools.reload} />
      {schools.loading && <Loading />}
      <ErrorNote error={schools.error} />
      {school && (
        <>
          <label class="toolbar">
            {t("academics.school")}
            <select value={school.id} onChange={(e) => setSchoolId((e.target as HTMLSelectElement).value)}>
              {schools.data?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <Classrooms slug={slug} school={school} />
          <Groups slug={slug} school={school} />
          <Courses slug={slug} school={school} />
        </>
      )}
    </Frame>
  )
}

const Schools = ({
  slug,
  schools,
  onCreated
}: {
  slug: string
  schools: ReadonlyArray<School>
  onCreated: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const code = field(f, "code")
    const timezone = field(f, "timezone")
    void action
      .run(
        () =>
          call(AcademicsApi, (c) =>
            c.academics.createSchool({
              path: { slug },
              payload: { name: field(f, "name"), ...(code ? { code } : {}), ...(timezone ? { timezone } : {}) }
            })
          ),
        (s) => t("academics.created", { name: s.name })
      )
      .then((s) => {
        if (s) {
          f.reset()
          onCreated()
        }
      })
  }
  return (
    <Section title={t("academics.schools")}>
      {schools.length === 0 ? (
        <p class="muted">{t("academics.noSchools")}</p>
      ) : (
        <ul class="list">
          {schools.map((s) => (
            <li key={s.id} class="row">
              <span>
                <strong>{s.name}</strong> {s.code && <span class="muted">({s.code})</span>}
              </span>
              <span class="muted">{s.timezone}</span>
              <ItemActions
                name={s.name}
                rename={(name) =>
                  call(AcademicsApi, (c) => c.academics.updateSchool({ path: { slug, id: s.id }, payload: { name } }))
                }
                remove={() => call(AcademicsApi, (c) => c.academics.deleteSchool({ path: { slug, id: s.id } }))}
                onChanged={onCreated}
              />
            </li>
          ))}
        </ul>
      )}
      <form class="card form-grid" onSubmit={submit} aria-label={t("academics.newSchool")}>
        <label>
          {t("academics.name")}
          <input name="name" required />
        </label>
        <label>
          {t("academics.code")}
          <input name="code" />
        </label>
        <label>
          {t("academics.timezone")}
          <input name="timezone" placeholder="Europe/Paris" />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("academics.newSchool")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}

const Classrooms = ({ slug, school }: { slug: string; school: School }) => {
  const t = useT("admin")
  const list = useLoad(
    () =>
      call(AcademicsApi, (c) =>
        c.academics.listClassrooms({ path: { slug }, urlParams: { school_id: school.id, limit: 200 } })
      ),
    [slug, school.id]
  )
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const capacity = Number(field(f, "capacity"))
    void action
      .run(
        () =>
          call(AcademicsApi, (c) =>
            c.academics.createClassroom({
              path: { slug },
              payload: {
                school_id: school.id,
                name: field(f, "name"),
                code: field(f, "code"),
                ...(capacity > 0 ? { capacity } : {})
              }
            })
          ),
        (r) => t("academics.created", { name: r.name })
      )
      .then((r) => {
        if (r) {
          f.reset()
          list.reload()
        }
      })
  }
  return (
    <Section title={t("academics.classrooms")}>
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t("academics.none")}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul class="list">
          {list.data.items.map((r) => (
            <li key={r.id} class="row">
              <span>
                <strong>{r.name}</strong> <span class="muted">({r.code})</span>
              </span>
              <span class="muted">{r.capacity ?? ""}</span>
              <ItemActions
                name={r.name}
                rename={(name) =>
                  call(AcademicsApi, (c) =>
                    c.academics.updateClassroom({ path: { slug, id: r.id }, payload: { name } })
                  )
                }
                remove={() => call(AcademicsApi, (c) => c.academics.deleteClassroom({ path: { slug, id: r.id } }))}
                onChanged={list.reload}
              />
            </li>
          ))}
        </ul>
      )}
      <form class="card form-grid" onSubmit={submit} aria-label={t("academics.newClassroom")}>
        <label>
          {t("academics.name")}
          <input name="name" required />
        </label>
        <label>
          {t("academics.code")}
          <input name="code" required />
        </label>
        <label>
          {t("academics.capacity")}
          <input name="capacity" type="number" min={1} max={10000} />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("academics.newClassroom")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}

const Groups = ({ slug, school }: { slug: string; school: School }) => {
  const t = useT("admin")
  const [open, setOpen] = useState<string | undefined>(undefined)
  const list = useLoad(
    () =>
      call(AcademicsApi, (c) =>
        c.academics.listGroups({ path: { slug }, urlParams: { school_id: school.id, limit: 200 } })
      ),
    [slug, school.id]
  )
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const code = field(f, "code")
    void action
      .run(
        () =>
          call(AcademicsApi, (c) =>
            c.academics.createGroup({
              path: { slug },
              payload: { school_id: school.id, name: field(f, "name"), ...(code ? { code } : {}) }
            })
          ),
        (g) => t("academics.created", { name: g.name })
      )
      .then((g) => {
        if (g) {
          f.reset()
          list.reload()
        }
      })
  }
  return (
    <Section title={t("academics.groups")}>
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t("academics.none")}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul class="list">
          {list.data.items.map((g) => (
            <li key={g.id} class="row">
              <span>
                <strong>{g.name}</strong> {g.code && <span class="muted">({g.code})</span>}
              </span>
              <button
                type="button"
                class="badge"
                aria-expanded={open === g.id}
                onClick={() => setOpen(open === g.id ? undefined : g.id)}
              >
                {t("academics.members", { count: g.member_count })}
              </button>
              <a
                href={timelineHref(slug, "group", g.id, g.name)}
                aria-label={t("timeline.linkLabel", { name: g.name })}
              >
                {t("timeline.link")}
              </a>
              <ItemActions
                name={g.name}
                rename={(name) =>
                  call(AcademicsApi, (c) => c.academics.updateGroup({ path: { slug, id: g.id }, payload: { name } }))
                }
                remove={() => call(AcademicsApi, (c) => c.academics.deleteGroup({ path: { slug, id: g.id } }))}
                onChanged={list.reload}
              />
              {open === g.id && <GroupMembers slug={slug} school={school} groupId={g.id} onChanged={list.reload} />}
            </li>
          ))}
        </ul>
      )}
      <form class="card form-grid" onSubmit={submit} aria-label={t("academics.newGroup")}>
        <label>
          {t("academics.name")}
          <input name="name" required />
        </label>
        <label>
          {t("academics.code")}
          <input name="code" />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("academics.newGroup")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}

/** `YYYY-MM-DD` of today in the browser's zone. */
const today = () => {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
}

const Courses = ({ slug, school }: { slug: string; school: School }) => {
  const t = useT("admin")
  const [day, setDay] = useState(today())
  const list = useLoad(() => {
    const from = new Date(`${day}T00:00:00`)
    const to = new Date(from.getTime() + 86_400_000)
    return call(AcademicsApi, (c) =>
      c.academics.listCourses({
        path: { slug },
        urlParams: { school_id: school.id as SchoolId, from: from.toISOString(), to: to.toISOString(), limit: 200 }
      })
    )
  }, [slug, school.id, day])
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const start = new Date(`${day}T${field(f, "start")}`)
    const end = new Date(`${day}T${field(f, "end")}`)
    void action
      .run(
        () =>
          call(AcademicsApi, (c) =>
            c.academics.createCourse({
              path: { slug },
              payload: {
                school_id: school.id,
                name: field(f, "name"),
                start_at: start.toISOString(),
                end_at: end.toISOString()
              }
            })
          ),
        (x) => t("academics.created", { name: x.name })
      )
      .then((x) => {
        if (x) list.reload()
      })
  }
  return (
    <Section title={t("academics.courses")}>
      <label class="toolbar">
        {t("academics.day")}
        <input type="date" value={day} onChange={(e) => setDay((e.target as HTMLInputElement).value || today())} />
      </label>
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t("academics.noCourses")}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul class="list">
          {list.data.items.map((x) => (
            <li key={x.id} class="row">
              <span>
                <strong>{x.name}</strong>
                <br />
                <span class="muted">
                  {formatDateTime(x.start_at, school.timezone, "time")}–
                  {formatDateTime(x.end_at, school.timezone, "time")}
                </span>
              </span>
              <span class="muted">{x.signature_closed ? t("academics.closed") : ""}</span>
              <a
                href={timelineHref(slug, "course", x.id, x.name)}
                aria-label={t("timeline.linkLabel", { name: x.name })}
              >
                {t("timeline.link")}
              </a>
              <ItemActions
                name={x.name}
                rename={(name) =>
                  call(AcademicsApi, (c) => c.academics.updateCourse({ path: { slug, id: x.id }, payload: { name } }))
                }
                remove={() => call(AcademicsApi, (c) => c.academics.deleteCourse({ path: { slug, id: x.id } }))}
                onChanged={list.reload}
              />
            </li>
          ))}
        </ul>
      )}
      <form class="card form-grid" onSubmit={submit} aria-label={t("academics.newCourse")}>
        <label>
          {t("academics.name")}
          <input name="name" required />
        </label>
        <label>
          {t("academics.start")}
          <input name="start" type="time" required />
        </label>
        <label>
          {t("academics.end")}
          <input name="end" type="time" required />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("academics.newCourse")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}
