/**
 * The SCIM module's SQL (issue 19 §3): the only writer of `scim_tokens`,
 * `scim_users` and `scim_groups`. Every method reads the tenant from
 * `CurrentTenant`; callers run them inside `tenantTx` (row-level security
 * on Postgres). Rows are decoded once into the shapes below.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { ScimToken } from "@signet/contracts/federation/ScimDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Schema, Struct } from "effect"
import { DbJson, json, repoSpan } from "../../kernel/Sql.js"

/** A `scim_tokens` row: the listed token without `active`, with the secret's SHA-256 (hex). */
export const ScimTokenRow = Schema.Struct({
  ...Struct.omit(ScimToken.fields, "active", "permissions"),
  permissions: Schema.Union(Schema.Array(Schema.String), Schema.parseJson(Schema.Array(Schema.String))),
  secret_hash: Schema.String
})
/** @see ScimTokenRow */
export type ScimTokenRow = typeof ScimTokenRow.Type

/** The enterprise extension attributes kept for a user (RFC 7643 §4.3). */
export const Enterprise = Schema.Struct({
  employeeNumber: Schema.optional(Schema.String),
  department: Schema.optional(Schema.String),
  organization: Schema.optional(Schema.String),
  division: Schema.optional(Schema.String),
  costCenter: Schema.optional(Schema.String),
  manager: Schema.optional(Schema.Struct({ value: Schema.String }))
})
/** @see Enterprise */
export type Enterprise = typeof Enterprise.Type

/** A `scim_users` row: the SCIM side of one identity user. */
export const ScimUserRow = Schema.Struct({
  user_id: Schema.String,
  user_name: Schema.String,
  external_id: Schema.NullOr(Schema.String),
  display_name: Schema.NullOr(Schema.String),
  enterprise: Schema.compose(DbJson, Enterprise),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see ScimUserRow */
export type ScimUserRow = typeof ScimUserRow.Type

/**
 * What a SCIM group stands for (issue 19 §3 "SCIM groups map to Signet
 * teams (and optionally student groups)"): an access team, or an academics
 * student group.
 */
export const ScimGroupKind = Schema.Literal("team", "student_group")
/** @see ScimGroupKind */
export type ScimGroupKind = typeof ScimGroupKind.Type

/**
 * A `scim_groups` row: the SCIM side of one access team or student group;
 * `team_id` holds the id of either (the column keeps its first name).
 */
export const ScimGroupRow = Schema.Struct({
  team_id: Schema.String,
  kind: ScimGroupKind,
  external_id: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see ScimGroupRow */
export type ScimGroupRow = typeof ScimGroupRow.Type

/** The SCIM side of a user as written (instants as ISO-8601 strings). */
export interface NewScimUser {
  readonly user_id: string
  readonly user_name: string
  readonly user_name_normalized: string
  readonly external_id: string | null
  readonly display_name: string | null
  readonly enterprise: Enterprise
  readonly created_at: string
  readonly updated_at: string
}

/** The SCIM side of a team or student group as written. */
export interface NewScimGroup {
  readonly team_id: string
  readonly kind: ScimGroupKind
  readonly external_id: string | null
  readonly created_at: string
  readonly updated_at: string
}

const span = repoSpan("ScimRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const TenantId = Schema.Struct({ tenant: Schema.String, id: Schema.String })

/** The SCIM repository; see the module comment. */
export class ScimRepo extends Effect.Service<ScimRepo>()("Signet/ScimRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const tokenByPrefix = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, prefix: Schema.String }),
      Result: ScimTokenRow,
      execute: (r) => sql`SELECT * FROM scim_tokens WHERE tenant_id = ${r.tenant} AND prefix = ${r.prefix}`
    })
    const tokens = SqlSchema.findAll({
      Request: Schema.String,
      Result: ScimTokenRow,
      execute: (t) => sql`SELECT * FROM scim_tokens WHERE tenant_id = ${t} ORDER BY created_at DESC, id DESC`
    })
    const revokeQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, id: Schema.String, at: Schema.String }),
      Result: ScimTokenRow,
      execute: (r) => sql`UPDATE scim_tokens SET revoked_at = ${r.at} WHERE tenant_id = ${r.tenant}
        AND id = ${r.id} AND revoked_at IS NULL RETURNING *`
    })
    const userQ = SqlSchema.findOne({
      Request: TenantId,
      Result: ScimUserRow,
      execute: (r) => sql`SELECT * FROM scim_users WHERE tenant_id = ${r.tenant} AND user_id = ${r.id}`
    })
    const userByNameQ = SqlSchema.findOne({
      Request: TenantId,
      Result: ScimUserRow,
      execute: (r) => sql`SELECT * FROM scim_users WHERE tenant_id = ${r.tenant} AND user_name_normalized = ${r.id}`
    })
    const usersQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenant: Schema.String, limit: Schema.Number }),
      Result: ScimUserRow,
      execute: (r) => sql`SELECT * FROM scim_users WHERE tenant_id = ${r.tenant} ORDER BY user_id LIMIT ${r.limit}`
    })
    const usersByExternalQ = SqlSchema.findAll({
      Request: TenantId,
      Result: ScimUserRow,
      execute: (r) =>
        sql`SELECT * FROM scim_users WHERE tenant_id = ${r.tenant} AND external_id = ${r.id} ORDER BY user_id`
    })
    const groupQ = SqlSchema.findOne({
      Request: TenantId,
      Result: ScimGroupRow,
      execute: (r) => sql`SELECT * FROM scim_groups WHERE tenant_id = ${r.tenant} AND team_id = ${r.id}`
    })
    const groupsQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenant: Schema.String, limit: Schema.Number }),
      Result: ScimGroupRow,
      execute: (r) => sql`SELECT * FROM scim_groups WHERE tenant_id = ${r.tenant} ORDER BY team_id LIMIT ${r.limit}`
    })

    return {
      /** Stores a new token (secret as SHA-256 hex). */
      insertToken: (k: {
        readonly id: string
        readonly name: string
        readonly prefix: string
        readonly secret_hash: string
        readonly permissions: ReadonlyArray<string>
        readonly created_by: string | null
        readonly created_at: string
      }) =>
        Effect.flatMap(
          tid,
          (
            tenant
          ) => sql`INSERT INTO scim_tokens (tenant_id, id, name, prefix, secret_hash, permissions, created_by, created_at)
            VALUES (${tenant}, ${k.id}, ${k.name}, ${k.prefix}, ${k.secret_hash}, ${json(k.permissions)},
              ${k.created_by}, ${k.created_at})`
        ).pipe(Effect.asVoid, span("insertToken")),
      /** The token with this public prefix. */
      tokenByPrefix: (prefix: string) =>
        Effect.flatMap(tid, (tenant) => tokenByPrefix({ tenant, prefix })).pipe(span("tokenByPrefix")),
      /** The tenant's tokens, newest first. */
      tokens: Effect.flatMap(tid, tokens).pipe(span("tokens")),
      /** Revokes an unrevoked token: the revoked row, or none. */
      revokeToken: (id: string, at: string) =>
        Effect.flatMap(tid, (tenant) => revokeQ({ tenant, id, at })).pipe(span("revokeToken")),
      /** Records a use of the token. */
      touchToken: (id: string, at: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE scim_tokens SET last_used_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`
        ).pipe(Effect.asVoid, span("touchToken")),

      /** The SCIM side of a user. */
      user: (userId: string) => Effect.flatMap(tid, (tenant) => userQ({ tenant, id: userId })).pipe(span("user")),
      /** The SCIM user with this normalised `userName`. */
      userByName: (normalized: string) =>
        Effect.flatMap(tid, (tenant) => userByNameQ({ tenant, id: normalized })).pipe(span("userByName")),
      /** The SCIM users with this `externalId`. */
      usersByExternalId: (externalId: string) =>
        Effect.flatMap(tid, (tenant) => usersByExternalQ({ tenant, id: externalId })).pipe(span("usersByExternalId")),
      /** The first `limit` SCIM users by user id. */
      users: (limit: number) => Effect.flatMap(tid, (tenant) => usersQ({ tenant, limit })).pipe(span("users")),
      /** Inserts or replaces the SCIM side of a user. */
      upsertUser: (u: NewScimUser) =>
        Effect.flatMap(tid, (tenant) =>
          Effect.zipRight(
            sql`DELETE FROM scim_users WHERE tenant_id = ${tenant} AND user_id = ${u.user_id}`,
            sql`INSERT INTO scim_users (tenant_id, user_id, user_name, user_name_normalized, external_id,
                display_name, enterprise, created_at, updated_at)
              VALUES (${tenant}, ${u.user_id}, ${u.user_name}, ${u.user_name_normalized}, ${u.external_id},
                ${u.display_name}, ${json(u.enterprise)}, ${u.created_at}, ${u.updated_at})`
          )
        ).pipe(Effect.asVoid, span("upsertUser")),
      /** Drops the SCIM side of a user (the identity user stays, disabled by the caller). */
      deleteUser: (userId: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`DELETE FROM scim_users WHERE tenant_id = ${tenant} AND user_id = ${userId}`
        ).pipe(Effect.asVoid, span("deleteUser")),

      /** The SCIM side of a team or student group. */
      group: (teamId: string) => Effect.flatMap(tid, (tenant) => groupQ({ tenant, id: teamId })).pipe(span("group")),
      /** The first `limit` SCIM groups by team id. */
      groups: (limit: number) => Effect.flatMap(tid, (tenant) => groupsQ({ tenant, limit })).pipe(span("groups")),
      /** Inserts or replaces the SCIM side of a team or student group. */
      upsertGroup: (g: NewScimGroup) =>
        Effect.flatMap(tid, (tenant) =>
          Effect.zipRight(
            sql`DELETE FROM scim_groups WHERE tenant_id = ${tenant} AND team_id = ${g.team_id}`,
            sql`INSERT INTO scim_groups (tenant_id, team_id, kind, external_id, created_at, updated_at)
              VALUES (${tenant}, ${g.team_id}, ${g.kind}, ${g.external_id}, ${g.created_at}, ${g.updated_at})`
          )
        ).pipe(Effect.asVoid, span("upsertGroup")),
      /** Drops the SCIM side of a team or student group. */
      deleteGroup: (teamId: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`DELETE FROM scim_groups WHERE tenant_id = ${tenant} AND team_id = ${teamId}`
        ).pipe(Effect.asVoid, span("deleteGroup"))
    } as const
  })
}) {}
