/**
 * The account page's "Your preferences" form (issue 18 "Profiles"): the
 * signed-in user's display name, language, time zone and picture URL
 * (`PATCH …/me`). Empty fields clear the value; a field the tenant keeps
 * for admins (`profile.self_edit`) answers 403, shown as the server words it.
 *
 * @module
 */
import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote } from "../../app/ui.js"

/** The time zones the browser knows, for the field's suggestions. */
const timeZones = (): ReadonlyArray<string> => {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => ReadonlyArray<string> }
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : []
}

/** A form value, or null when left empty (clears the field). */
const fieldValue = (form: FormData, name: string): string | null => {
  const v = String(form.get(name) ?? "").trim()
  return v === "" ? null : v
}

/** The preferences form of `me`; `onSaved` receives the user as the server answered it. */
export const ProfileForm = ({ slug, me, onSaved }: { slug: string; me: User; onSaved: (user: User) => void }) => {
  const t = useT("account")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [saved, setSaved] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    const patch = {
      display_name: fieldValue(form, "display_name"),
      locale: fieldValue(form, "locale"),
      time_zone: fieldValue(form, "time_zone"),
      avatar_url: fieldValue(form, "avatar_url")
    }
    // Only what changed: a tenant may keep some fields for admins.
    const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => me[k as keyof typeof patch] !== v))
    setSaved(false)
    setError(undefined)
    setBusy(true)
    try {
      const user = await call(SessionApi, (c) => c.session.updateMe({ path: { slug }, payload: changed }))
      setSaved(true)
      onSaved(user)
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="card" aria-labelledby="prefs-h">
      <h2 id="prefs-h">{t("prefs.title")}</h2>
      <form class="stack" onSubmit={submit}>
        <label>
          {t("prefs.displayName")}
          <input name="display_name" maxLength={100} defaultValue={me.display_name ?? ""} autocomplete="nickname" />
        </label>
        <label>
          {t("prefs.locale")}
          <select name="locale" defaultValue={me.locale ?? ""}>
            <option value="">{t("prefs.schoolDefault")}</option>
            <option value="en">English</option>
            <option value="fr">Français</option>
          </select>
        </label>
        <label>
          {t("prefs.timeZone")}
          <input
            name="time_zone"
            list="time-zones"
            maxLength={64}
            defaultValue={me.time_zone ?? ""}
            placeholder="Europe/Paris"
          />
          <datalist id="time-zones">
            {timeZones().map((tz) => (
              <option key={tz} value={tz} />
            ))}
          </datalist>
        </label>
        <label>
          {t("prefs.avatar")}
          <input
            name="avatar_url"
            type="url"
            maxLength={2048}
            defaultValue={me.avatar_url ?? ""}
            placeholder="https://"
          />
        </label>
        <button type="submit" disabled={busy}>
          {t("prefs.save")}
        </button>
      </form>
      <ErrorNote error={error} />
      {saved && (
        <output class="block ok" aria-live="polite">
          {t("prefs.saved")}
        </output>
      )}
    </section>
  )
}
