/**
 * The teacher area (`/t/{slug}/teacher/*`, issue 17 "Teacher"): today's
 * courses, the classroom screen, the live roll, excuses to decide, reports.
 *
 * @module
 */
import { Route, Router } from "preact-iso"
import { RequireUser } from "../../app/ui.js"
import { Excuses } from "./Excuses.js"
import { Reports } from "./Reports.js"
import { Roll } from "./Roll.js"
import { Screen } from "./Screen.js"
import { Today } from "./Today.js"
import "./teacher.css"

/** The teacher area's routes. */
export const TeacherArea = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>
    {(user) => (
      <Router>
        {[
          <Route
            key="screen"
            path="/courses/:id/screen"
            component={({ id }: { id: string }) => <Screen slug={slug} user={user} id={id} />}
          />,
          <Route
            key="roll"
            path="/courses/:id"
            component={({ id }: { id: string }) => <Roll slug={slug} user={user} id={id} />}
          />,
          <Route key="excuses" path="/excuses" component={() => <Excuses slug={slug} user={user} />} />,
          <Route key="reports" path="/reports" component={() => <Reports slug={slug} user={user} />} />,
          <Route key="today" default component={() => <Today slug={slug} user={user} />} />
        ]}
      </Router>
    )}
  </RequireUser>
)
