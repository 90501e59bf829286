/**
 * Plumbing shared by the access service's seams (`Checks.ts`, `Roles.ts`,
 * `UserGrants.ts`, `Teams.ts`): tenant transactions, the mutation wrapper
 * (version bump, one audit row, one CloudEvent, cache drop), permission-name
 * validation and the "live user of this tenant" rule. Internal to the
 * module; the public surface is `Access` and `AccessAdmin`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  ALL_PERMISSIONS,
  PERMISSION_PATTERN,
  PermissionInfo,
  permissionsOf,
  type UserId
} from "@signet/contracts/access/Domain"
import { type CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, NotFound, ValidationError } from "@signet/contracts/kernel/Errors"
import { DateTime, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { isUniqueViolation, tenantTxOn } from "../kernel/Database.js"
import { AccessConfig, type AccessOptions } from "./Config.js"
import { AccessUsers } from "./Ports.js"
import { AccessRepo, isUuid } from "./Repo.js"

/** What one mutation leaves behind: the audit row and the CloudEvent. */
export interface Change {
  readonly action: string
  readonly targetType: string
  readonly targetId: string | null
  readonly before?: unknown
  readonly after?: unknown
  readonly event: string
  readonly subject?: string | undefined
  readonly data: unknown
}

/** Sorted, each once. */
export const dedupe = (xs: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(xs)].sort()

/** Default description of a declared permission: `attendance:write` → "write attendance". */
export const describe = (permission: string): string => {
  const [resource, action] = permission.split(":")
  return `${action} ${resource}`
}

/** The module's plumbing; built once per `Access` instance by {@link makeKit}. */
export type Kit = Effect.Effect.Success<ReturnType<typeof makeKit>>

/**
 * Builds the plumbing on the service's SQL client. `invalidate` drops this
 * replica's compiled policy of a tenant (from `Checks.ts`); mutations call it
 * once their transaction committed.
 */
export const makeKit = (invalidate: (tenantId: string) => void) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* AccessRepo
    const audit = yield* Audit
    const events = yield* Events
    const users = yield* AccessUsers
    const options: AccessOptions = yield* AccessConfig
    const catalogPermissions = permissionsOf(options.catalog)
    const catalogSet: ReadonlySet<string> = new Set(catalogPermissions)

    /** Runs `self` in a transaction bound to the current tenant, on this service's client. */
    const inTenant = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)

    /** The change's bookkeeping: version bump, one audit row, one event (inside the caller's transaction). */
    const commit = (change: Change) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        yield* repo.bumpVersion()
        yield* audit.record({
          action: change.action,
          targetType: change.targetType,
          targetId: change.targetId,
          before: change.before,
          after: change.after
        })
        yield* events.publish({
          type: change.event,
          subject: change.subject ?? change.targetId ?? tenant.id,
          data: change.data
        })
      })

    /**
     * A mutation: `body` (given the instant of the change, from the `Clock`) runs in one
     * tenant transaction; afterwards this replica's compiled policy of the
     * tenant is dropped. Spanned `Access.<name>`.
     */
    const mutation = <A, E, R>(
      name: string,
      body: (at: DateTime.Utc) => Effect.Effect<A, E | SqlError, R>
    ): Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const at = yield* DateTime.now
        const result = yield* inTenant(body(at))
        invalidate(tenant.id)
        return result
      }).pipe(Effect.withSpan(`Access.${name}`)) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        R | CurrentTenant | CurrentActor
      >

    /** Maps a unique violation to `Conflict` on `field`; any other SQL error is a defect. */
    const uniqueConflict = (field: string, message: string) => (error: unknown) =>
      isUniqueViolation(error) ? Effect.fail(new Conflict({ message, field })) : Effect.die(error)

    /** A user id must be a lowercase UUID. @errors ValidationError on `user_id` */
    const requireUserId = (userId: UserId): Effect.Effect<void, ValidationError> =>
      isUuid(userId) ? Effect.void : Effect.fail(ValidationError.field("user_id", "must be a lowercase UUID"))

    /**
     * The user named by an operation must be a live user of the current
     * tenant (issue 14: this rule lived in the server only): a malformed id
     * is a `ValidationError` on `user_id`; another tenant's user, a deleted
     * one or nobody answers `NotFound` (`resource: "user"`), before anything
     * is written. Runs in the caller's transaction when there is one.
     * @errors ValidationError, NotFound
     */
    const requireUser = (userId: UserId): Effect.Effect<void, ValidationError | NotFound, CurrentTenant> =>
      Effect.zipRight(
        requireUserId(userId),
        Effect.flatMap(users.exists(userId), (found) =>
          found
            ? Effect.void
            : Effect.fail(new NotFound({ message: `no user ${userId}`, resource: "user", id: userId }))
        )
      )

    /** The tenant's custom permissions (table) merged with the catalog, by name. */
    const knownPermissions = Effect.map(repo.permissionRows(), (rows) => {
      const out = new Map<string, PermissionInfo>()
      for (const name of catalogPermissions) {
        out.set(name, new PermissionInfo({ name, description: describe(name), is_system: true }))
      }
      for (const r of rows) if (!out.has(r.name)) out.set(r.name, r)
      return out
    })

    /**
     * Refuses patterns the tenant does not know: an exact permission must be
     * declared or created; `resource:*` needs a known resource; `*:*` always passes.
     * @errors ValidationError on `field`, naming the first unknown pattern
     */
    const validatePatterns = (patterns: ReadonlyArray<string>, field: string) =>
      Effect.gen(function* () {
        const known = yield* knownPermissions
        const resources = new Set([...known.keys()].map((p) => p.slice(0, p.indexOf(":"))))
        for (const p of patterns) {
          if (!PERMISSION_PATTERN.test(p)) return yield* ValidationError.field(field, `"${p}" is not a permission`)
          if (p === ALL_PERMISSIONS) continue
          if (p.endsWith(":*")) {
            if (!resources.has(p.slice(0, -2))) {
              return yield* ValidationError.field(field, `"${p}": no permission of resource "${p.slice(0, -2)}" exists`)
            }
          } else if (!known.has(p)) {
            return yield* ValidationError.field(field, `"${p}" is not a known permission`)
          }
        }
      })

    return {
      repo,
      options,
      catalogPermissions,
      catalogSet,
      inTenant,
      commit,
      mutation,
      uniqueConflict,
      requireUserId,
      requireUser,
      knownPermissions,
      validatePatterns
    } as const
  })
