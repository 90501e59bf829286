/**
 * The web app's entry: routes of the sign-in page and of each area
 * (student, teacher, admin, account), the areas loaded on demand so the
 * student's sign path stays small.
 *
 * Routes: `/` (choose the school), `/t/{slug}/login`, `/t/{slug}/login/code` (sign-in by e-mail code,
 * `pages/LoginCode.tsx`), `/t/{slug}/forgot`,
 * `/t/{slug}/reset?token=…`, `/t/{slug}/verify-email?token=…` (the account
 * mails' links, `pages/Recovery.tsx`), `/t/{slug}/invite?token=…` (`pages/Invite.tsx`), `/t/{slug}` (home of
 * the user's type), `/t/{slug}/sign?c=…&k=…` (the QR codes' link),
 * `/t/{slug}/student/*`, `/t/{slug}/teacher/*`, `/t/{slug}/admin/*`,
 * `/t/{slug}/account/*`; the platform operators' area `/platform/*` (`pages/platform/`:
 * `/platform/login`, `/platform/plans`, `/platform/plans/{code}`).
 *
 * @module
 */
import "./styles.css"
import "./app/i18n.js"
import { AttendanceApi } from "@signet/contracts/attendance/Api"
import { render } from "preact"
import { useEffect } from "preact/hooks"
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from "preact-iso"
import { resume, warm } from "./app/api.js"
import { useT } from "./app/i18n.js"
import { RequireUser } from "./app/ui.js"
import { Login } from "./pages/Login.js"
// The sign page is the hottest path (a phone opening a QR link): in the entry chunk, no second round trip.
import { Sign } from "./pages/student/Sign.js"
import { TenantPicker } from "./pages/Tenant.js"

const Student = lazy(() => import("./pages/student/index.js").then((m) => m.StudentArea))
const Teacher = lazy(() => import("./pages/teacher/index.js").then((m) => m.TeacherArea))
const Admin = lazy(() => import("./pages/admin/index.js").then((m) => m.AdminArea))
const Account = lazy(() => import("./pages/account/index.js").then((m) => m.AccountArea))
const LoginCode = lazy(() => import("./pages/LoginCode.js").then((m) => m.LoginCode))
const Forgot = lazy(() => import("./pages/Recovery.js").then((m) => m.Forgot))
const Reset = lazy(() => import("./pages/Recovery.js").then((m) => m.Reset))
const VerifyEmail = lazy(() => import("./pages/Recovery.js").then((m) => m.VerifyEmail))
const Invite = lazy(() => import("./pages/Invite.js").then((m) => m.Invite))
const Platform = lazy(() => import("./pages/platform/index.js").then((m) => m.PlatformArea))

/** `/t/{slug}`: sends the user to the home of their type. */
const Home = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>{(user) => <GoHome slug={slug} type={user.user_type} />}</RequireUser>
)
const GoHome = ({ slug, type }: { slug: string; type: string }) => {
  const { route } = useLocation()
  useEffect(() => {
    const area = type === "student" ? "student" : type === "teacher" ? "teacher" : "admin"
    route(`/t/${encodeURIComponent(slug)}/${area}`, true)
  }, [])
  return null
}

const NotFound = () => {
  const t = useT()
  return (
    <main id="main" class="narrow">
      <h1>{t("notFound")}</h1>
      <p>
        <a href="/">Signet</a>
      </p>
    </main>
  )
}

const App = () => (
  // Links to the server's own endpoints (`/api/…`: the SSO sign-in's redirects) are full navigations.
  <LocationProvider scope={/^\/(?!api\/)/}>
    <ErrorBoundary>
      <Router>
        <Route path="/" component={TenantPicker} />
        <Route path="/t/:slug/login" component={Login} />
        <Route path="/t/:slug/login/code" component={LoginCode} />
        <Route path="/t/:slug/sign" component={Sign} />
        <Route path="/t/:slug/forgot" component={Forgot} />
        <Route path="/t/:slug/reset" component={Reset} />
        <Route path="/t/:slug/verify-email" component={VerifyEmail} />
        <Route path="/t/:slug/invite" component={Invite} />
        <Route path="/t/:slug/student/*" component={Student} />
        <Route path="/t/:slug/student" component={Student} />
        <Route path="/t/:slug/teacher/*" component={Teacher} />
        <Route path="/t/:slug/teacher" component={Teacher} />
        <Route path="/t/:slug/admin/*" component={Admin} />
        <Route path="/t/:slug/admin" component={Admin} />
        <Route path="/t/:slug/account/*" component={Account} />
        <Route path="/t/:slug/account" component={Account} />
        <Route path="/t/:slug" component={Home} />
        <Route path="/platform/*" component={Platform} />
        <Route path="/platform" component={Platform} />
        <Route default component={NotFound} />
      </Router>
    </ErrorBoundary>
  </LocationProvider>
)

// A page of a school opened with no session in memory (a QR link, a reload): ask for the access token at
// once, while the page renders (the guard then shares this request).
const opened = /^\/t\/([^/]+)\/(?!login|forgot|reset|verify-email)/.exec(location.pathname)
if (opened?.[1]) void resume(decodeURIComponent(opened[1]))
if (/^\/t\/[^/]+\/sign$/.test(location.pathname)) warm(AttendanceApi)

render(<App />, document.getElementById("app")!)

if ("serviceWorker" in navigator && window.isSecureContext) void navigator.serviceWorker.register("/sw.js")
