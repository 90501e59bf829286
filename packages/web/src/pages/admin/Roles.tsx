/**
 * Roles and permissions (`/t/{slug}/admin/roles`, issue 17 "roles and
 * permissions with 'explain why' for a user and a permission"): the tenant's
 * roles with the patterns each grants (`access.getRole`), a user's effective
 * permissions (`access.effectivePermissions`: roles, overrides, allow/deny)
 * and the decision on one permission with the rule behind it
 * (`access.explainPermission`).
 *
 * @module
 */
import { AccessApi } from "@signet/contracts/access/Api"
import type { EffectivePermissions, Explanation } from "@signet/contracts/access/Domain"
import { UsersApi } from "@signet/contracts/identity/Api"
import type { User, UserId } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { field, Section, TableWrap, useAction } from "./shared.js"

/** The roles page. */
export const Roles = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const roles = useLoad(
    () =>
      call(AccessApi, (c) => c.access.listRoles({ path: { slug }, urlParams: { limit: 200 } })).then((page) =>
        Promise.all(page.items.map((r) => call(AccessApi, (c) => c.access.getRole({ path: { slug, id: r.id } }))))
      ),
    [slug]
  )
  return (
    <Frame slug={slug} user={user} title={t("roles.title")}>
      <Section title={t("roles.roles")}>
        {roles.loading && <Loading />}
        <ErrorNote error={roles.error} />
        {roles.data && (
          <TableWrap>
            <table>
              <caption class="sr-only">{t("roles.roles")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("roles.name")}</th>
                  <th scope="col">{t("roles.priority")}</th>
                  <th scope="col">{t("roles.permissions")}</th>
                </tr>
              </thead>
              <tbody>
                {roles.data.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <strong>{r.name}</strong>
                      {r.is_system && <span class="muted"> · {t("roles.system")}</span>}
                      {r.description && (
                        <>
                          <br />
                          <span class="muted">{r.description}</span>
                        </>
                      )}
                    </td>
                    <td>{r.priority}</td>
                    <td>
                      <ul class="perm-list">
                        {r.permissions.map((p) => (
                          <li key={p}>
                            <code>{p}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>
      <Explain slug={slug} />
    </Frame>
  )
}

/** A user's effective permissions, and "explain why" for one permission. */
const Explain = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const find = useAction()
  const explain = useAction()
  const [who, setWho] = useState<{ user: User; eff: EffectivePermissions } | undefined>(undefined)
  const [why, setWhy] = useState<Explanation | undefined>(undefined)
  const lookUp = (ev: Event) => {
    ev.preventDefault()
    const q = field(ev.target as HTMLFormElement, "who")
    setWhy(undefined)
    void find
      .run(async () => {
        const page = await call(UsersApi, (c) => c.users.list({ path: { slug }, urlParams: { q, limit: 1 } }))
        const u = page.items[0]
        if (!u) throw new Error(t("roles.noUser", { q }))
        const eff = await call(AccessApi, (c) =>
          c.access.effectivePermissions({ path: { slug, userId: u.id as UserId } })
        )
        return { user: u, eff }
      })
      .then(setWho)
  }
  const ask = (ev: Event) => {
    ev.preventDefault()
    if (!who) return
    const permission = field(ev.target as HTMLFormElement, "permission")
    void explain
      .run(() =>
        call(AccessApi, (c) =>
          c.access.explainPermission({ path: { slug, userId: who.user.id as UserId, permission } })
        )
      )
      .then(setWhy)
  }
  return (
    <Section title={t("roles.effective")}>
      <form class="toolbar" onSubmit={lookUp}>
        <label>
          {t("roles.user")}
          <input name="who" type="search" required />
        </label>
        <button type="submit" disabled={find.busy}>
          {t("roles.show")}
        </button>
      </form>
      <ErrorNote error={find.error} />
      {who && (
        <div class="card stack">
          <p>
            <strong>{who.user.email}</strong> —{" "}
            {who.eff.roles
              .map((r) => (r.via === "team" ? `${r.role_name} (${r.team_name})` : r.role_name))
              .join(", ") || t("roles.noRoles")}
          </p>
          <ul class="perm-list" aria-label={t("roles.permissions")}>
            {who.eff.permissions.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
          <form class="toolbar" onSubmit={ask}>
            <label>
              {t("roles.permission")}
              <input name="permission" list="perms" required placeholder="users:write" />
            </label>
            <datalist id="perms">
              {who.eff.permissions.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
            <button type="submit" disabled={explain.busy}>
              {t("roles.explain")}
            </button>
          </form>
          <ErrorNote error={explain.error} />
          {why && (
            <output class="block" data-allowed={String(why.allowed)}>
              <strong>{why.allowed ? t("roles.allowed") : t("roles.denied")}</strong>{" "}
              {why.source
                ? t(`roles.source.${why.source.kind}`, {
                    name: why.source.name,
                    pattern: why.source.pattern,
                    team: why.source.team?.name ?? ""
                  })
                : t("roles.defaultDeny")}
            </output>
          )}
        </div>
      )}
    </Section>
  )
}
