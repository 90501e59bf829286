/**
 * Repository part of the access module: teams, their members and the roles
 * they grant (tables `teams`, `team_members`, `team_roles`; seed 001
 * "teams - Organizational units"), and the read of every rule of a tenant
 * that the compiled policy is built from. Every query filters by the
 * `CurrentTenant`; SQL errors become defects here, except the team insert
 * and update whose unique violations the service turns into `Conflict`.
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import type { GrantEffect } from "@signet/contracts/access/Domain"
import { type RoleId, RoleRef, Team, type TeamId, TeamMember, type UserId } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { PolicyInput } from "../Policy.js"
import { isUuid } from "./Roles.js"

const tenantId = Effect.map(CurrentTenant, (t) => t.id)
/** Team rows (`teams`), on `sql`. */
const teamRows = (sql: SqlClient.SqlClient) => {
  const teamById = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
    Result: Team,
    execute: (r) => sql`SELECT * FROM teams WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
  })
  return {
    /** The team with this id (none for another tenant's id or a non-UUID). */
    findTeam: Effect.fn("AccessRepo.findTeam")(function* (id: TeamId) {
      if (!isUuid(id)) return Option.none<Team>()
      return yield* teamById({ tenant: yield* tenantId, id })
    }, Effect.orDie),

    /** Up to `limit` teams with an id after `after`, by id. */
    pageTeams: Effect.fn("AccessRepo.pageTeams")(function* (after: string | undefined, limit: number) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT * FROM teams WHERE tenant_id = ${tenant}
        ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${limit}`
      return yield* Schema.decodeUnknown(Schema.Array(Team))(rows)
    }, Effect.orDie),

    /** Inserts a team. Keeps `SqlError` (a unique violation means the name is taken). */
    insertTeam: (
      team: { readonly id: TeamId; readonly name: string; readonly description: string },
      at: DateTime.Utc
    ) =>
      Effect.flatMap(
        tenantId,
        (tenant) => sql`INSERT INTO teams (tenant_id, id, name, description, created_at, updated_at)
          VALUES (${tenant}, ${team.id}, ${team.name}, ${team.description}, ${instant(at)}, ${instant(at)})`
      ).pipe(Effect.asVoid, Effect.withSpan("AccessRepo.insertTeam")),

    /** Writes a team's name, description and `updated_at`. Keeps `SqlError` (name taken). */
    updateTeam: (team: Team) =>
      Effect.flatMap(
        tenantId,
        (tenant) => sql`UPDATE teams SET name = ${team.name}, description = ${team.description},
            updated_at = ${instant(team.updated_at)}
          WHERE tenant_id = ${tenant} AND id = ${team.id}`
      ).pipe(Effect.asVoid, Effect.withSpan("AccessRepo.updateTeam")),

    /** Deletes a team with its memberships and role grants. */
    deleteTeam: Effect.fn("AccessRepo.deleteTeam")(function* (teamId: TeamId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM team_members WHERE tenant_id = ${tenant} AND team_id = ${teamId}`
      yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenant} AND team_id = ${teamId}`
      yield* sql`DELETE FROM teams WHERE tenant_id = ${tenant} AND id = ${teamId}`
    }, Effect.orDie)
  } as const
}

/** Team memberships (`team_members`), on `sql`. */
const memberRows = (sql: SqlClient.SqlClient) => {
  const memberRow = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, team: Schema.String, user: Schema.String }),
    Result: TeamMember,
    execute: (r) => sql`SELECT team_id, user_id, created_at AS added_at FROM team_members
      WHERE tenant_id = ${r.tenant} AND team_id = ${r.team} AND user_id = ${r.user}`
  })
  return {
    /** Up to `limit` members of a team with a user id after `after`, by user id. */
    pageMembers: Effect.fn("AccessRepo.pageMembers")(function* (
      teamId: TeamId,
      after: string | undefined,
      limit: number
    ) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT team_id, user_id, created_at AS added_at FROM team_members
        WHERE tenant_id = ${tenant} AND team_id = ${teamId} ${after ? sql`AND user_id > ${after}` : sql``}
        ORDER BY user_id LIMIT ${limit}`
      return yield* Schema.decodeUnknown(Schema.Array(TeamMember))(rows)
    }, Effect.orDie),

    /** The membership of a user in a team, if any. */
    findMember: Effect.fn("AccessRepo.findMember")(function* (teamId: TeamId, userId: UserId) {
      return yield* memberRow({ tenant: yield* tenantId, team: teamId, user: userId })
    }, Effect.orDie),

    /** Adds a member to a team. */
    insertMember: Effect.fn("AccessRepo.insertMember")(function* (member: TeamMember) {
      const tenant = yield* tenantId
      yield* sql`INSERT INTO team_members (tenant_id, team_id, user_id, created_at)
        VALUES (${tenant}, ${member.team_id}, ${member.user_id}, ${instant(member.added_at)})`
    }, Effect.orDie),

    /** Removes a member from a team. */
    deleteMember: Effect.fn("AccessRepo.deleteMember")(function* (teamId: TeamId, userId: UserId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM team_members WHERE tenant_id = ${tenant} AND team_id = ${teamId} AND user_id = ${userId}`
    }, Effect.orDie)
  } as const
}

/** The roles teams grant (`team_roles`), on `sql`. */
const teamRoleRows = (sql: SqlClient.SqlClient) =>
  ({
    /** The roles a team grants, highest priority first, then by name. */
    teamRoles: Effect.fn("AccessRepo.teamRoles")(function* (teamId: TeamId) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT r.id, r.name FROM team_roles tr
        JOIN roles r ON r.tenant_id = tr.tenant_id AND r.id = tr.role_id
        WHERE tr.tenant_id = ${tenant} AND tr.team_id = ${teamId} ORDER BY r.priority DESC, r.name`
      return yield* Schema.decodeUnknown(Schema.Array(RoleRef))(rows)
    }, Effect.orDie) /** Every permission pattern a team's roles grant, sorted, each once. */,
    teamPermissions: Effect.fn("AccessRepo.teamPermissions")(function* (teamId: TeamId) {
      const tenant = yield* tenantId
      const rows = yield* sql<{ permission: string }>`SELECT DISTINCT rp.permission FROM team_roles tr
        JOIN role_permissions rp ON rp.tenant_id = tr.tenant_id AND rp.role_id = tr.role_id
        WHERE tr.tenant_id = ${tenant} AND tr.team_id = ${teamId} ORDER BY rp.permission`
      return rows.map((r) => r.permission)
    }, Effect.orDie),

    /** Whether a team grants a role. */
    hasTeamRole: Effect.fn("AccessRepo.hasTeamRole")(function* (teamId: TeamId, roleId: RoleId) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT 1 AS x FROM team_roles
        WHERE tenant_id = ${tenant} AND team_id = ${teamId} AND role_id = ${roleId}`
      return rows.length > 0
    }, Effect.orDie),

    /** Makes a team grant a role. */
    insertTeamRole: Effect.fn("AccessRepo.insertTeamRole")(function* (
      teamId: TeamId,
      roleId: RoleId,
      at: DateTime.Utc
    ) {
      const tenant = yield* tenantId
      yield* sql`INSERT INTO team_roles (tenant_id, team_id, role_id, created_at)
        VALUES (${tenant}, ${teamId}, ${roleId}, ${instant(at)})`
    }, Effect.orDie),

    /** Withdraws a role from a team. */
    deleteTeamRole: Effect.fn("AccessRepo.deleteTeamRole")(function* (teamId: TeamId, roleId: RoleId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenant} AND team_id = ${teamId} AND role_id = ${roleId}`
    }, Effect.orDie)
  }) as const

/** Every rule of the tenant, for the compiled policy, on `sql`. */
const policyRows = (sql: SqlClient.SqlClient) =>
  ({
    /**
     * Every rule of the tenant, as the input of `compilePolicy`: roles with
     * their patterns, user roles, overrides, teams, members and team roles.
     */
    policyInput: Effect.fn("AccessRepo.policyInput")(function* () {
      const tenant = yield* tenantId
      const roles = yield* sql<{ id: string; name: string; priority: unknown }>`
        SELECT id, name, priority FROM roles WHERE tenant_id = ${tenant}`
      const grants = yield* sql<{ role_id: string; permission: string }>`
        SELECT role_id, permission FROM role_permissions WHERE tenant_id = ${tenant}`
      const userRoles = yield* sql<{ user_id: string; role_id: string }>`
        SELECT user_id, role_id FROM user_roles WHERE tenant_id = ${tenant}`
      const overrides = yield* sql<{ user_id: string; permission: string; effect: GrantEffect }>`
        SELECT user_id, permission, effect FROM user_permissions WHERE tenant_id = ${tenant}`
      const teams = yield* sql<{ id: string; name: string }>`SELECT id, name FROM teams WHERE tenant_id = ${tenant}`
      const members = yield* sql<{ team_id: string; user_id: string }>`
        SELECT team_id, user_id FROM team_members WHERE tenant_id = ${tenant}`
      const teamRoles = yield* sql<{ team_id: string; role_id: string }>`
        SELECT team_id, role_id FROM team_roles WHERE tenant_id = ${tenant}`
      const byRole = new Map<string, Array<string>>()
      for (const g of grants) {
        const list = byRole.get(g.role_id)
        if (list) list.push(g.permission)
        else byRole.set(g.role_id, [g.permission])
      }
      const input: PolicyInput = {
        roles: roles.map((r) => ({
          id: r.id,
          name: r.name,
          priority: Number(r.priority),
          permissions: byRole.get(r.id) ?? []
        })),
        userRoles: userRoles.map((r) => ({ userId: r.user_id, roleId: r.role_id })),
        teams: teams.map((t) => ({ id: t.id, name: t.name })),
        teamMembers: members.map((m) => ({ teamId: m.team_id, userId: m.user_id })),
        teamRoles: teamRoles.map((t) => ({ teamId: t.team_id, roleId: t.role_id })),
        overrides: overrides.map((o) => ({ userId: o.user_id, permission: o.permission, effect: o.effect }))
      }
      return input
    }, Effect.orDie)
  }) as const

/** The team, membership, team-role and whole-policy queries, on `sql`. */
export const teamQueries = (sql: SqlClient.SqlClient) =>
  ({ ...teamRows(sql), ...memberRows(sql), ...teamRoleRows(sql), ...policyRows(sql) }) as const
