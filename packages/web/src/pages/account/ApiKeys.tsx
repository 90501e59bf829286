/**
 * The account page's API keys (issue 17 "Account: API keys"): the tenant's
 * keys, creation with permissions (the key shown once), revocation. Only for
 * users who may read keys (`apikeys:read`): a 403 hides the section.
 *
 * @module
 */
import { ApiKeysApi, SessionApi } from "@signet/contracts/identity/Api"
import type { ApiKeyId } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"

/** Whether a refusal asks for a recent MFA verification (`Forbidden`, permission `mfa:step-up`). */
const needsStepUp = (e: ApiError | undefined) => e?.tag === "Forbidden" && /step-up/.test(e.message)

/**
 * The API keys section, or nothing when the user may not read keys.
 * Creating and revoking keys needs a recent MFA verification: when the
 * server asks for one, a code field confirms it (`stepUp`) and the user
 * tries again; without MFA the user is told to turn it on first.
 */
export const ApiKeys = ({ slug, mfaEnabled }: { slug: string; mfaEnabled: boolean }) => {
  const t = useT("account")
  const list = useLoad(() => call(ApiKeysApi, (c) => c.apikeys.list({ path: { slug } })), [slug])
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [created, setCreated] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  if (list.error?.tag === "Forbidden") return null
  const run = async (f: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    try {
      await f()
      list.reload()
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const create = (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const form = new FormData(formEl)
    const permissions = String(form.get("permissions") ?? "")
      .split(/[\s,]+/)
      .filter((p) => p.length > 0)
    const expires = String(form.get("expires") ?? "")
    setCreated(undefined)
    return run(async () => {
      const r = await call(ApiKeysApi, (c) =>
        c.apikeys.create({
          path: { slug },
          payload: {
            name: String(form.get("name") ?? ""),
            permissions,
            ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {})
          }
        })
      )
      formEl.reset()
      setCreated(r.key)
    })
  }
  const revoke = (id: ApiKeyId) =>
    run(async () => {
      await call(ApiKeysApi, (c) => c.apikeys.revoke({ path: { slug, id } }))
    })
  return (
    <section class="card" aria-labelledby="keys-h">
      <h2 id="keys-h">{t("keys.title")}</h2>
      <p class="muted">{t("keys.intro")}</p>
      {list.loading && !list.data && <Loading />}
      {needsStepUp(error) ? (
        mfaEnabled ? (
          <StepUp slug={slug} onDone={() => setError(undefined)} />
        ) : (
          <p class="error" role="alert">
            {t("keys.needMfa")}
          </p>
        )
      ) : (
        <ErrorNote error={list.error ?? error} />
      )}
      {created && (
        <div class="stack" aria-live="polite">
          <p>{t("keys.created")}</p>
          <label>
            {t("keys.keyLabel")}
            <input class="secret" readOnly value={created} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          </label>
        </div>
      )}
      {list.data && list.data.length === 0 && <p class="muted">{t("keys.none")}</p>}
      {list.data && list.data.length > 0 && (
        <>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable) */}
          <section class="table-wrap" tabIndex={0} aria-label={t("keys.title")}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("keys.name")}</th>
                  <th scope="col">{t("keys.prefix")}</th>
                  <th scope="col">{t("keys.permissions")}</th>
                  <th scope="col">{t("keys.lastUsed")}</th>
                  <th scope="col">{t("keys.status")}</th>
                  <th scope="col">{t("keys.action")}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td>
                      <code>{k.prefix}</code>
                    </td>
                    <td>{k.permissions.join(" ")}</td>
                    <td>{k.last_used_at ? formatDateTime(k.last_used_at) : t("keys.never")}</td>
                    <td>{k.active ? t("keys.active") : t("keys.inactive")}</td>
                    <td>
                      {k.active && (
                        <button
                          type="button"
                          class="secondary"
                          disabled={busy}
                          aria-label={t("keys.revokeLabel", { name: k.name })}
                          onClick={() => void revoke(k.id)}
                        >
                          {t("keys.revoke")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
      <form class="stack" onSubmit={create}>
        <label>
          {t("keys.name")}
          <input name="name" required maxLength={100} />
        </label>
        <label>
          {t("keys.permissions")}
          <input name="permissions" required aria-describedby="perm-hint" autocomplete="off" />
        </label>
        <span id="perm-hint" class="muted">
          {t("keys.permissionsHint")}
        </span>
        <label>
          {t("keys.expires")}
          <input name="expires" type="date" />
        </label>
        <button type="submit" disabled={busy}>
          {t("keys.create")}
        </button>
      </form>
    </section>
  )
}

/** Confirms a code from the authenticator app on this session (`stepUp`), then lets the user try again. */
const StepUp = ({ slug, onDone }: { slug: string; onDone: () => void }) => {
  const t = useT("account")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const code = String(new FormData(ev.target as HTMLFormElement).get("code") ?? "").trim()
    try {
      await call(SessionApi, (c) => c.session.stepUp({ path: { slug }, payload: { code } }))
      onDone()
    } catch (e) {
      setError(e as ApiError)
    }
  }
  return (
    <form class="stack" onSubmit={submit}>
      <p role="alert">{t("keys.stepUp")}</p>
      <label>
        {t("mfa.code")}
        <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required />
      </label>
      <button type="submit">{t("keys.stepUpSubmit")}</button>
      <ErrorNote error={error} />
    </form>
  )
}
