/**
 * Editing the school structure (issue 17 "Admin: schools/classrooms/groups/
 * courses"): a rename form and a delete with an inline confirmation for any
 * listed school, classroom, group or course ({@link ItemActions}), and a
 * group's student list ({@link GroupMembers}: search the school's students,
 * add, remove — `academics.setMembers`). The server's refusals (a school
 * that still holds classrooms, a name already taken) are shown as sent.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { GroupId, School } from "@signet/contracts/academics/Domain"
import { UsersApi } from "@signet/contracts/identity/Api"
import type { UserId } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, useLoad } from "../../app/ui.js"
import { ActionNotes, field, useAction } from "./shared.js"

/** Rename and delete buttons of one listed item; `onChanged` re-reads the list. */
export const ItemActions = ({
  name,
  rename,
  remove,
  onChanged
}: {
  /** The item's current name (the form's initial value and the buttons' accessible names). */
  name: string
  rename: (name: string) => Promise<unknown>
  remove: () => Promise<unknown>
  onChanged: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const [mode, setMode] = useState<"idle" | "edit" | "confirm">("idle")
  const save = (ev: Event) => {
    ev.preventDefault()
    const next = field(ev.target as HTMLFormElement, "name")
    void action
      .run(
        () => rename(next),
        () => t("academics.renamed", { name: next })
      )
      .then((r) => {
        if (r !== undefined) {
          setMode("idle")
          onChanged()
        }
      })
  }
  const confirm = () =>
    void action
      // No note: the item leaves the list as it is read again.
      .run(() => remove())
      .then((r) => {
        if (r !== undefined) onChanged()
        setMode("idle")
      })
  return (
    <div class="item-actions">
      {mode === "idle" && (
        <span class="actions">
          <button
            type="button"
            class="link"
            onClick={() => setMode("edit")}
            aria-label={t("academics.renameOf", { name })}
          >
            {t("academics.rename")}
          </button>
          <button
            type="button"
            class="link danger"
            onClick={() => setMode("confirm")}
            aria-label={t("academics.deleteOf", { name })}
          >
            {t("academics.delete")}
          </button>
        </span>
      )}
      {mode === "edit" && (
        <form class="inline-form" onSubmit={save} aria-label={t("academics.renameOf", { name })}>
          <label>
            {t("academics.newName")}
            <input name="name" required maxLength={200} value={name} />
          </label>
          <button type="submit" disabled={action.busy}>
            {t("save")}
          </button>
          <button type="button" class="link" onClick={() => setMode("idle")}>
            {t("academics.cancel")}
          </button>
        </form>
      )}
      {mode === "confirm" && (
        <span class="actions">
          <span>{t("academics.confirmDelete", { name })}</span>
          <button type="button" class="danger" disabled={action.busy} onClick={confirm}>
            {t("academics.deleteYes")}
          </button>
          <button type="button" class="link" onClick={() => setMode("idle")}>
            {t("academics.cancel")}
          </button>
        </span>
      )}
      <ActionNotes action={action} />
    </div>
  )
}

/** Most members shown (and looked up) at once. */
const SHOWN = 100

/** A group's students: who is in it, and a search of the school's students to add. */
export const GroupMembers = ({
  slug,
  school,
  groupId,
  onChanged
}: {
  slug: string
  school: School
  groupId: GroupId
  onChanged: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const [q, setQ] = useState("")
  const members = useLoad(async () => {
    const ids = await call(AcademicsApi, (c) => c.academics.listMembers({ path: { slug, id: groupId } }))
    const users = await Promise.all(
      ids.slice(0, SHOWN).map((id) => call(UsersApi, (c) => c.users.get({ path: { slug, id } })))
    )
    return { ids, users }
  }, [slug, groupId])
  const found = useLoad(
    () =>
      q
        ? call(UsersApi, (c) =>
            c.users.list({ path: { slug }, urlParams: { q, user_type: "student", school_id: school.id, limit: 10 } })
          )
        : Promise.resolve(undefined),
    [slug, school.id, q]
  )
  const setMembers = (ids: ReadonlyArray<UserId>, note: string) =>
    void action
      .run(
        () =>
          call(AcademicsApi, (c) =>
            c.academics.setMembers({ path: { slug, id: groupId }, payload: { student_ids: ids } })
          ),
        () => note
      )
      .then((r) => {
        if (r !== undefined) {
          members.reload()
          onChanged()
        }
      })
  const ids = members.data?.ids ?? []
  const fullName = (u: { given_name: string; family_name: string }) => `${u.given_name} ${u.family_name}`
  return (
    <div class="card stack members">
      <ErrorNote error={members.error} />
      {members.data && ids.length === 0 && <p class="muted">{t("academics.noMembers")}</p>}
      {members.data && ids.length > 0 && (
        <ul class="list" aria-label={t("academics.memberList")}>
          {members.data.users.map((u) => (
            <li key={u.id} class="row">
              <span>{fullName(u)}</span>
              <button
                type="button"
                class="link danger"
                disabled={action.busy}
                aria-label={t("academics.removeOf", { name: fullName(u) })}
                onClick={() =>
                  setMembers(
                    ids.filter((id) => id !== u.id),
                    t("academics.removed", { name: fullName(u) })
                  )
                }
              >
                {t("academics.remove")}
              </button>
            </li>
          ))}
          {ids.length > SHOWN && <li class="muted">{t("academics.more", { count: ids.length - SHOWN })}</li>}
        </ul>
      )}
      <form
        class="inline-form"
        onSubmit={(ev) => {
          ev.preventDefault()
          setQ(field(ev.target as HTMLFormElement, "q"))
        }}
      >
        <label>
          {t("academics.findStudent")}
          <input name="q" maxLength={100} />
        </label>
        <button type="submit">{t("users.search")}</button>
      </form>
      <ErrorNote error={found.error} />
      {found.data && found.data.items.length === 0 && <p class="muted">{t("users.none")}</p>}
      {found.data && found.data.items.length > 0 && (
        <ul class="list">
          {found.data.items.map((u) => (
            <li key={u.id} class="row">
              <span>
                {fullName(u)} <span class="muted">{u.email ?? ""}</span>
              </span>
              {ids.includes(u.id) ? (
                <span class="muted">{t("academics.alreadyMember")}</span>
              ) : (
                <button
                  type="button"
                  disabled={action.busy || !members.data}
                  aria-label={t("academics.addOf", { name: fullName(u) })}
                  onClick={() => setMembers([...ids, u.id], t("academics.added", { name: fullName(u) }))}
                >
                  {t("academics.add")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ActionNotes action={action} />
    </div>
  )
}
