/**
 * The access service's teams (seed 001 "teams - Organizational units"):
 * teams, their members and the roles they grant to their members. A
 * membership hands the team's roles to the member, so adding a member needs
 * the caller to hold every permission those roles grant, and assigning a
 * role to a team needs the role's permissions (no escalation). Members must
 * be live users of the current tenant (issue 14).
 *
 * @module
 */

import {
  type CreateTeam,
  type RoleId,
  Team,
  TeamDetail,
  TeamId,
  TeamMember,
  TeamNotFound,
  type UpdateTeam,
  type UserId
} from "@signet/contracts/access/Domain"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Forbidden } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import type { Checks } from "./Checks.js"
import type { ListParams } from "./Config.js"
import type { Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { makeRoles } from "./Roles.js"

type Roles = ReturnType<typeof makeRoles>

const rolesWrite = policyRequire("roles", "write")
const teamsRead = policyRequire("teams", "read")
const teamsWrite = policyRequire("teams", "write")

/** Team lookups and CRUD, on `kit`. */
const makeTeamCrud = (kit: Kit) => {
  const { repo, mutation, commit, inTenant } = kit

  const teamNotFound = (id: TeamId) => new TeamNotFound({ message: `no team ${id}`, team: id })

  /** The team, or TeamNotFound (another tenant's team too). */
  const requireTeam = (id: TeamId) =>
    Effect.flatMap(repo.findTeam(id), (t) =>
      Option.isSome(t) ? Effect.succeed(t.value) : Effect.fail(teamNotFound(id))
    )

  const teamDetail = (team: Team) => Effect.map(repo.teamRoles(team.id), (roles) => new TeamDetail({ ...team, roles }))

  /** Lists the tenant's teams by id, with cursor pagination. Requires `teams:read`. @errors ValidationError (bad cursor) */
  const listTeams = (params: ListParams = {}) =>
    teamsRead(
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        return toPage(yield* inTenant(repo.pageTeams(after, limit + 1)), limit)
      }).pipe(Effect.withSpan("Access.listTeams"))
    )

  /** One team with the roles it grants. Requires `teams:read`. @errors TeamNotFound */
  const getTeam = (id: TeamId) =>
    teamsRead(inTenant(Effect.flatMap(requireTeam(id), teamDetail)).pipe(Effect.withSpan("Access.getTeam")))

  /** Creates a team. Requires `teams:write`. @errors Conflict (name taken) */
  const createTeam = (input: CreateTeam) =>
    teamsWrite(
      mutation("createTeam", (at) =>
        Effect.gen(function* () {
          const id = yield* newId(TeamId)
          yield* repo
            .insertTeam({ id, name: input.name, description: input.description ?? "" }, at)
            .pipe(Effect.catchAll(kit.uniqueConflict("name", `a team named "${input.name}" already exists`)))
          const team = yield* requireTeam(id).pipe(Effect.orDie)
          yield* commit({
            action: "access.team.create",
            targetType: "team",
            targetId: id,
            after: team,
            event: "signet.access.team.created",
            data: team
          })
          return new TeamDetail({ ...team, roles: [] })
        })
      )
    )

  /** Renames or redescribes a team; an empty patch changes nothing. Requires `teams:write`. @errors TeamNotFound, Conflict */
  const updateTeam = (id: TeamId, input: UpdateTeam) =>
    teamsWrite(
      mutation("updateTeam", (at) =>
        Effect.gen(function* () {
          const before = yield* requireTeam(id)
          const name = input.name ?? before.name
          const description = input.description ?? before.description
          if (name === before.name && description === before.description) return yield* teamDetail(before)
          const after = new Team({ ...before, name, description, updated_at: at })
          yield* repo
            .updateTeam(after)
            .pipe(Effect.catchAll(kit.uniqueConflict("name", `a team named "${name}" already exists`)))
          yield* commit({
            action: "access.team.update",
            targetType: "team",
            targetId: id,
            before,
            after,
            event: "signet.access.team.updated",
            data: after
          })
          return yield* teamDetail(after)
        })
      )
    )

  /** Deletes a team with its memberships and role grants. Requires `teams:write`. @errors TeamNotFound */
  const deleteTeam = (id: TeamId) =>
    teamsWrite(
      mutation("deleteTeam", () =>
        Effect.gen(function* () {
          const team = yield* requireTeam(id)
          const before = yield* teamDetail(team)
          yield* repo.deleteTeam(id)
          yield* commit({
            action: "access.team.delete",
            targetType: "team",
            targetId: id,
            before,
            event: "signet.access.team.deleted",
            data: { id, name: team.name }
          })
        })
      )
    )

  return { requireTeam, teamDetail, listTeams, getTeam, createTeam, updateTeam, deleteTeam } as const
}

type TeamCrud = ReturnType<typeof makeTeamCrud>

/** Team members, on `kit`, the decisions `checks`, the team lookups `crud` and the step-up check. */
const makeTeamMembers = (
  kit: Kit,
  checks: Checks,
  crud: TeamCrud,
  requireStepUp: Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor>
) => {
  const { repo, mutation, commit, inTenant } = kit
  const { requireTeam } = crud

  /** A team's members by user id, with cursor pagination. Requires `teams:read`. @errors TeamNotFound, ValidationError */
  const listTeamMembers = (teamId: TeamId, params: ListParams = {}) =>
    teamsRead(
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const rows = yield* inTenant(Effect.zipRight(requireTeam(teamId), repo.pageMembers(teamId, after, limit + 1)))
        const page = toPage(
          rows.map((m) => ({ id: m.user_id, member: m })),
          limit
        )
        return { items: page.items.map((r) => r.member), next_cursor: page.next_cursor }
      }).pipe(Effect.withSpan("Access.listTeamMembers"))
    )

  /**
   * Adds a user to a team (no-op when a member). Requires `teams:write`;
   * the user must be a live user of the tenant, and the caller must hold
   * every permission the team's roles grant (checked on every call, no-ops
   * included). When the team grants any role, a `user` caller also needs a
   * recent MFA verification on its session (step-up, issue 15 §4).
   * @errors ValidationError, NotFound (no such user), TeamNotFound,
   * Forbidden (step-up `mfa:step-up`, or a team role's permission not held)
   */
  const addTeamMember = (teamId: TeamId, userId: UserId) =>
    teamsWrite(
      mutation("addTeamMember", (at) =>
        Effect.gen(function* () {
          yield* kit.requireUser(userId)
          const team = yield* requireTeam(teamId)
          // A membership hands out the team's roles: like assigning a role, it needs a
          // recent MFA verification from a user actor (issue 15 §4), before anything is written.
          if ((yield* repo.teamRoles(teamId)).length > 0) yield* requireStepUp
          yield* checks.requireHeld(yield* repo.teamPermissions(teamId), `adding a member to team "${team.name}"`)
          const existing = yield* repo.findMember(teamId, userId)
          if (Option.isSome(existing)) return existing.value
          const member = new TeamMember({ team_id: team.id, user_id: userId, added_at: at })
          yield* repo.insertMember(member)
          yield* commit({
            action: "access.team_member.add",
            targetType: "team",
            targetId: teamId,
            after: member,
            event: "signet.access.team.member.added",
            data: member
          })
          return member
        })
      )
    )

  /**
   * Removes a user from a team (no-op when not a member). Requires `teams:write`.
   * @errors ValidationError, NotFound (no such user), TeamNotFound
   */
  const removeTeamMember = (teamId: TeamId, userId: UserId) =>
    teamsWrite(
      mutation("removeTeamMember", () =>
        Effect.gen(function* () {
          yield* kit.requireUser(userId)
          yield* requireTeam(teamId)
          if (Option.isNone(yield* repo.findMember(teamId, userId))) return
          yield* repo.deleteMember(teamId, userId)
          yield* commit({
            action: "access.team_member.remove",
            targetType: "team",
            targetId: teamId,
            before: { team_id: teamId, user_id: userId },
            event: "signet.access.team.member.removed",
            data: { team_id: teamId, user_id: userId }
          })
        })
      )
    )

  return { listTeamMembers, addTeamMember, removeTeamMember } as const
}

/** The roles a team grants, on `kit`, the decisions `checks`, the team lookups `crud` and the role lookups of `roles`. */
const makeTeamRoles = (kit: Kit, checks: Checks, crud: TeamCrud, roles: Roles) => {
  const { repo, mutation, commit } = kit
  const { requireTeam, teamDetail } = crud

  /**
   * Grants a role to every member of a team (no-op when granted). Requires
   * `roles:write`, and the caller must hold every permission pattern of the
   * role (checked on every call, no-ops included).
   * @errors TeamNotFound, RoleNotFound, Forbidden (403, the first pattern of the role not held)
   */
  const assignTeamRole = (teamId: TeamId, roleId: RoleId) =>
    rolesWrite(
      mutation("assignTeamRole", (at) =>
        Effect.gen(function* () {
          const team = yield* requireTeam(teamId)
          const role = yield* roles.requireRole(roleId)
          yield* checks.requireHeldRoleRow(role, `assigning a role to team "${team.name}"`)
          if (!(yield* repo.hasTeamRole(teamId, roleId))) {
            yield* repo.insertTeamRole(teamId, roleId, at)
            const data = { team_id: team.id, team_name: team.name, role_id: role.id, role_name: role.name }
            yield* commit({
              action: "access.team_role.assign",
              targetType: "team",
              targetId: teamId,
              after: data,
              event: "signet.access.team.role.assigned",
              data
            })
          }
          return yield* teamDetail(team)
        })
      )
    )

  /** Withdraws a role from a team (no-op when not granted). Requires `roles:write` only: it takes away. @errors TeamNotFound, RoleNotFound */
  const unassignTeamRole = (teamId: TeamId, roleId: RoleId) =>
    rolesWrite(
      mutation("unassignTeamRole", () =>
        Effect.gen(function* () {
          const team = yield* requireTeam(teamId)
          const role = yield* roles.requireRole(roleId)
          if (yield* repo.hasTeamRole(teamId, roleId)) {
            yield* repo.deleteTeamRole(teamId, roleId)
            const data = { team_id: team.id, team_name: team.name, role_id: role.id, role_name: role.name }
            yield* commit({
              action: "access.team_role.unassign",
              targetType: "team",
              targetId: teamId,
              before: data,
              event: "signet.access.team.role.unassigned",
              data
            })
          }
          return yield* teamDetail(team)
        })
      )
    )

  return { assignTeamRole, unassignTeamRole } as const
}

/**
 * Team operations, on `kit`, the decisions `checks`, the role lookups of
 * `roles` and the step-up check `requireStepUp` (`Access.requireStepUp`).
 */
export const makeTeams = (
  kit: Kit,
  checks: Checks,
  roles: Roles,
  requireStepUp: Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor>
) => {
  const crud = makeTeamCrud(kit)
  const members = makeTeamMembers(kit, checks, crud, requireStepUp)
  const teamRoles = makeTeamRoles(kit, checks, crud, roles)
  return {
    listTeams: crud.listTeams,
    getTeam: crud.getTeam,
    createTeam: crud.createTeam,
    updateTeam: crud.updateTeam,
    deleteTeam: crud.deleteTeam,
    listTeamMembers: members.listTeamMembers,
    addTeamMember: members.addTeamMember,
    removeTeamMember: members.removeTeamMember,
    assignTeamRole: teamRoles.assignTeamRole,
    unassignTeamRole: teamRoles.unassignTeamRole
  } as const
}
