/**
 * What the academics seams share (issue 14 §3): the repository and the
 * services it calls, the tenant transaction, typed refusals, the membership
 * cache behind `ValidateStudentCourse` and the tenant's academics version,
 * the change recorder (audit row, CloudEvent, version bump), soft deletion,
 * and the rule that links users to a school.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  AcademicsNotFound,
  CrossSchoolLink,
  type GroupId,
  type ImportMessage,
  MessageGroup
} from "@signet/contracts/academics/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { UserId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { tenantTxOn } from "../kernel/Database.js"
import { makeSingleFlight } from "../kernel/SingleFlight.js"
import { AcademicsRepo } from "./Repo.js"
import type { AcademicsUniqueViolation, SoftDeletable } from "./Rows.js"

/** `base` with the defined fields of `patch` (a partial update). */
export const merge = <A extends object>(base: A, patch: { readonly [K in keyof A]?: A[K] | undefined }): A =>
  ({ ...base, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }) as A

/** An instant as ISO-8601 UTC with milliseconds (query filters, compared as stored). */
export const iso = (s: string) => new Date(s).toISOString()

/** A client's validated ISO-8601 instant (`Instant`) as a `DateTime.Utc`. */
export const utc = (s: string): DateTime.Utc => DateTime.unsafeMake(s)

/** Whether `id` is a UUID (other ids name nothing). */
export const validId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)

/** A missing school, classroom, group, course or user. */
export const notFound = (resource: "school" | "classroom" | "group" | "course" | "user", id: string) =>
  new AcademicsNotFound({ message: `no ${resource} ${id}`, resource, id })

/** A repository unique violation as a `Conflict` on `field`. */
export const conflict =
  (field: string, message: string) =>
  <A, R>(self: Effect.Effect<A, AcademicsUniqueViolation, R>) =>
    Effect.mapError(self, () => new Conflict({ message, field }))

/** A tenant's membership cache (see {@link makeKit}) at one academics version. */
export interface TenantCache {
  version: number
  checkedAt: number
  readonly courseGroups: Map<string, ReadonlyArray<GroupId>>
  readonly groupMembers: Map<string, ReadonlySet<string>>
  /** `ValidateTeacherCourse` answers by `<teacher>:<course>` (the QR screen and staff checks ask on every poll). */
  readonly teacherCourses: Map<string, boolean>
}

/** The shared kit of the academics seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* AcademicsRepo
  const audit = yield* Audit
  const events = yield* Events
  const identity = yield* Identity
  /** Runs `self` in a transaction of the current tenant. */
  const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)
  /** The current instant (from the `Clock`). */
  const now = DateTime.now
  const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)

  // Membership cache for ValidateStudentCourse (attendance calls it on every signature):
  // per tenant, course → groups and group → students, loaded lazily. A mutation in this
  // process drops the tenant's cache; other replicas notice the bumped `academics_versions`
  // row within CACHE_TTL_MS.
  const CACHE_TTL_MS = 1000
  const caches = new Map<string, TenantCache>()
  const versionLoads = makeSingleFlight<number, never>()
  const cacheFor = (tid: string) =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const hit = caches.get(tid)
      if (hit && nowMs - hit.checkedAt < CACHE_TTL_MS) return hit
      const version = yield* versionLoads(tid, inTx(repo.readVersion))
      if (hit && hit.version === version) {
        hit.checkedAt = nowMs
        return hit
      }
      const fresh: TenantCache = {
        version,
        checkedAt: nowMs,
        courseGroups: new Map(),
        groupMembers: new Map(),
        teacherCourses: new Map()
      }
      if (caches.size > 1000) caches.clear()
      caches.set(tid, fresh)
      return fresh
    })

  /** Drops this process's membership cache of the current tenant and bumps its version (caller's transaction). */
  const bump = Effect.flatMap(tenantId, (tid) => {
    caches.delete(tid)
    return repo.bumpVersion
  })

  /** Records one audit row and one event for a mutation (caller's transaction). */
  const changed = (action: string, type: string, id: string, before: unknown, after: unknown) =>
    Effect.gen(function* () {
      yield* bump
      yield* audit.record({ action: `academics.${action}`, targetType: type, targetId: id, before, after })
      yield* events.publish({ type: `signet.academics.${action}`, subject: id, data: after ?? before })
    })

  /**
   * Soft-deletes the row `get` found (stamps `deleted_at`), then records the
   * change; answers the row as it was. Fails with whatever `get` fails with.
   */
  const softDelete = <A extends { readonly id: string }, E, R>(
    table: SoftDeletable,
    resource: "school" | "classroom" | "group" | "course",
    get: Effect.Effect<A, E, R>
  ) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* get
        yield* repo.softDelete(table, before.id, yield* now)
        yield* changed(`${resource}.deleted`, resource, before.id, before, null)
        return before
      })
    )

  /**
   * Checks that every id is a live user of `type` of the school (or of no
   * school). A teacher (role "teacher") also counts as one of the school when
   * they teach one of its student groups: teachers work in several schools of a
   * tenant, students belong to one. @errors AcademicsNotFound (not a user of
   * this tenant), ValidationError, CrossSchoolLink
   */
  const checkUsers = (ids: ReadonlyArray<string>, types: ReadonlyArray<string>, schoolId: string, role: string) =>
    Effect.gen(function* () {
      const found = yield* identity.liteMany(ids.filter(Schema.is(UserId)))
      const elsewhere = ids.filter((id) => {
        const u = found.get(id)
        return u !== undefined && u.school_id !== null && u.school_id !== schoolId
      })
      const linked = role === "teacher" ? yield* teachingIn(elsewhere, schoolId) : new Set<string>()
      for (const id of ids) {
        const u = found.get(id)
        if (!u) return yield* notFound("user", id)
        if (!types.includes(u.user_type)) return yield* ValidationError.field(`${role}_ids`, `${id} is not a ${role}`)
        if (u.school_id !== null && u.school_id !== schoolId && !linked.has(id)) {
          return yield* new CrossSchoolLink({
            message: `${role} ${id} belongs to another school`,
            resource: role,
            id,
            school_id: u.school_id
          })
        }
      }
    })

  /**
   * Of `ids`, the teachers linked to `schoolId` by a class: teachers of a live
   * student group of that school (what a OneRoster import records for a
   * teacher whose `orgSourcedIds` list several schools; the user row keeps
   * only the first of them).
   */
  const teachingIn = (ids: ReadonlyArray<string>, schoolId: string) => repo.teachingIn(ids, schoolId)

  return { repo, audit, events, inTx, now, tenantId, caches, cacheFor, bump, changed, softDelete, checkUsers } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>

/**
 * Groups an import's messages by `code` (issue 16: group warnings by kind with counts
 * and a few examples). Pure. Groups come in the order their code first appears; each
 * keeps its first `examples` messages (input order) and the count of all of them.
 *
 * @param messages the raw messages (kept whole elsewhere: `--json`, `warnings`).
 * @param examples how many messages each group keeps (default 5; 0 keeps none).
 */
export const groupMessages = (messages: ReadonlyArray<ImportMessage>, examples = 5): Array<MessageGroup> => {
  const groups = new Map<string, { count: number; examples: Array<ImportMessage> }>()
  for (const m of messages) {
    let g = groups.get(m.code)
    if (g === undefined) {
      g = { count: 0, examples: [] }
      groups.set(m.code, g)
    }
    g.count++
    if (g.examples.length < examples) g.examples.push(m)
  }
  return [...groups].map(([code, g]) => new MessageGroup({ code, count: g.count, examples: g.examples }))
}
