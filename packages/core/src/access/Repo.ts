/**
 * The access module's repository: all of its SQL (ARCHITECTURE §1 "Repo.ts";
 * STYLE.md "Repositories"). It is the only writer of the access tables
 * (`roles`, `permissions`, `role_permissions`, `user_roles`,
 * `user_permissions`, `teams`, `team_members`, `team_roles`,
 * `access_versions`). Every method takes the tenant from `CurrentTenant`,
 * runs in the caller's transaction when there is one (the services open
 * `tenantTx`), carries a span `AccessRepo.<method>` and turns `SqlError`
 * into a defect, except the inserts and updates whose unique violations the
 * service maps to `Conflict` (`insertPermission`, `insertRole`,
 * `updateRole`, `insertTeam`, `updateTeam`).
 *
 * The queries live in `repo/Roles.ts` (versions, role reads, permissions,
 * role writes), `repo/Users.ts` (user roles, overrides, effective reads)
 * and `repo/Teams.ts` (teams, members, team roles, the whole policy), one
 * small factory per table group. Rows decode into the contract classes
 * (branded ids, `DateTime.Utc` instants); instants are written with
 * `kernel/Sql.instant` (ISO-8601 UTC).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { roleQueries } from "./repo/Roles.js"
import { teamQueries } from "./repo/Teams.js"
import { userQueries } from "./repo/Users.js"

export { isUuid, PermissionFromRow, type RoleCursor, RoleFromRow, type RoleValues } from "./repo/Roles.js"
export type { HeldRole, TeamHeldRole } from "./repo/Users.js"
export { UserRoleFromRow } from "./repo/Users.js"

/** The access repository; see the module comment. */
export class AccessRepo extends Effect.Service<AccessRepo>()("Signet/AccessRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    ...roleQueries(sql),
    ...userQueries(sql),
    ...teamQueries(sql)
  }))
}) {}
