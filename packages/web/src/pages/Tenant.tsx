/**
 * `/`: choose the school (the tenant's slug), remembered for next time. On a
 * school's custom domain, or with a remembered school, `/` goes straight to
 * its home.
 *
 * @module
 */

import { useEffect } from "preact/hooks"
import { useLocation } from "preact-iso"
import { runWeb } from "../app/api.js"
import { useT } from "../app/i18n.js"

/** The school chooser. */
export const TenantPicker = () => {
  const t = useT()
  const { route } = useLocation()
  const remembered = (() => {
    try {
      return localStorage.getItem("signet.tenant") ?? ""
    } catch {
      return ""
    }
  })()
  useEffect(() => {
    document.title = `${t("tenant.title")} · Signet`
    // A school's own domain names the school; else the one chosen last time.
    void runWeb((c) => c.web.tenant({ headers: {} })).then(
      (tenant) => route(`/t/${encodeURIComponent(tenant.slug)}`, true),
      () => {
        if (remembered) route(`/t/${encodeURIComponent(remembered)}`, true)
      }
    )
  }, [])
  const submit = (ev: Event) => {
    ev.preventDefault()
    const slug = String(new FormData(ev.target as HTMLFormElement).get("slug") ?? "")
      .trim()
      .toLowerCase()
    if (slug) route(`/t/${encodeURIComponent(slug)}/login`)
  }
  return (
    <main id="main" class="narrow">
      <p class="brand-big">Signet</p>
      <h1>{t("tenant.title")}</h1>
      <form onSubmit={submit} class="card stack">
        <label>
          {t("tenant.label")}
          <input name="slug" required pattern="[a-z0-9][a-z0-9-]*" maxLength={63} autocapitalize="none" />
        </label>
        <p class="muted">{t("tenant.hint")}</p>
        <button type="submit">{t("tenant.go")}</button>
      </form>
    </main>
  )
}
