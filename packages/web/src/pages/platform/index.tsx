/**
 * The platform operators' area (`/platform/*`, issue 20 "web app pages
 * (… platform plans)"), apart from every school: `/platform/login` (the
 * operator's e-mail and password), `/platform/plans` (the plan catalogue,
 * a new plan, the platform meters) and `/platform/plans/{code}` (a plan's
 * versions and its next one). Loaded on demand: no school's page carries it.
 *
 * @module
 */
import "../admin/admin.css"
import "./platform.css"
import type { ComponentChildren } from "preact"
import { useEffect, useState } from "preact/hooks"
import { lazy, Route, Router, useLocation } from "preact-iso"
import { LANGUAGES, type Language, language, setLanguage, useT } from "../../app/i18n.js"
import { Loading } from "../../app/ui.js"
import { PlatformLogin } from "./Login.js"
import { onOperatorChange, operatorEmail, operatorSignOut } from "./session.js"

const Plans = lazy(() => import("./Plans.js").then((m) => m.Plans))
const PlanPage = lazy(() => import("./Plan.js").then((m) => m.PlanPage))

/** The signed-in operator's e-mail, re-rendering on sign-in, sign-out and expiry. */
const useOperator = () => {
  const [email, setEmail] = useState(operatorEmail)
  useEffect(() => onOperatorChange(() => setEmail(operatorEmail())), [])
  return email
}

/** Renders `children` while an operator is signed in; else sends the visitor to `/platform/login` and back. */
const RequireOperator = ({ children }: { children: () => ComponentChildren }) => {
  const email = useOperator()
  const { route, url } = useLocation()
  useEffect(() => {
    if (!email) route(`/platform/login?next=${encodeURIComponent(url)}`, true)
  }, [email])
  if (!email) return <Loading />
  return <>{children()}</>
}

/** The platform pages' frame: header (navigation, language, the operator, sign-out) and the `main` landmark. */
export const PlatformFrame = ({ title, children }: { title: string; children: ComponentChildren }) => {
  const t = useT("platform")
  const { path, route } = useLocation()
  const email = useOperator()
  useEffect(() => {
    document.title = `${title} · Signet`
  }, [title])
  return (
    <>
      <header class="top">
        <a class="brand" href="/platform/plans">
          Signet <span class="tenant">{t("brand")}</span>
        </a>
        <nav aria-label={t("nav.menu")}>
          <a href="/platform/plans" aria-current={path === "/platform/plans" ? "page" : undefined}>
            {t("nav.plans")}
          </a>
        </nav>
        <div class="tools">
          <label class="sr-only" for="lang">
            {t("nav.language")}
          </label>
          <select
            id="lang"
            value={language()}
            onChange={(e) => setLanguage((e.target as HTMLSelectElement).value as Language)}
          >
            {Object.entries(LANGUAGES).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
          <span class="operator">{email}</span>
          <button
            type="button"
            class="link"
            onClick={() => {
              operatorSignOut()
              route("/platform/login")
            }}
          >
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <main id="main">
        <h1>{title}</h1>
        {children}
      </main>
    </>
  )
}

/** The area's routes (the catalogue is the default). */
export const PlatformArea = () => (
  <Router>
    <Route path="/login" component={PlatformLogin} />
    <Route
      path="/plans/:code"
      component={({ code }: { code: string }) => <RequireOperator>{() => <PlanPage code={code} />}</RequireOperator>}
    />
    <Route default component={() => <RequireOperator>{() => <Plans />}</RequireOperator>} />
  </Router>
)
