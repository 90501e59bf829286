/**
 * What a SCIM group is in Signet (issue 19 §3 "SCIM groups map to Signet
 * teams (and optionally student groups)"): one {@link GroupTarget} per
 * {@link ScimGroupKind}, each over its owner module's service — access's
 * teams (their permission checks included) or academics' student groups
 * (their school rules included: members must be students of the group's
 * school, `checkUsers` in academics).
 *
 * Academics' service is unguarded, so the student-group target checks the
 * actor first: reading needs `academics:read`, changing `academics:write`
 * (a SCIM token holds them only when minted with `student_groups: true`).
 * Anything else answers 403 and changes nothing.
 *
 * @module
 */

import type { GroupId, SchoolId } from "@signet/contracts/academics/Domain"
import type { TeamId } from "@signet/contracts/access/Domain"
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import type { UserId } from "@signet/contracts/identity/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import type { DateTime } from "effect"
import { Effect } from "effect"
import { Academics } from "../../academics/Academics.js"
import { Access } from "../../access/Access.js"
import type { AccessPolicy } from "../../access/Policy.js"
import { notFound, SCIM_LIMITS, scimError } from "./Kit.js"
import type { ScimGroupKind } from "./Repo.js"
import { toScimError } from "./Users.js"

/** The owner's view of a group: its name, school (student groups) and last change. */
export interface TargetGroup {
  readonly name: string
  readonly schoolId: string | null
  readonly updatedAt: DateTime.Utc
}

/**
 * What the target operations need: the tenant, the actor, and the team
 * permissions access's team operations carry in their types (the SCIM
 * facade discharges them).
 */
export type TargetContext = ReadContext | AccessPolicy<"teams:write">
/** What the reading target operations need (the list and get facades discharge `teams:read` only). */
export type ReadContext = CurrentTenant | CurrentActor | AccessPolicy<"teams:read">

/** The operations SCIM needs of a group's owner module; every failure is a {@link ScimError}. */
export interface GroupTarget {
  /** The group `id`. @errors ScimError 404 (gone), 403 (not permitted) */
  readonly get: (id: string) => Effect.Effect<TargetGroup, ScimError, ReadContext>
  /** Its member user ids. */
  readonly members: (id: string) => Effect.Effect<ReadonlyArray<string>, ScimError, ReadContext>
  /** Creates a group named `name` (in `schoolId` for a student group); answers its id. */
  readonly create: (name: string, schoolId: string | null) => Effect.Effect<string, ScimError, TargetContext>
  /** Renames a group. */
  readonly rename: (id: string, name: string) => Effect.Effect<void, ScimError, TargetContext>
  /** Makes the members exactly `wanted` (from `current`); answers the counts. */
  readonly sync: (
    id: string,
    current: ReadonlyArray<string>,
    wanted: ReadonlyArray<string>
  ) => Effect.Effect<{ readonly added: number; readonly removed: number }, ScimError, TargetContext>
  /** Deletes a group. */
  readonly remove: (id: string) => Effect.Effect<void, ScimError, TargetContext>
}

const invalid = (detail: string) => scimError(400, detail, "invalidValue")

/** The team target over access's service (see the module comment). */
const teamTarget = (access: Effect.Effect.Success<typeof Access>): GroupTarget => {
  const members = (id: string) =>
    Effect.gen(function* () {
      const out: Array<string> = []
      let cursor: string | undefined
      do {
        const page = yield* access.listTeamMembers(id as TeamId, { limit: 100, cursor })
        out.push(...page.items.map((m) => m.user_id as string))
        cursor = page.next_cursor ?? undefined
      } while (cursor !== undefined && out.length <= SCIM_LIMITS.maxGroupMembers)
      return out
    }).pipe(Effect.mapError(() => notFound("Group", id)))
  return {
    get: (id) =>
      access.getTeam(id as TeamId).pipe(
        Effect.map((t) => ({ name: t.name, schoolId: null, updatedAt: t.updated_at })),
        Effect.mapError(() => notFound("Group", id))
      ),
    members,
    create: (name) =>
      access.createTeam({ name }).pipe(
        Effect.map((t) => t.id as string),
        Effect.mapError(toScimError)
      ),
    rename: (id, name) => access.updateTeam(id as TeamId, { name }).pipe(Effect.asVoid, Effect.mapError(toScimError)),
    sync: (id, current, wanted) =>
      Effect.gen(function* () {
        const have = new Set(current)
        const want = new Set(wanted)
        for (const u of wanted)
          if (!have.has(u))
            yield* access
              .addTeamMember(id as TeamId, u as UserId)
              .pipe(Effect.catchTag("NotFound", () => Effect.fail(invalid(`member ${u} is not a user of this tenant`))))
        for (const u of current) if (!want.has(u)) yield* access.removeTeamMember(id as TeamId, u as UserId)
        return { added: wanted.filter((u) => !have.has(u)).length, removed: current.filter((u) => !want.has(u)).length }
      }).pipe(Effect.mapError(toScimError)),
    remove: (id) => access.deleteTeam(id as TeamId).pipe(Effect.asVoid, Effect.mapError(toScimError))
  }
}

/** The student-group target over academics' service (see the module comment). */
const studentGroupTarget = (
  access: Effect.Effect.Success<typeof Access>,
  academics: Effect.Effect.Success<typeof Academics>
): GroupTarget => {
  /** 403 unless the actor holds `academics:<action>`. */
  const allowed = (action: "read" | "write") =>
    Effect.flatMap(CurrentActor, (actor) =>
      Effect.flatMap(access.checkActor(actor, `academics:${action}`), (ok) =>
        ok ? Effect.void : Effect.fail(scimError(403, `student groups need academics:${action}`))
      )
    )
  /** Academics' refusals as SCIM errors: a school or member that does not fit is a bad value. */
  const asScim = <A, R>(effect: Effect.Effect<A, { readonly _tag: string; readonly message?: string }, R>) =>
    Effect.mapError(effect, (e) =>
      e._tag === "CrossSchoolLink" || e._tag === "ValidationError"
        ? invalid(e.message ?? "invalid value")
        : toScimError(e)
    )
  const get = (id: string) =>
    Effect.zipRight(
      allowed("read"),
      academics.getGroup(id as GroupId).pipe(
        Effect.map((g) => ({ name: g.name, schoolId: g.school_id as string, updatedAt: g.updated_at })),
        Effect.mapError(() => notFound("Group", id))
      )
    )
  return {
    get,
    members: (id) =>
      Effect.zipRight(
        allowed("read"),
        academics.listMembers(id as GroupId).pipe(
          Effect.map((ids) => ids.map(String)),
          Effect.mapError(() => notFound("Group", id))
        )
      ),
    create: (name, schoolId) =>
      Effect.gen(function* () {
        yield* allowed("write")
        if (schoolId === null) return yield* invalid("a student group needs schoolId")
        const group = yield* academics
          .createGroup({ school_id: schoolId as SchoolId, name })
          .pipe(Effect.catchTag("AcademicsNotFound", () => Effect.fail(invalid(`school ${schoolId} not found`))))
        return group.id as string
      }).pipe(asScim),
    rename: (id, name) =>
      Effect.zipRight(allowed("write"), asScim(academics.updateGroup(id as GroupId, { name }))).pipe(Effect.asVoid),
    sync: (id, current, wanted) =>
      Effect.gen(function* () {
        yield* allowed("write")
        const have = new Set(current)
        const want = new Set(wanted)
        const changes = {
          added: wanted.filter((u) => !have.has(u)).length,
          removed: current.filter((u) => !want.has(u)).length
        }
        if (changes.added + changes.removed > 0)
          yield* asScim(academics.setMembers(id as GroupId, wanted as ReadonlyArray<UserId>))
        return changes
      }),
    remove: (id) => Effect.zipRight(allowed("write"), asScim(academics.deleteGroup(id as GroupId))).pipe(Effect.asVoid)
  }
}

/** The target of each kind, over the services in context. */
export const groupTargets = Effect.gen(function* () {
  const access = yield* Access
  const academics = yield* Academics
  const targets: Record<ScimGroupKind, GroupTarget> = {
    team: teamTarget(access),
    student_group: studentGroupTarget(access, academics)
  }
  return targets
})
