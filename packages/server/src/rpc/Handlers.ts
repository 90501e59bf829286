/**
 * RPC handlers (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import {
  Academics,
  Access,
  Attendance,
  Auth,
  Authenticated,
  CurrentActor,
  CurrentTenant,
  Forbidden,
  Identity,
  Mfa,
  policyUse,
  SignetRpcs,
  Tenancy,
  UserAdmin
} from "@signet/core"
import { Effect } from "effect"
import { requireTenantUser, rpcClientInfo, selfOr } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** Runs an RPC handler as the principal the RPC middleware verified. */
const asPrincipal = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Authenticated, (p) =>
    self.pipe(Effect.provideService(CurrentTenant, p.tenant), Effect.provideService(CurrentActor, p.actor))
  )

/** Handlers of every RPC group in {@link SignetRpcs}. */
export const RpcHandlers = (config: ServerConfig) =>
  SignetRpcs.toLayer(
    Effect.gen(function* () {
      const tenancy = yield* Tenancy
      const identity = yield* Identity
      const auth = yield* Auth
      const access = yield* Access
      const mfa = yield* Mfa
      const academics = yield* Academics
      const attendance = yield* Attendance
      /** Academics queries need `academics:read`; the close command `academics:write`. */
      const guarded =
        (permission: string) =>
        <A, E, R>(self: Effect.Effect<A, E, R>) =>
          asPrincipal(
            Effect.zipRight(
              Effect.flatMap(Authenticated, (p) =>
                Effect.flatMap(
                  access.checkActor(p.actor, permission).pipe(Effect.provideService(CurrentTenant, p.tenant)),
                  (ok) =>
                    ok
                      ? Effect.void
                      : Effect.fail(new Forbidden({ message: `missing permission ${permission}`, permission }))
                )
              ),
              self
            )
          )
      const aRead = guarded("academics:read")
      /** The caller's user type and school (token claims), for attendance's rules. */
      const principal = Effect.map(Authenticated, (p) => ({ userType: p.userType, schoolId: p.schoolId }))
      // Role and permission changes by a user need a recent MFA verification (step-up).
      const stepUp = Effect.flatMap(Authenticated, (p) =>
        p.actor.kind === "user" && p.sessionId ? mfa.requireRecentMfa(p.sessionId) : Effect.void
      )
      const run = <A, E, R>(self: Effect.Effect<A, E, R>) =>
        asPrincipal(self.pipe(Effect.provideService(Access, access)))
      /** A user id of the caller's tenant, else 404 (another tenant's user is "not found"). */
      const requireUser = (userId: string) => requireTenantUser(identity.exists(userId), userId)
      const sensitive = <A, E, R>(self: Effect.Effect<A, E, R>) => run(Effect.zipRight(stepUp, self))
      return {
        GetCourse: ({ course_id }) => aRead(academics.getCourse(course_id)),
        ValidateTeacherCourse: ({ course_id, teacher_id }) =>
          aRead(Effect.map(academics.validateTeacherCourse(teacher_id, course_id), (is_assigned) => ({ is_assigned }))),
        ValidateStudentCourse: ({ course_id, student_id }) =>
          aRead(academics.validateStudentCourse(student_id, course_id)),
        ValidateClassroomCourse: ({ classroom_id, course_id }) =>
          aRead(Effect.map(academics.validateClassroomCourse(classroom_id, course_id), (is_linked) => ({ is_linked }))),
        GetSchoolPreferences: ({ school_id }) => aRead(academics.getSchoolPreferences(school_id)),
        // Through attendance: the courses close and their unmarked students become ABSENT.
        CloseExpiredCourses: ({ now }) =>
          guarded("academics:write")(
            Effect.map(attendance.closeExpiredCourses(now), (r) => ({ closed_count: r.closed_count }))
          ),
        CreateSignatureAttempt: (input) =>
          asPrincipal(Effect.flatMap(principal, (p) => attendance.createSignatureAttempt(input, p))),
        PatchSignature: ({ patch, signature_id }) => asPrincipal(attendance.patchSignature(signature_id, patch)),
        MarkRoll: ({ course_id, roll }) => asPrincipal(attendance.markRoll(course_id, roll)),
        SubmitExcuse: (input) => asPrincipal(attendance.submitExcuse(input)),
        DecideExcuse: ({ decision, excuse_id }) => asPrincipal(attendance.decideExcuse(excuse_id, decision)),
        GetSignature: ({ signature_id }) => guarded("attendance:read")(attendance.getSignature(signature_id)),
        GetCourseRoll: ({ course_id }) => guarded("attendance:read")(attendance.courseRoll(course_id)),
        GetStudentHistory: ({ student_id, ...range }) => asPrincipal(attendance.studentHistory(student_id, range)),
        GetAttendanceReport: (params) => guarded("attendance:read")(attendance.report(params)),
        CheckPermission: ({ permission, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.explain(user_id, permission)).pipe(
              Effect.map((e) => e.allowed),
              policyUse("roles:read")
            )
          ),
        ExplainPermission: ({ permission, user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.explain(user_id, permission)).pipe(policyUse("roles:read"))),
        EffectivePermissions: ({ user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.effectivePermissions(user_id)).pipe(policyUse("roles:read"))
          ),
        ListPermissions: () => run(access.listPermissions.pipe(policyUse("roles:read"))),
        ListRoles: (params) => run(access.listRoles(params).pipe(policyUse("roles:read"))),
        GetRole: ({ role_id }) => run(access.getRole(role_id).pipe(policyUse("roles:read"))),
        ListUserRoles: ({ user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.listUserRoles(user_id)).pipe(policyUse("roles:read"))),
        ListUserOverrides: ({ user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.listUserOverrides(user_id)).pipe(policyUse("roles:read"))),
        ListTeams: (params) => run(access.listTeams(params).pipe(policyUse("teams:read"))),
        GetTeam: ({ team_id }) => run(access.getTeam(team_id).pipe(policyUse("teams:read"))),
        ListTeamMembers: ({ team_id, ...params }) =>
          run(access.listTeamMembers(team_id, params).pipe(policyUse("teams:read"))),
        CreatePermission: ({ permission }) =>
          sensitive(access.createPermission(permission).pipe(policyUse("roles:write"))),
        DeletePermission: ({ name }) => sensitive(access.deletePermission(name).pipe(policyUse("roles:write"))),
        CreateRole: ({ role }) => sensitive(access.createRole(role).pipe(policyUse("roles:write"))),
        UpdateRole: ({ patch, role_id }) => sensitive(access.updateRole(role_id, patch).pipe(policyUse("roles:write"))),
        DeleteRole: ({ role_id }) => sensitive(access.deleteRole(role_id).pipe(policyUse("roles:write"))),
        SetRolePermissions: ({ permissions, role_id }) =>
          sensitive(access.setRolePermissions(role_id, permissions).pipe(policyUse("roles:write"))),
        GrantPermission: ({ permission, role_id }) =>
          sensitive(access.grant(role_id, permission).pipe(policyUse("roles:write"))),
        RevokePermission: ({ permission, role_id }) =>
          sensitive(access.revoke(role_id, permission).pipe(policyUse("roles:write"))),
        AssignRole: ({ role_id, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.assignRole(user_id, role_id)).pipe(policyUse("roles:write"))
          ),
        UnassignRole: ({ role_id, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.unassignRole(user_id, role_id)).pipe(policyUse("roles:write"))
          ),
        SetUserOverride: ({ effect, permission, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.setUserOverride(user_id, permission, effect)).pipe(
              policyUse("roles:write")
            )
          ),
        RemoveUserOverride: ({ permission, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.removeUserOverride(user_id, permission)).pipe(
              policyUse("roles:write")
            )
          ),
        CreateTeam: ({ team }) => run(access.createTeam(team).pipe(policyUse("teams:write"))),
        UpdateTeam: ({ patch, team_id }) => run(access.updateTeam(team_id, patch).pipe(policyUse("teams:write"))),
        DeleteTeam: ({ team_id }) => run(access.deleteTeam(team_id).pipe(policyUse("teams:write"))),
        AddTeamMember: ({ team_id, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.addTeamMember(team_id, user_id)).pipe(policyUse("teams:write"))
          ),
        RemoveTeamMember: ({ team_id, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.removeTeamMember(team_id, user_id)).pipe(
              policyUse("teams:write")
            )
          ),
        AssignTeamRole: ({ role_id, team_id }) =>
          sensitive(access.assignTeamRole(team_id, role_id).pipe(policyUse("roles:write"))),
        UnassignTeamRole: ({ role_id, team_id }) =>
          sensitive(access.unassignTeamRole(team_id, role_id).pipe(policyUse("roles:write"))),
        // IdentityQuery: about oneself, or with users:read (UserAdmin).
        GetUserLite: ({ user_id }) =>
          asPrincipal(
            selfOr(user_id, identity.getLite(user_id), UserAdmin.getLite(user_id).pipe(policyUse("users:read")))
          ),
        Exists: ({ user_id }) =>
          asPrincipal(
            Effect.map(
              selfOr(user_id, identity.exists(user_id), UserAdmin.exists(user_id).pipe(policyUse("users:read"))),
              (exists) => ({ exists })
            )
          ),
        ValidateStudentDevice: ({ device_identifier, student_id }) =>
          asPrincipal(
            Effect.map(
              selfOr(
                student_id,
                identity.validateStudentDevice(student_id, device_identifier),
                UserAdmin.validateStudentDevice(student_id, device_identifier).pipe(policyUse("users:read"))
              ),
              (is_valid) => ({ is_valid })
            )
          ),
        GetUserById: ({ user_id }) =>
          asPrincipal(selfOr(user_id, identity.get(user_id), UserAdmin.get(user_id).pipe(policyUse("users:read")))),
        ValidateToken: ({ token }) => auth.validateToken(token),
        // Client address and agent as over REST, so the per-address login limit and the
        // sessions' `ip` hold for RPC clients too.
        Login: ({ request, tenant }, { headers }) => auth.login(tenant, request, rpcClientInfo(config, headers)),
        Refresh: ({ refresh_token, tenant }, { headers }) =>
          auth.refresh(tenant, refresh_token, rpcClientInfo(config, headers)),
        GetTenant: ({ slug }) => tenancy.get(slug),
        ListTenants: (params) => tenancy.list(params),
        ListSettings: ({ slug }) => tenancy.listSettings(slug),
        GetSetting: ({ key, slug }) => tenancy.getSetting(slug, key),
        CreateTenant: (input) => tenancy.create(input),
        UpdateTenant: ({ patch, slug }) => tenancy.update(slug, patch),
        SuspendTenant: ({ slug }) => tenancy.suspend(slug),
        ReactivateTenant: ({ slug }) => tenancy.reactivate(slug),
        DeleteTenant: ({ slug }) => tenancy.remove(slug),
        RestoreTenant: ({ slug }) => tenancy.restore(slug),
        PutSetting: ({ key, setting, slug }) => tenancy.putSetting(slug, key, setting.value)
      }
    })
  )
