/**
 * Building blocks shared by the pages: the signed-in guard, the page frame
 * with its navigation, async data loading and error messages.
 *
 * @module
 */

import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import type { ComponentChildren } from "preact"
import { useCallback, useEffect, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { ApiError, call, currentUser, onSessionChange, resume, signOut } from "./api.js"
import { LANGUAGES, type Language, language, setLanguage, setTimeZone, useT } from "./i18n.js"

/** The signed-in user of `slug`, re-rendering on sign-in and sign-out. */
export const useUser = (slug: string): User | undefined => {
  const [user, setUser] = useState(() => currentUser(slug))
  useEffect(() => onSessionChange(() => setUser(currentUser(slug))), [slug])
  return user
}

/**
 * Renders `children(user)` once a browser session of `slug` is live: resumes
 * one from the refresh cookie after a reload, else sends the visitor to the
 * sign-in page and back here afterwards.
 */
export const RequireUser = ({ slug, children }: { slug: string; children: (user: User) => ComponentChildren }) => {
  const user = useUser(slug)
  const { route, url } = useLocation()
  const t = useT()
  useEffect(() => {
    if (user) return
    // No session in memory (a reload, or it ended): resume from the refresh cookie, else sign in and come back.
    let live = true
    void resume(slug).then((ok) => {
      if (live && !ok) route(`/t/${encodeURIComponent(slug)}/login?next=${encodeURIComponent(url)}`, true)
    })
    return () => {
      live = false
    }
  }, [slug, user])
  if (!user) return <output class="muted block">{t("loading")}</output>
  return <>{children(user)}</>
}

/** A navigation entry of the frame. */
export interface NavItem {
  readonly href: string
  readonly label: string
}

/** The navigation of a user type. */
export const navFor = (slug: string, user: User, t: (k: string) => string): ReadonlyArray<NavItem> => {
  const base = `/t/${encodeURIComponent(slug)}`
  const items: Array<NavItem> = []
  if (user.user_type === "student")
    items.push(
      { href: `${base}/student`, label: t("nav.home") },
      { href: `${base}/student/history`, label: t("nav.history") },
      { href: `${base}/student/excuses`, label: t("nav.excuses") }
    )
  if (user.user_type === "teacher")
    items.push(
      { href: `${base}/teacher`, label: t("nav.home") },
      { href: `${base}/teacher/excuses`, label: t("nav.excuses") },
      { href: `${base}/teacher/reports`, label: t("nav.reports") }
    )
  if (user.user_type === "admin" || user.user_type === "dev")
    items.push(
      { href: `${base}/admin`, label: t("nav.users") },
      { href: `${base}/admin/import`, label: t("nav.import") },
      { href: `${base}/admin/academics`, label: t("nav.academics") },
      { href: `${base}/admin/beacons`, label: t("nav.beacons") },
      { href: `${base}/admin/apps`, label: t("nav.apps") },
      { href: `${base}/admin/sso`, label: t("nav.sso") },
      { href: `${base}/admin/channels`, label: t("nav.channels") },
      { href: `${base}/admin/reports`, label: t("nav.reports") },
      { href: `${base}/admin/audit`, label: t("nav.audit") },
      { href: `${base}/admin/roles`, label: t("nav.roles") },
      { href: `${base}/admin/settings`, label: t("nav.settings") },
      { href: `${base}/admin/billing`, label: t("nav.billing") }
    )
  items.push({ href: `${base}/account`, label: t("nav.account") })
  return items
}

/** The page frame: header with the school's navigation, language and sign-out; `main` landmark. */
export const Frame = ({
  slug,
  user,
  title,
  children
}: {
  slug: string
  user: User
  title: string
  children: ComponentChildren
}) => {
  const t = useT()
  const { path, route } = useLocation()
  useEffect(() => {
    document.title = `${title} · Signet`
  }, [title])
  useEffect(() => {
    // Dates and times in the school's time zone (loaded apart: the sign page needs none).
    if (user.school_id)
      void import("./school.js").then((m) => m.schoolZone(slug, user.school_id as string)).then(setTimeZone)
  }, [slug, user.school_id])
  return (
    <>
      <header class="top">
        <a class="brand" href={`/t/${encodeURIComponent(slug)}`}>
          Signet <span class="tenant">{slug}</span>
        </a>
        <nav aria-label={t("nav.menu")}>
          {navFor(slug, user, t).map((i) => (
            <a key={i.href} href={i.href} aria-current={path === i.href ? "page" : undefined}>
              {i.label}
            </a>
          ))}
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
          <button
            type="button"
            class="link"
            onClick={() => void signOut(slug).then(() => route(`/t/${encodeURIComponent(slug)}/login`))}
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

/** State of an async load. */
export interface Loaded<A> {
  readonly data: A | undefined
  readonly error: ApiError | undefined
  readonly loading: boolean
  readonly reload: () => void
}

/** Loads `load()` on mount and whenever `deps` change; `reload` runs it again. */
export const useLoad = <A,>(load: () => Promise<A>, deps: ReadonlyArray<unknown>): Loaded<A> => {
  const [data, setData] = useState<A | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [n, setN] = useState(0)
  useEffect(() => {
    let live = true
    setLoading(true)
    load().then(
      (a) => {
        if (!live) return
        setData(a)
        setError(undefined)
        setLoading(false)
      },
      (e) => {
        if (!live) return
        setError(e instanceof ApiError ? e : new ApiError("Error", String(e)))
        setLoading(false)
      }
    )
    return () => {
      live = false
    }
  }, [...deps, n])
  const reload = useCallback(() => setN((x) => x + 1), [])
  return { data, error, loading, reload }
}

/** Whether a refusal asks for a recent MFA verification on this session (`Forbidden`, permission `mfa:step-up`). */
export const needsStepUp = (error: ApiError | undefined): boolean =>
  error?.tag === "Forbidden" && /step-up/.test(error.message)

/**
 * An error message in plain words (`role="alert"`). A refusal that asks for
 * a recent MFA verification (administrator power: resetting MFA, setting a
 * password, changing settings) shows a code field instead: the code is
 * verified on this session (`stepUp`) and the user tries again.
 */
export const ErrorNote = ({ error }: { error: ApiError | undefined }) => {
  const t = useT()
  if (!error) return null
  if (needsStepUp(error)) return <StepUp />
  const text = error.tag === "NetworkError" ? t("error.network") : error.message
  return (
    <p class="error" role="alert">
      {text}
    </p>
  )
}

/** The step-up form of {@link ErrorNote}. */
const StepUp = () => {
  const t = useT()
  const { path } = useLocation()
  const slug = decodeURIComponent(/^\/t\/([^/]+)/.exec(path)?.[1] ?? "")
  const [state, setState] = useState<"ask" | "done">("ask")
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const code = String(new FormData(ev.target as HTMLFormElement).get("code") ?? "").trim()
    setError(undefined)
    try {
      await call(SessionApi, (c) => c.session.stepUp({ path: { slug }, payload: { code } }))
      setState("done")
    } catch (e) {
      setError(e as ApiError)
    }
  }
  if (state === "done") return <output class="block">{t("stepUp.done")}</output>
  return (
    <form class="card stack" onSubmit={submit}>
      <p role="alert">{t("stepUp.why")}</p>
      <label>
        {t("stepUp.code")}
        <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required />
      </label>
      <button type="submit">{t("stepUp.submit")}</button>
      {error && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      <p class="muted">
        <a href={`/t/${encodeURIComponent(slug)}/account`}>{t("stepUp.setup")}</a>
      </p>
    </form>
  )
}

/** A loading line (`role="status"`). */
export const Loading = () => {
  const t = useT()
  return <output class="muted block">{t("loading")}</output>
}
