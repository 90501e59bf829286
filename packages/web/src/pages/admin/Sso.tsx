/**
 * Single sign-on (`/t/{slug}/admin/sso`, issue 19 §2): the tenant's SSO
 * connections to its identity providers — an OpenID Connect one (issuer,
 * client, secret) or a SAML 2.0 one (entity ID, single sign-on URL,
 * signing certificate) — each serving e-mail domains, creating accounts on
 * first sign-in or only admitting existing ones, optionally "SSO only".
 * Listed (never the secret), deleted after an inline confirmation. The URL
 * to register at the provider is shown. The server validates everything
 * (`sso:write`). Below, the tenant-wide "SSO only" policy and its
 * break-glass accounts (`SsoPolicy.tsx`).
 *
 * @module
 */
import type { User } from "@signet/contracts/identity/Domain"
import { SsoConnectionsApi } from "@signet/contracts/integrations/SsoApi"
import { PutSamlConnection, PutSsoConnection, type SsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { Redacted } from "effect"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { SsoPolicySection } from "./SsoPolicy.js"
import { ActionNotes, DeleteWithConfirm, field, Section, TableWrap, useAction } from "./shared.js"

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l !== "")

/** The fields both protocols share after their own: domains, provisioning, user type, SSO only. */
const CommonFields = () => {
  const t = useT("admin")
  return (
    <>
      <label>
        {t("sso.domains")}
        <textarea name="domains" required rows={2} placeholder="school.example" />
      </label>
      <label>
        {t("sso.provisioning")}
        <select name="provisioning">
          <option value="link_only">{t("sso.linkOnly")}</option>
          <option value="jit">{t("sso.jit")}</option>
        </select>
      </label>
      <label>
        {t("sso.userType")}
        <select name="default_user_type">
          {(["teacher", "student", "admin"] as const).map((k) => (
            <option key={k} value={k}>
              {t(`type.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="sso_only" /> {t("sso.ssoOnly")}
      </label>
    </>
  )
}

const common = (f: HTMLFormElement) => ({
  domains: lines(field(f, "domains")),
  provisioning: field(f, "provisioning") as "jit" | "link_only",
  default_user_type: field(f, "default_user_type") as "teacher" | "student" | "admin",
  sso_only: new FormData(f).get("sso_only") === "on"
})

/**
 * Adds (or replaces) a connection of `protocol`. Replacing one keeps its
 * attribute mapping (`existing`), which this form does not edit.
 */
const AddForm = ({
  slug,
  protocol,
  existing,
  onDone
}: {
  slug: string
  protocol: "oidc" | "saml"
  existing: ReadonlyArray<SsoConnection>
  onDone: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const name = field(f, "name")
    const kept = { attribute_mapping: existing.find((c) => c.name === name)?.attribute_mapping ?? null }
    void action
      .run(
        () =>
          call(SsoConnectionsApi, (c) =>
            protocol === "oidc"
              ? c.ssoConnections.putSsoConnection({
                  path: { slug, connection: name },
                  payload: new PutSsoConnection({
                    issuer: field(f, "issuer"),
                    client_id: field(f, "client_id"),
                    client_secret: Redacted.make(field(f, "client_secret")),
                    scopes: ["openid", "email", "profile"],
                    ...common(f),
                    ...kept
                  })
                })
              : c.ssoConnections.putSamlConnection({
                  path: { slug, connection: name },
                  payload: new PutSamlConnection({
                    idp_entity_id: field(f, "idp_entity_id"),
                    sso_url: field(f, "sso_url"),
                    certificates: [field(f, "certificate")],
                    require_encrypted_assertions: new FormData(f).get("require_encrypted_assertions") === "on",
                    ...common(f),
                    ...kept
                  })
                })
          ),
        (saved) => t("sso.saved", { name: saved.name })
      )
      .then((r) => {
        if (!r) return
        f.reset()
        onDone()
      })
  }
  return (
    <Section title={protocol === "oidc" ? t("sso.addOidc") : t("sso.addSaml")}>
      <form class="card form-grid" onSubmit={submit}>
        <label>
          {t("sso.name")}
          <input name="name" required maxLength={40} pattern="[a-z][a-z0-9\-]{0,39}" title={t("sso.nameHint")} />
        </label>
        {protocol === "oidc" ? (
          <>
            <label>
              {t("sso.issuer")}
              <input name="issuer" type="url" required placeholder="https://accounts.google.com" />
            </label>
            <label>
              {t("sso.clientId")}
              <input name="client_id" required maxLength={512} />
            </label>
            <label>
              {t("sso.clientSecret")}
              <input name="client_secret" type="password" required autocomplete="off" maxLength={2048} />
            </label>
          </>
        ) : (
          <>
            <label>
              {t("sso.entityId")}
              <input name="idp_entity_id" required maxLength={1024} />
            </label>
            <label>
              {t("sso.ssoUrl")}
              <input name="sso_url" type="url" required />
            </label>
            <label>
              {t("sso.certificate")}
              <textarea name="certificate" required rows={4} placeholder="-----BEGIN CERTIFICATE-----" />
            </label>
            <label class="check">
              <input type="checkbox" name="require_encrypted_assertions" /> {t("sso.requireEncrypted")}
            </label>
          </>
        )}
        <CommonFields />
        <button type="submit" disabled={action.busy}>
          {t("sso.save")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}

/** One connection's row, with delete after an inline confirmation. */
const ConnectionRow = ({ slug, c, onDone }: { slug: string; c: SsoConnection; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const remove = () =>
    void action
      .run(() =>
        call(SsoConnectionsApi, (api) => api.ssoConnections.deleteSsoConnection({ path: { slug, connection: c.name } }))
      )
      .then(onDone)
  const metadata = `/api/v1/tenants/${encodeURIComponent(slug)}/sso/connections/${c.name}/saml-metadata`
  return (
    <tr>
      <td>{c.name}</td>
      <td>{c.protocol === "saml" ? "SAML 2.0" : "OpenID Connect"}</td>
      <td>
        <code>{c.issuer}</code>
      </td>
      <td>{c.domains.join(" ")}</td>
      <td>
        {c.provisioning === "jit" ? t("sso.jit") : t("sso.linkOnly")}
        {" · "}
        {c.sso_only ? t("sso.ssoOnlyYes") : t("sso.ssoOnlyNo")}
        {c.attribute_mapping !== null && (
          <>
            {" · "}
            {t("sso.mapped")}
          </>
        )}
      </td>
      <td>{c.protocol === "saml" && <a href={metadata}>{t("sso.metadata")}</a>}</td>
      <td class="actions">
        <DeleteWithConfirm
          label={t("sso.deleteLabel", { name: c.name })}
          question={t("sso.confirmDelete", { name: c.name })}
          remove={t("sso.delete")}
          cancel={t("sso.cancel")}
          busy={action.busy}
          onDelete={remove}
        />
        <ErrorNote error={action.error} />
      </td>
    </tr>
  )
}

/** The single sign-on page. */
export const Sso = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const list = useLoad(
    () => call(SsoConnectionsApi, (c) => c.ssoConnections.listSsoConnections({ path: { slug } })),
    [slug]
  )
  const callback = `${location.origin}/api/v1/tenants/${encodeURIComponent(slug)}/sso/callback`
  return (
    <Frame slug={slug} user={user} title={t("sso.title")}>
      <p class="muted">{t("sso.intro")}</p>
      <p>{t("sso.callback", { url: callback })}</p>
      <Section title={t("sso.list")}>
        {list.loading && !list.data && <Loading />}
        <ErrorNote error={list.error} />
        {list.data && list.data.length === 0 && <p class="muted">{t("sso.none")}</p>}
        {list.data && list.data.length > 0 && (
          <TableWrap>
            <table>
              <caption class="sr-only">{t("sso.list")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("sso.name")}</th>
                  <th scope="col">{t("sso.protocol")}</th>
                  <th scope="col">{t("sso.issuer")}</th>
                  <th scope="col">{t("sso.domainsCol")}</th>
                  <th scope="col">{t("sso.policy")}</th>
                  <th scope="col">{t("sso.metadata")}</th>
                  <th scope="col">{t("users.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => (
                  <ConnectionRow key={c.name} slug={slug} c={c} onDone={list.reload} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>
      <AddForm slug={slug} protocol="oidc" existing={list.data ?? []} onDone={list.reload} />
      <AddForm slug={slug} protocol="saml" existing={list.data ?? []} onDone={list.reload} />
      <SsoPolicySection slug={slug} />
    </Frame>
  )
}
