/**
 * The tenant-wide "SSO only" policy on the single sign-on page
 * (`/t/{slug}/admin/sso`, issue 19 §2 "an 'SSO only' policy per tenant"):
 * whether every account must sign in through an SSO connection, a button
 * to turn it on or off, the break-glass accounts that stay exempt (by
 * name, each removable) and a search to mark another active person as
 * one. Core enforces everything (`sso:write`, a fresh MFA step-up — the
 * step-up field appears when the server asks — and no lock-out: 409 when
 * turning it on without a connection or a break-glass account, or removing
 * the last one while it is on; the server's message is shown).
 *
 * @module
 */

import { UsersApi } from "@signet/contracts/identity/Api"
import type { UserId } from "@signet/contracts/identity/Domain"
import { SsoConnectionsApi } from "@signet/contracts/integrations/SsoApi"
import { PutSsoPolicy } from "@signet/contracts/integrations/SsoDomain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, Section, useAction } from "./shared.js"

/** A person as the section names them. */
const label = (u: { given_name: string; family_name: string; email: string }) =>
  `${u.given_name} ${u.family_name} (${u.email})`

/** The "SSO only for everyone" section. */
export const SsoPolicySection = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const action = useAction()
  const [q, setQ] = useState("")
  const policy = useLoad(
    () => call(SsoConnectionsApi, (c) => c.ssoConnections.getSsoPolicy({ path: { slug } })),
    [slug]
  )
  const keepers = useLoad(
    () =>
      Promise.all(
        (policy.data?.break_glass ?? []).map((b) =>
          call(UsersApi, (c) => c.users.get({ path: { slug, id: b.user_id as UserId } })).then(
            (u) => ({ id: b.user_id, name: label(u) }),
            () => ({ id: b.user_id, name: b.user_id })
          )
        )
      ),
    [slug, policy.data]
  )
  const found = useLoad(
    () =>
      q
        ? call(UsersApi, (c) => c.users.list({ path: { slug }, urlParams: { q, status: "active", limit: 5 } }))
        : Promise.resolve(undefined),
    [slug, q]
  )
  const after = (r: unknown) => {
    if (r !== undefined) policy.reload()
  }
  const setOn = (on: boolean) =>
    void action
      .run(
        () =>
          call(SsoConnectionsApi, (c) =>
            c.ssoConnections.putSsoPolicy({ path: { slug }, payload: new PutSsoPolicy({ sso_only: on }) })
          ),
        () => t(on ? "ssoPolicy.turnedOn" : "ssoPolicy.turnedOff")
      )
      .then(after)
  const mark = (id: string, name: string) =>
    void action
      .run(
        () => call(SsoConnectionsApi, (c) => c.ssoConnections.putBreakGlass({ path: { slug, userId: id } })),
        () => t("ssoPolicy.marked", { name })
      )
      .then((r) => {
        after(r)
        if (r !== undefined) setQ("")
      })
  const unmark = (id: string, name: string) =>
    void action
      .run(
        () => call(SsoConnectionsApi, (c) => c.ssoConnections.deleteBreakGlass({ path: { slug, userId: id } })),
        () => t("ssoPolicy.unmarked", { name })
      )
      .then(after)
  const search = (ev: Event) => {
    ev.preventDefault()
    setQ(String(new FormData(ev.target as HTMLFormElement).get("q") ?? "").trim())
  }
  const on = policy.data?.sso_only === true
  const marked = new Set((policy.data?.break_glass ?? []).map((b) => b.user_id))
  return (
    <Section title={t("ssoPolicy.title")}>
      <p class="muted">{t("ssoPolicy.intro")}</p>
      {policy.loading && !policy.data && <Loading />}
      <ErrorNote error={policy.error} />
      {policy.data && (
        <div class="card stack">
          <p data-sso-only={on}>
            <strong>{on ? t("ssoPolicy.on") : t("ssoPolicy.off")}</strong>
          </p>
          <button type="button" class={on ? "danger" : ""} disabled={action.busy} onClick={() => setOn(!on)}>
            {on ? t("ssoPolicy.turnOff") : t("ssoPolicy.turnOn")}
          </button>
          <h3>{t("ssoPolicy.keepers")}</h3>
          {keepers.data && keepers.data.length === 0 && <p class="muted">{t("ssoPolicy.noKeepers")}</p>}
          {keepers.data && keepers.data.length > 0 && (
            <ul class="list" aria-label={t("ssoPolicy.keepers")}>
              {keepers.data.map((k) => (
                <li key={k.id} class="row">
                  <span>{k.name}</span>
                  <button type="button" class="link danger" disabled={action.busy} onClick={() => unmark(k.id, k.name)}>
                    {t("ssoPolicy.remove")}
                    <span class="sr-only"> {k.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form class="row" onSubmit={search}>
            <label>
              {t("ssoPolicy.find")}
              <input name="q" type="search" maxLength={100} required />
            </label>
            <button type="submit">{t("ssoPolicy.search")}</button>
          </form>
          <ErrorNote error={found.error} />
          {found.data && found.data.items.length === 0 && <p class="muted">{t("ssoPolicy.nobody")}</p>}
          {found.data && found.data.items.length > 0 && (
            <ul class="list" aria-label={t("ssoPolicy.results")}>
              {found.data.items.map((u) => (
                <li key={u.id} class="row">
                  <span>{label(u)}</span>
                  {marked.has(u.id) ? (
                    <span class="muted">{t("ssoPolicy.already")}</span>
                  ) : (
                    <button type="button" disabled={action.busy} onClick={() => mark(u.id, label(u))}>
                      {t("ssoPolicy.mark")}
                      <span class="sr-only"> {label(u)}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ActionNotes action={action} />
    </Section>
  )
}
