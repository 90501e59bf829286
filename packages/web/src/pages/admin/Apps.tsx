/**
 * Connected apps (`/t/{slug}/admin/apps`, issue 19 §1 "Clients are
 * registered per tenant by admins (REST, RPC, CLI, web page)"): the school's
 * OpenID Connect clients — the LMS, library or portal that sign users in with
 * Signet — registered with a name and exact redirect URIs (confidential with
 * a secret shown once, or public with PKCE), listed, and deleted after an
 * inline confirmation. The server validates everything (`oidc_clients:write`).
 *
 * @module
 */
import { OidcClientsApi } from "@signet/contracts/federation/OidcApi"
import { type CreatedOidcClient, CreateOidcClient, type OidcClient } from "@signet/contracts/federation/OidcDomain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, DeleteWithConfirm, field, Section, TableWrap, useAction } from "./shared.js"

/** The lines of a textarea, trimmed, without blanks. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")

/** Registers a client and shows its id and (confidential) secret once. */
const RegisterForm = ({ slug, onDone }: { slug: string; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const [created, setCreated] = useState<CreatedOidcClient | undefined>(undefined)
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const isPublic = new FormData(f).get("public") === "on"
    setCreated(undefined)
    void action
      .run(() =>
        call(OidcClientsApi, (c) =>
          c.oidcClients.createOidcClient({
            path: { slug },
            payload: new CreateOidcClient({
              name: field(f, "name"),
              redirect_uris: lines(field(f, "redirect_uris")),
              post_logout_redirect_uris: lines(field(f, "post_logout_redirect_uris")),
              public: isPublic
            })
          })
        )
      )
      .then((r) => {
        if (!r) return
        setCreated(r)
        f.reset()
        onDone()
      })
  }
  return (
    <Section title={t("apps.register")}>
      <form class="card form-grid" onSubmit={submit}>
        <label>
          {t("apps.name")}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t("apps.redirects")}
          <textarea name="redirect_uris" required rows={2} placeholder="https://lms.example.edu/callback" />
        </label>
        <label>
          {t("apps.logoutRedirects")}
          <textarea name="post_logout_redirect_uris" rows={1} />
        </label>
        <label class="check">
          <input type="checkbox" name="public" /> {t("apps.public")}
        </label>
        <button type="submit" disabled={action.busy}>
          {t("apps.create")}
        </button>
      </form>
      <ActionNotes action={action} />
      {created && (
        <div class="card stack" aria-live="polite">
          <p>{created.client_secret ? t("apps.secretOnce") : t("apps.publicCreated")}</p>
          <label>
            {t("apps.clientId")}
            <input class="secret" readOnly value={created.client.client_id} />
          </label>
          {created.client_secret && (
            <label>
              {t("apps.clientSecret")}
              <input class="secret" readOnly value={created.client_secret} />
            </label>
          )}
          <p class="muted">{t("apps.issuer", { issuer: `${location.origin}/t/${slug}` })}</p>
        </div>
      )}
    </Section>
  )
}

/** One client's row, with delete after an inline confirmation. */
const ClientRow = ({ slug, client, onDone }: { slug: string; client: OidcClient; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const remove = () =>
    void action
      .run(() =>
        call(OidcClientsApi, (c) => c.oidcClients.deleteOidcClient({ path: { slug, clientId: client.client_id } }))
      )
      .then(onDone)
  return (
    <tr>
      <td>{client.name}</td>
      <td>
        <code>{client.client_id}</code>
      </td>
      <td>{client.redirect_uris.join(" ")}</td>
      <td>{client.public ? t("apps.kindPublic") : t("apps.kindConfidential")}</td>
      <td>{formatDateTime(client.created_at)}</td>
      <td class="actions">
        <DeleteWithConfirm
          label={t("apps.deleteLabel", { name: client.name })}
          question={t("apps.confirmDelete", { name: client.name })}
          remove={t("apps.delete")}
          cancel={t("apps.cancel")}
          busy={action.busy}
          onDelete={remove}
        />
        <ErrorNote error={action.error} />
      </td>
    </tr>
  )
}

/** The connected apps page. */
export const Apps = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const list = useLoad(() => call(OidcClientsApi, (c) => c.oidcClients.listOidcClients({ path: { slug } })), [slug])
  return (
    <Frame slug={slug} user={user} title={t("apps.title")}>
      <p class="muted">{t("apps.intro")}</p>
      <RegisterForm slug={slug} onDone={list.reload} />
      <Section title={t("apps.list")}>
        {list.loading && !list.data && <Loading />}
        <ErrorNote error={list.error} />
        {list.data && list.data.length === 0 && <p class="muted">{t("apps.none")}</p>}
        {list.data && list.data.length > 0 && (
          <TableWrap>
            <table>
              <caption class="sr-only">{t("apps.list")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("apps.name")}</th>
                  <th scope="col">{t("apps.clientId")}</th>
                  <th scope="col">{t("apps.redirects")}</th>
                  <th scope="col">{t("apps.kind")}</th>
                  <th scope="col">{t("apps.created")}</th>
                  <th scope="col">{t("users.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => (
                  <ClientRow key={c.client_id} slug={slug} client={c} onDone={list.reload} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>
    </Frame>
  )
}
