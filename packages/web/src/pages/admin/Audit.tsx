/**
 * Audit log (`/t/{slug}/admin/audit`, issue 17 "audit log viewer with chain
 * verification"): the tenant's entries newest first (`audit.list`, cursor
 * pagination, filter by action) and "Verify chain" (`audit.verify`: rows
 * walked, head, the first broken link if any).
 *
 * @module
 */
import { AuditApi } from "@signet/contracts/audit/Api"
import type { ChainVerification } from "@signet/contracts/audit/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { field, Pager, TableWrap, useAction, useCursor } from "./shared.js"

/** The audit page. */
export const Audit = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const pager = useCursor()
  const [action, setAction] = useState("")
  const list = useLoad(
    () =>
      call(AuditApi, (c) =>
        c.audit.list({
          path: { slug },
          urlParams: { cursor: pager.cursor, limit: 50, ...(action ? { action } : {}) }
        })
      ),
    [slug, pager.cursor, action]
  )
  const verify = useAction()
  const [result, setResult] = useState<ChainVerification | undefined>(undefined)
  const check = () => void verify.run(() => call(AuditApi, (c) => c.audit.verify({ path: { slug } }))).then(setResult)
  return (
    <Frame slug={slug} user={user} title={t("audit.title")}>
      <div class="toolbar">
        <button type="button" onClick={check} disabled={verify.busy}>
          {t("audit.verify")}
        </button>
      </div>
      <ErrorNote error={verify.error} />
      {result && (
        <output class={`block result ${result.ok ? "result-accepted" : "result-refused"}`} data-ok={String(result.ok)}>
          <p class="result-status">{result.ok ? t("audit.ok") : t("audit.broken")}</p>
          <p>{t("audit.checked", { count: result.checked, head: result.head_seq })}</p>
          {result.broken && (
            <p>{t("audit.brokenAt", { seq: result.broken.seq, reason: t(`audit.reason.${result.broken.reason}`) })}</p>
          )}
        </output>
      )}
      <form
        class="toolbar"
        onSubmit={(ev) => {
          ev.preventDefault()
          setAction(field(ev.target as HTMLFormElement, "action"))
          pager.reset()
        }}
      >
        <label>
          {t("audit.action")}
          <input name="action" placeholder="user.create" />
        </label>
        <button type="submit" class="secondary">
          {t("audit.filter")}
        </button>
      </form>
      {list.loading && <Loading />}
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p class="muted">{t("audit.none")}</p>}
      {list.data && list.data.items.length > 0 && (
        <TableWrap>
          <table>
            <caption class="sr-only">{t("audit.title")}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("audit.when")}</th>
                <th scope="col">{t("audit.action")}</th>
                <th scope="col">{t("audit.target")}</th>
                <th scope="col">{t("audit.actor")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((e) => (
                <tr key={e.id}>
                  <td>{e.seq}</td>
                  <td>{formatDateTime(e.occurred_at)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.target_type}
                    {e.target_id && <span class="muted"> {e.target_id.slice(0, 8)}</span>}
                  </td>
                  <td>
                    {e.actor_kind}
                    {e.actor_id && <span class="muted"> {e.actor_id.slice(0, 8)}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager pager={pager} next={list.data?.next_cursor} />
    </Frame>
  )
}
