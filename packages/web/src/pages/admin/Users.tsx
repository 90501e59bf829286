/**
 * Users (`/t/{slug}/admin`, issue 17 "Admin: users"): search and filter
 * (`users.list` url params `q`, `user_type`, `status`, `school_id`), cursor
 * pagination, a create form, and per user disable/enable, unlock, reset MFA
 * and reset password; printable sign-in cards per student group
 * (`SignInCards.tsx`, issue 18). Failures show the server's message.
 *
 * @module
 */

import { UsersApi } from "@signet/contracts/identity/Api"
import type { UserId, UserStatus, User as UserT, UserType } from "@signet/contracts/identity/Domain"
import { Effect, Redacted } from "effect"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { SignInCardsSection } from "./SignInCards.js"
import {
  ActionNotes,
  field,
  Pager,
  SchoolSelect,
  Section,
  TableWrap,
  timelineHref,
  useAction,
  useCursor
} from "./shared.js"

const TYPES: ReadonlyArray<UserType> = ["student", "teacher", "admin", "dev"]
const STATUSES: ReadonlyArray<UserStatus> = ["active", "disabled", "locked"]

interface Filters {
  readonly q?: string
  readonly user_type?: UserType
  readonly status?: UserStatus
  readonly school_id?: string
}

/** The users page. */
export const Users = ({ slug, user }: { slug: string; user: UserT }) => {
  const t = useT("admin")
  const [filters, setFilters] = useState<Filters>({})
  const pager = useCursor()
  const [n, setN] = useState(0)
  const list = useLoad(
    () =>
      call(UsersApi, (c) =>
        c.users.list({ path: { slug }, urlParams: { ...filters, cursor: pager.cursor, limit: 25 } })
      ),
    [slug, filters, pager.cursor, n]
  )
  const search = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const q = field(f, "q")
    const type = field(f, "user_type")
    const status = field(f, "status")
    const school = field(f, "school_id")
    setFilters({
      ...(q ? { q } : {}),
      ...(type ? { user_type: type as UserType } : {}),
      ...(status ? { status: status as UserStatus } : {}),
      ...(school ? { school_id: school } : {})
    })
    pager.reset()
  }
  return (
    <Frame slug={slug} user={user} title={t("users.title")}>
      <form class="toolbar" onSubmit={search}>
        <label>
          {t("users.q")}
          <input name="q" type="search" maxLength={100} />
        </label>
        <label>
          {t("users.type")}
          <select name="user_type">
            <option value="">{t("users.any")}</option>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`type.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("users.status")}
          <select name="status">
            <option value="">{t("users.any")}</option>
            {STATUSES.map((x) => (
              <option key={x} value={x}>
                {t(`status.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <SchoolSelect slug={slug} name="school_id" label={t("users.school")} optional={t("users.any")} />
        <button type="submit">{t("users.search")}</button>
      </form>
      {list.loading && <Loading />}
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t("users.none")}</p>}
      {list.data && list.data.items.length > 0 && (
        <UsersTable slug={slug} users={list.data.items} onChange={() => setN((x) => x + 1)} />
      )}
      <Pager pager={pager} next={list.data?.next_cursor} />
      <CreateUser slug={slug} onCreated={() => setN((x) => x + 1)} />
      <SignInCardsSection slug={slug} />
    </Frame>
  )
}

/** The users of a page with their actions. */
const UsersTable = ({ slug, users, onChange }: { slug: string; users: ReadonlyArray<UserT>; onChange: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const [resetFor, setResetFor] = useState<UserT | undefined>(undefined)
  const act = (u: UserT, what: "disable" | "enable" | "unlock" | "resetMfa") =>
    void action
      .run(
        () =>
          call(UsersApi, (c) => {
            const path = { path: { slug, id: u.id as UserId } }
            return what === "resetMfa" ? Effect.asVoid(c.users.resetMfa(path)) : Effect.asVoid(c.users[what](path))
          }),
        () => t(`users.done.${what}`, { email: u.email })
      )
      .then(onChange)
  return (
    <>
      <ActionNotes action={action} />
      <TableWrap>
        <table>
          <caption class="sr-only">{t("users.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("users.name")}</th>
              <th scope="col">{t("users.email")}</th>
              <th scope="col">{t("users.type")}</th>
              <th scope="col">{t("users.status")}</th>
              <th scope="col">{t("users.lastLogin")}</th>
              <th scope="col">{t("users.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-email={u.email}>
                <td>
                  {u.given_name} {u.family_name}
                </td>
                <td>{u.email}</td>
                <td>{t(`type.${u.user_type}`)}</td>
                <td>
                  <span class={`badge status-${u.status}`}>{t(`status.${u.status}`)}</span>
                  {u.mfa_enabled && <span class="muted"> · MFA</span>}
                </td>
                <td>{u.last_login_at ? formatDateTime(u.last_login_at) : "—"}</td>
                <td class="actions">
                  {u.status === "disabled" ? (
                    <button type="button" class="secondary" disabled={action.busy} onClick={() => act(u, "enable")}>
                      {t("users.enable")}
                    </button>
                  ) : (
                    <button type="button" class="danger" disabled={action.busy} onClick={() => act(u, "disable")}>
                      {t("users.disable")}
                    </button>
                  )}
                  {u.status === "locked" && (
                    <button type="button" class="secondary" disabled={action.busy} onClick={() => act(u, "unlock")}>
                      {t("users.unlock")}
                    </button>
                  )}
                  {u.mfa_enabled && (
                    <button type="button" class="secondary" disabled={action.busy} onClick={() => act(u, "resetMfa")}>
                      {t("users.resetMfa")}
                    </button>
                  )}
                  <button type="button" class="secondary" onClick={() => setResetFor(u)}>
                    {t("users.resetPassword")}
                  </button>
                  <a
                    href={timelineHref(slug, "user", u.id, `${u.given_name} ${u.family_name}`)}
                    aria-label={t("timeline.linkLabel", { name: `${u.given_name} ${u.family_name}` })}
                  >
                    {t("timeline.link")}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {resetFor && <ResetPassword slug={slug} target={resetFor} onDone={() => setResetFor(undefined)} />}
    </>
  )
}

/** Sets a user's password (admin reset; the server revokes their sessions). */
const ResetPassword = ({ slug, target, onDone }: { slug: string; target: UserT; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const pw = field(form, "new_password")
    const temporary = new FormData(form).get("temporary") === "on"
    void action.run(
      () =>
        call(UsersApi, (c) =>
          c.users.resetPassword({
            path: { slug, id: target.id as UserId },
            payload: { new_password: Redacted.make(pw), temporary }
          })
        ),
      (r) => t("users.done.resetPassword", { email: target.email, count: r.sessions_revoked })
    )
  }
  return (
    <form class="card stack" onSubmit={submit}>
      <h2>{t("users.resetPasswordFor", { email: target.email })}</h2>
      <label>
        {t("users.newPassword")}
        <input name="new_password" type="password" autocomplete="new-password" required />
      </label>
      <label class="check">
        <input type="checkbox" name="temporary" defaultChecked /> {t("users.temporaryPassword")}
      </label>
      <ActionNotes action={action} />
      <div class="toolbar">
        <button type="submit" disabled={action.busy}>
          {t("users.resetPassword")}
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          {t("close")}
        </button>
      </div>
    </form>
  )
}

/** The create-user form. */
const CreateUser = ({ slug, onCreated }: { slug: string; onCreated: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const password = field(f, "password")
    const school = field(f, "school_id")
    void action
      .run(
        () =>
          call(UsersApi, (c) =>
            c.users.create({
              path: { slug },
              payload: {
                email: field(f, "email"),
                given_name: field(f, "given_name"),
                family_name: field(f, "family_name"),
                user_type: field(f, "user_type") as UserType,
                ...(password ? { password: Redacted.make(password) } : {}),
                ...(school ? { school_id: school } : {})
              }
            })
          ),
        (u) => t("users.created", { email: u.email })
      )
      .then((u) => {
        if (u) {
          f.reset()
          onCreated()
        }
      })
  }
  return (
    <Section title={t("users.create")}>
      <form class="card form-grid" onSubmit={submit}>
        <label>
          {t("users.email")}
          <input name="email" type="email" required autocomplete="off" />
        </label>
        <label>
          {t("users.given")}
          <input name="given_name" required />
        </label>
        <label>
          {t("users.family")}
          <input name="family_name" required />
        </label>
        <label>
          {t("users.type")}
          <select name="user_type" required>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`type.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("users.password")}
          <input name="password" type="password" autocomplete="new-password" />
        </label>
        <SchoolSelect slug={slug} name="school_id" label={t("users.school")} optional={t("users.none_school")} />
        <button type="submit" disabled={action.busy}>
          {t("users.createSubmit")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}
