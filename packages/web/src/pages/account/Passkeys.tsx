/**
 * The account page's passkeys (issue 18 "Passkeys / WebAuthn"): the user's
 * passkeys (name, added, last used, synced), adding one with the current
 * password (the browser's WebAuthn ceremony through `@simplewebauthn/browser`),
 * renaming, and removing after an inline confirmation. The server checks
 * everything (challenge, origin, RP ID, signature); this page only carries
 * the ceremony's JSON.
 *
 * @module
 */

import type { Passkey, PasskeyId } from "@signet/contracts/identity/Domain"
import { PasskeysApi } from "@signet/contracts/identity/PasskeysApi"
import { browserSupportsWebAuthn, startRegistration } from "@simplewebauthn/browser"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"

/** One passkey's row: name, dates, synced flag, rename and remove (with an inline confirmation). */
const PasskeyRow = ({
  pk,
  busy,
  onRename,
  onRemove
}: {
  pk: Passkey
  busy: boolean
  onRename: (id: PasskeyId, name: string) => Promise<void>
  onRemove: (id: PasskeyId) => Promise<void>
}) => {
  const t = useT("account")
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view")
  const rename = (ev: Event) => {
    ev.preventDefault()
    const name = String(new FormData(ev.target as HTMLFormElement).get("name") ?? "").trim()
    void onRename(pk.id, name).then(() => setMode("view"))
  }
  return (
    <tr>
      <td>
        {mode === "rename" ? (
          <form onSubmit={rename}>
            <label>
              <span class="sr-only">{t("passkeys.renameLabel", { name: pk.name })}</span>
              <input name="name" defaultValue={pk.name} required maxLength={64} />
            </label>
            <button type="submit" disabled={busy}>
              {t("passkeys.save")}
            </button>
          </form>
        ) : (
          pk.name
        )}
      </td>
      <td>{formatDateTime(pk.created_at)}</td>
      <td>{pk.last_used_at ? formatDateTime(pk.last_used_at) : t("passkeys.never")}</td>
      <td>{pk.backed_up ? t("passkeys.yes") : t("passkeys.no")}</td>
      <td>
        {mode === "confirm" ? (
          <span role="alert">
            {t("passkeys.confirmRemove", { name: pk.name })}{" "}
            <button type="button" class="danger" disabled={busy} onClick={() => void onRemove(pk.id)}>
              {t("passkeys.remove")}
            </button>{" "}
            <button type="button" class="secondary" onClick={() => setMode("view")}>
              ✕
            </button>
          </span>
        ) : (
          <>
            <button type="button" class="secondary" disabled={busy} onClick={() => setMode("rename")}>
              {t("passkeys.rename")}
            </button>{" "}
            <button
              type="button"
              class="secondary"
              disabled={busy}
              aria-label={t("passkeys.removeLabel", { name: pk.name })}
              onClick={() => setMode("confirm")}
            >
              {t("passkeys.remove")}
            </button>
          </>
        )}
      </td>
    </tr>
  )
}

/** The passkeys section of the account page. */
export const Passkeys = ({ slug }: { slug: string }) => {
  const t = useT("account")
  const list = useLoad(() => call(PasskeysApi, (c) => c.passkeys.list({ path: { slug } })), [slug])
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [note, setNote] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const supported = browserSupportsWebAuthn()
  const run = async (f: () => Promise<string | undefined>) => {
    setBusy(true)
    setError(undefined)
    setNote(undefined)
    try {
      setNote(await f())
      list.reload()
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const add = (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const form = new FormData(formEl)
    const password = String(form.get("password") ?? "")
    const name = String(form.get("name") ?? "").trim()
    return run(async () => {
      const start = await call(PasskeysApi, (c) =>
        c.passkeys.registrationOptions({ path: { slug }, payload: { password: Redacted.make(password) } })
      )
      let credential: unknown
      try {
        credential = await startRegistration({ optionsJSON: start.options as never })
      } catch {
        // The user cancelled, the authenticator timed out or refused: nothing was stored.
        return t("passkeys.cancelled")
      }
      await call(PasskeysApi, (c) =>
        c.passkeys.register({
          path: { slug },
          payload: { credential: credential as never, ...(name ? { name } : {}) }
        })
      )
      formEl.reset()
      return t("passkeys.added")
    })
  }
  const rename = (id: PasskeyId, name: string) =>
    run(async () => {
      await call(PasskeysApi, (c) => c.passkeys.rename({ path: { slug, passkey: id }, payload: { name } }))
      return undefined
    })
  const remove = (id: PasskeyId) =>
    run(async () => {
      await call(PasskeysApi, (c) => c.passkeys.remove({ path: { slug, passkey: id } }))
      return t("passkeys.removed")
    })
  return (
    <section class="card" aria-labelledby="passkeys-h">
      <h2 id="passkeys-h">{t("passkeys.title")}</h2>
      <p class="muted">{t("passkeys.intro")}</p>
      {list.loading && !list.data && <Loading />}
      <ErrorNote error={list.error ?? error} />
      {note && <output class="ok block">{note}</output>}
      {list.data && list.data.length === 0 && <p class="muted">{t("passkeys.none")}</p>}
      {list.data && list.data.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable)
        <section class="table-wrap" tabIndex={0} aria-label={t("passkeys.title")}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("passkeys.name")}</th>
                <th scope="col">{t("passkeys.created")}</th>
                <th scope="col">{t("passkeys.lastUsed")}</th>
                <th scope="col">{t("passkeys.synced")}</th>
                <th scope="col">{t("passkeys.action")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((pk) => (
                <PasskeyRow key={pk.id} pk={pk} busy={busy} onRename={rename} onRemove={remove} />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {supported ? (
        <form onSubmit={add} class="stack">
          <label>
            {t("passkeys.password")}
            <input name="password" type="password" autocomplete="current-password" required maxLength={1024} />
          </label>
          <label>
            {t("passkeys.name")}
            <input name="name" maxLength={64} placeholder={t("passkeys.namePlaceholder")} />
          </label>
          <button type="submit" disabled={busy}>
            {t("passkeys.add")}
          </button>
        </form>
      ) : (
        <p class="muted">{t("passkeys.unsupported")}</p>
      )}
    </section>
  )
}
