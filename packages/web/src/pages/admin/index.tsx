/**
 * The admin area (`/t/{slug}/admin/*`).
 *
 * @module
 */
import { Route, Router } from "preact-iso"
import { useT } from "../../app/i18n.js"
import { Frame, RequireUser } from "../../app/ui.js"

/** The admin area's routes. */
export const AdminArea = ({ slug }: { slug: string }) => {
  const t = useT()
  return (
    <RequireUser slug={slug}>
      {(user) => (
        <Router>
          {[
            <Route
              key="home"
              default
              component={() => (
                <Frame slug={slug} user={user} title={t("nav.home")}>
                  <p />
                </Frame>
              )}
            />
          ]}
        </Router>
      )}
    </RequireUser>
  )
}
