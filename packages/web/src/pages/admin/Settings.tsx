/**
 * Tenant settings (`/t/{slug}/admin/settings`, issue 17 "tenant settings"):
 * every setting with its description, value and default
 * (`tenants.listSettings`), edited as JSON (`tenants.putSetting`; a value
 * the server refuses shows its message) or reset to the default
 * (`tenants.resetSetting`).
 *
 * @module
 */
import type { User } from "@signet/contracts/identity/Domain"
import { TenantsApi } from "@signet/contracts/tenancy/Api"
import type { TenantSetting } from "@signet/contracts/tenancy/Domain"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, field, useAction } from "./shared.js"

/** The settings page. */
export const Settings = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const list = useLoad(() => call(TenantsApi, (c) => c.tenants.listSettings({ path: { slug } })), [slug])
  return (
    <Frame slug={slug} user={user} title={t("settings.title")}>
      {list.loading && <Loading />}
      <ErrorNote error={list.error} />
      {list.data?.length === 0 && <p class="muted">{t("settings.none")}</p>}
      <ul class="list">
        {list.data?.map((s) => (
          <li key={s.key}>
            <SettingForm slug={slug} setting={s} onSaved={list.reload} />
          </li>
        ))}
      </ul>
    </Frame>
  )
}

const SettingForm = ({ slug, setting, onSaved }: { slug: string; setting: TenantSetting; onSaved: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const id = `setting-${setting.key.replace(/[^a-z0-9_-]/gi, "-")}`
  const save = (ev: Event) => {
    ev.preventDefault()
    const raw = field(ev.target as HTMLFormElement, "value")
    void action
      .run(
        () => {
          let value: unknown
          try {
            value = JSON.parse(raw)
          } catch {
            value = raw
          }
          return call(TenantsApi, (c) => c.tenants.putSetting({ path: { slug, key: setting.key }, payload: { value } }))
        },
        () => t("settings.saved", { key: setting.key })
      )
      .then((r) => r && onSaved())
  }
  const reset = () =>
    void action
      .run(
        () => call(TenantsApi, (c) => c.tenants.resetSetting({ path: { slug, key: setting.key } })),
        () => t("settings.resetDone", { key: setting.key })
      )
      .then((r) => r && onSaved())
  return (
    <form class="card stack" onSubmit={save}>
      <label for={id}>
        <code>{setting.key}</code>
      </label>
      <span class="muted" id={`${id}-d`}>
        {setting.description} — {t("settings.default")}: <code>{JSON.stringify(setting.default)}</code>
        {setting.updated_at && ` · ${formatDateTime(setting.updated_at)}`}
      </span>
      <input id={id} name="value" aria-describedby={`${id}-d`} defaultValue={JSON.stringify(setting.value)} />
      <div class="toolbar">
        <button type="submit" disabled={action.busy}>
          {t("save")}
        </button>
        {!setting.is_default && (
          <button type="button" class="secondary" onClick={reset} disabled={action.busy}>
            {t("settings.reset")}
          </button>
        )}
      </div>
      <ActionNotes action={action} />
    </form>
  )
}
