/**
 * The admin area (`/t/{slug}/admin/*`, issue 17 "Admin"): users (the area's
 * home), imports, school structure, beacons, connected apps (OIDC clients),
 * single sign-on (SSO connections), communication channels, a target's timeline (notes, tasks, …),
 * reports, audit log, roles, settings and plan and usage, one file per page. Pages other than users are loaded on demand
 * (charts and import views stay out of the first admin chunk).
 *
 * @module
 */
import "./admin.css"
import type { User } from "@signet/contracts/identity/Domain"
import type { ComponentType } from "preact"
import { lazy, Route, Router } from "preact-iso"
import { useT } from "../../app/i18n.js"
import { Frame, RequireUser } from "../../app/ui.js"
import { Users } from "./Users.js"

type Page = ComponentType<{ slug: string; user: User }>

const Import = lazy(() => import("./Import.js").then((m) => m.Import as Page))
const Academics = lazy(() => import("./Academics.js").then((m) => m.Academics as Page))
const Beacons = lazy(() => import("./Beacons.js").then((m) => m.Beacons as Page))
const Reports = lazy(() => import("./Reports.js").then((m) => m.Reports as Page))
const Audit = lazy(() => import("./Audit.js").then((m) => m.Audit as Page))
const Roles = lazy(() => import("./Roles.js").then((m) => m.Roles as Page))
const Apps = lazy(() => import("./Apps.js").then((m) => m.Apps as Page))
const Settings = lazy(() => import("./Settings.js").then((m) => m.Settings as Page))
const Billing = lazy(() => import("./Billing.js").then((m) => m.Billing as Page))
const Sso = lazy(() => import("./Sso.js").then((m) => m.Sso as Page))
const Channels = lazy(() => import("./Channels.js").then((m) => m.Channels as Page))
const Timeline = lazy(() => import("./Timeline.js").then((m) => m.Timeline as Page))

const PAGES: ReadonlyArray<readonly [string, Page]> = [
  ["/import", Import],
  ["/academics", Academics],
  ["/beacons", Beacons],
  ["/apps", Apps],
  ["/sso", Sso],
  ["/channels", Channels],
  ["/reports", Reports],
  ["/audit", Audit],
  ["/roles", Roles],
  ["/settings", Settings],
  ["/billing", Billing],
  ["/timeline/:type/:id", Timeline]
]

/** Refuses the area to users who are not admins (the API refuses them too). */
const AdminOnly = ({
  slug,
  user,
  children
}: {
  slug: string
  user: User
  children: () => preact.ComponentChildren
}) => {
  const t = useT("admin")
  if (user.user_type === "admin" || user.user_type === "dev") return <>{children()}</>
  return (
    <Frame slug={slug} user={user} title={t("forbidden.title")}>
      <p>{t("forbidden.text")}</p>
    </Frame>
  )
}

/** The admin area's routes (the users page is the default). */
export const AdminArea = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>
    {(user) => (
      <AdminOnly slug={slug} user={user}>
        {() => (
          <Router>
            {[
              ...PAGES.map(([path, P]) => (
                <Route key={path} path={path} component={() => <P slug={slug} user={user} />} />
              )),
              <Route key="users" default component={() => <Users slug={slug} user={user} />} />
            ]}
          </Router>
        )}
      </AdminOnly>
    )}
  </RequireUser>
)
