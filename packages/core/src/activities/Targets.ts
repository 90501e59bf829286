/**
 * Targets of activities (issue 22 "Targets"): `(target_type, target_id)`
 * for Signet's own types and the tenant's registered custom types.
 * Internal to `Activities.ts`.
 *
 * For Signet's own types the target is checked **through the owning
 * module's facade with the caller's permissions** (ARCHITECTURE §1 "Module
 * rule": no SQL on another module's tables):
 *
 * | type | check | permission the caller needs |
 * |---|---|---|
 * | `user` | `UserAdmin.exists` | `users:read` |
 * | `school` | `AcademicsAdmin.getSchool` | `academics:read` |
 * | `classroom` | `AcademicsAdmin.getClassroom` | `academics:read` |
 * | `group` | `AcademicsAdmin.getGroup` | `academics:read` |
 * | `course` | `AcademicsAdmin.getCourse` | `academics:read` |
 * | `beacon` | `BeaconAdmin.getBeacon` | `beacons:read` |
 * | `tenant` | the id is the current tenant's | — |
 *
 * A missing target, another tenant's, one the caller may not read, a
 * non-UUID id for a Signet type and an unregistered custom type all answer
 * the same {@link TargetNotFound} (404): nothing tells them apart.
 *
 * @module
 */
import type { ClassroomId, CourseId, GroupId, SchoolId } from "@signet/contracts/academics/Domain"
import {
  BUILTIN_TARGET_TYPES,
  type BuiltinTargetType,
  CustomTargetType,
  MAX_CUSTOM_TARGET_TYPES,
  type RegisterTargetType,
  type Target,
  TargetNotFound
} from "@signet/contracts/activities/Domain"
import type { BeaconId } from "@signet/contracts/beacon/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Schema } from "effect"
import { AcademicsAdmin } from "../academics/Admin.js"
import { policyUse } from "../access/Access.js"
import { BeaconAdmin } from "../beacon/Admin.js"
import { UserAdmin } from "../identity/Admin.js"
import type { ActivityDeps, CheckTarget } from "./Kit.js"

const isBuiltin = (type: string): type is BuiltinTargetType =>
  (BUILTIN_TARGET_TYPES as ReadonlyArray<string>).includes(type)
const isUuid = Schema.is(Schema.UUID)

/** The 404 of a target (see the module comment). */
export const targetNotFound = (target: Target) =>
  new TargetNotFound({
    message: `no ${target.target_type} ${target.target_id}`,
    target_type: target.target_type,
    target_id: target.target_id
  })

/** The target and custom-type operations over `deps`; see the module comment. */
export const makeTargets = ({ audit, ctx, events, inTx, repo }: ActivityDeps) => {
  /** Whether a Signet-owned target exists and the caller may read it (via the owner's facade). */
  const visibleBuiltin = (type: BuiltinTargetType, id: string) => {
    /** True when the owner's read succeeds; any refusal (missing, foreign, forbidden) is false. */
    const seen = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      self.pipe(
        Effect.as(true),
        Effect.catchAll(() => Effect.succeed(false)),
        Effect.provide(ctx)
      )
    switch (type) {
      case "user":
        return UserAdmin.exists(id as UserId).pipe(
          policyUse("users:read"),
          Effect.catchAll(() => Effect.succeed(false)),
          Effect.provide(ctx)
        )
      case "school":
        return seen(AcademicsAdmin.getSchool(id as SchoolId).pipe(policyUse("academics:read")))
      case "classroom":
        return seen(AcademicsAdmin.getClassroom(id as ClassroomId).pipe(policyUse("academics:read")))
      case "group":
        return seen(AcademicsAdmin.getGroup(id as GroupId).pipe(policyUse("academics:read")))
      case "course":
        return seen(AcademicsAdmin.getCourse(id as CourseId).pipe(policyUse("academics:read")))
      case "beacon":
        return seen(BeaconAdmin.getBeacon(id as BeaconId).pipe(policyUse("beacons:read")))
      case "tenant":
        return Effect.map(CurrentTenant, (t) => t.id === id)
    }
  }

  /**
   * Checks that the caller may attach activities to (or read those of)
   * `target`. Runs outside the caller's transaction (the owning modules
   * open their own).
   * @errors TargetNotFound
   */
  const check: CheckTarget = (target) =>
    Effect.gen(function* () {
      const visible = isBuiltin(target.target_type)
        ? isUuid(target.target_id) && (yield* visibleBuiltin(target.target_type, target.target_id))
        : yield* inTx(repo.hasTargetType(target.target_type))
      if (!visible) return yield* targetNotFound(target)
    }).pipe(Effect.withSpan("Activities.checkTarget"))

  /** The tenant's custom target types, by name (at most `MAX_CUSTOM_TARGET_TYPES`). */
  const listTargetTypes = inTx(repo.listTargetTypes)

  /**
   * Registers a custom target type, audited, `signet.activities.target_type.registered`.
   * @errors Conflict (already registered), ValidationError (`MAX_CUSTOM_TARGET_TYPES`)
   */
  const registerTargetType = (input: RegisterTargetType) =>
    inTx(
      Effect.gen(function* () {
        if ((yield* repo.countTargetTypes) >= MAX_CUSTOM_TARGET_TYPES)
          return yield* ValidationError.field("name", `a tenant has at most ${MAX_CUSTOM_TARGET_TYPES} custom types`)
        const at = yield* DateTime.now
        const description = input.description ?? null
        if (!(yield* repo.insertTargetType(input.name, description, at)))
          return yield* new Conflict({ message: `target type ${input.name} is already registered`, field: "name" })
        const created = new CustomTargetType({ name: input.name, description, created_at: at })
        yield* audit.record({
          action: "activities.target_type.registered",
          targetType: "activity_target_type",
          targetId: input.name,
          after: created
        })
        yield* events.publish({
          type: "signet.activities.target_type.registered",
          subject: input.name,
          data: created
        })
        return created
      })
    ).pipe(Effect.withSpan("Activities.registerTargetType"))

  return { check, listTargetTypes, registerTargetType } as const
}
