/**
 * The account page's profile and password sections (issue 17 "Account":
 * profile, password change).
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { SchoolId } from "@signet/contracts/academics/Domain"
import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, useLoad } from "../../app/ui.js"

/**
 * Who the user is (`me`): name, e-mail, username, account type, school (its
 * name when the user may read it, else its id) and whether two-step
 * verification is on.
 */
export const Profile = ({ slug, me }: { slug: string; me: User }) => {
  const t = useT("account")
  const school = useLoad(
    () =>
      me.school_id
        ? call(AcademicsApi, (c) => c.academics.getSchool({ path: { slug, id: me.school_id as SchoolId } })).then(
            (s) => s.name,
            () => me.school_id
          )
        : Promise.resolve(null),
    [slug, me.school_id]
  )
  const rows: Array<[string, string]> = [
    [t("profile.name"), `${me.given_name} ${me.family_name}`],
    [t("profile.email"), me.email],
    ...(me.username ? [[t("profile.username"), me.username] as [string, string]] : []),
    [t("profile.type"), t(`profile.types.${me.user_type}`, { defaultValue: me.user_type })],
    [t("profile.school"), school.data ?? (me.school_id ? "…" : t("profile.noSchool"))],
    [t("profile.mfa"), me.mfa_enabled ? t("profile.on") : t("profile.off")]
  ]
  return (
    <section class="card" aria-labelledby="profile-h">
      <h2 id="profile-h">{t("profile.title")}</h2>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

/**
 * Password change with the current password (`changePassword`); says how
 * many other sessions were signed out. `onDone` runs after a change (the
 * session list changed).
 */
export const PasswordForm = ({ slug, onDone }: { slug: string; onDone: () => void }) => {
  const t = useT("account")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [mismatch, setMismatch] = useState(false)
  const [done, setDone] = useState<number | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const form = new FormData(formEl)
    const next = String(form.get("new") ?? "")
    setDone(undefined)
    setError(undefined)
    setMismatch(next !== String(form.get("confirm") ?? ""))
    if (next !== String(form.get("confirm") ?? "")) return
    setBusy(true)
    try {
      const r = await call(SessionApi, (c) =>
        c.session.changePassword({
          path: { slug },
          payload: {
            current_password: Redacted.make(String(form.get("current") ?? "")),
            new_password: Redacted.make(next),
            sign_out_other_sessions: form.get("others") === "on"
          }
        })
      )
      formEl.reset()
      setDone(r.other_sessions_revoked)
      onDone()
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="card" aria-labelledby="password-h">
      <h2 id="password-h">{t("password.title")}</h2>
      <form class="stack" onSubmit={submit}>
        <label>
          {t("password.current")}
          <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <label>
          {t("password.new")}
          <input name="new" type="password" autocomplete="new-password" required />
        </label>
        <label>
          {t("password.confirm")}
          <input name="confirm" type="password" autocomplete="new-password" required />
        </label>
        <label class="check">
          <input name="others" type="checkbox" defaultChecked />
          {t("password.others")}
        </label>
        <button type="submit" disabled={busy}>
          {t("password.submit")}
        </button>
      </form>
      {mismatch && (
        <p class="error" role="alert">
          {t("password.mismatch")}
        </p>
      )}
      <ErrorNote error={error} />
      {done !== undefined && (
        <output class="block ok" aria-live="polite">
          {t("password.done", { count: done })}
        </output>
      )}
    </section>
  )
}
