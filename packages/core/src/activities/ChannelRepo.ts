/**
 * The SQL of channel configs (issue 22 "Channel configs"): the only writer
 * of `activity_channel_configs`, merged into `ActivitiesRepo` (`Repo.ts`).
 * Same rules as `Repo.ts`: the tenant from `CurrentTenant`, callers inside
 * `tenantTx`. Rows are answered as {@link ChannelRow}s — the domain's
 * `ChannelConfig` fields plus the stored ciphertext, which only
 * `Channels.ts` reads (to decrypt for in-process senders) and never
 * answers.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { ChannelConfigId, ChannelKind } from "@signet/contracts/activities/Channels"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { bool, DbBool, DbCount, DbJson, instant, json, repoSpan } from "../kernel/Sql.js"

/** An `activity_channel_configs` row, decoded (credentials still encrypted). */
export const ChannelRow = Schema.Struct({
  id: ChannelConfigId,
  kind: ChannelKind,
  name: Schema.String,
  enabled: DbBool,
  settings: Schema.compose(DbJson, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  credentials_enc: Schema.NullOr(Schema.String),
  credentials_hint: Schema.NullOr(Schema.String),
  event_types: Schema.compose(DbJson, Schema.Array(Schema.String)),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see ChannelRow */
export type ChannelRow = typeof ChannelRow.Type

/** Fields of a channel as written (creation and update); the credentials already encrypted. */
export interface ChannelFields {
  readonly name: string
  readonly enabled: boolean
  readonly settings: Readonly<Record<string, unknown>>
  readonly credentials_enc: string | null
  readonly credentials_hint: string | null
  readonly event_types: ReadonlyArray<string>
}

const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The SQL of channel configs. */
export const channelQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const rows = Schema.decodeUnknown(Schema.Array(ChannelRow))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const cols = sql`id, kind, name, enabled, settings, credentials_enc, credentials_hint, event_types, created_at,
    updated_at`
  return {
    /** Stores a new channel. */
    insertChannel: (id: ChannelConfigId, kind: ChannelKind, f: ChannelFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_channel_configs (tenant_id, id, kind, name, enabled, settings, credentials_enc,
          credentials_hint, event_types, created_at, updated_at)
          VALUES (${t}, ${id}, ${kind}, ${f.name}, ${bool(f.enabled)}, ${json(f.settings)}, ${f.credentials_enc},
            ${f.credentials_hint}, ${json(f.event_types)}, ${instant(now)}, ${instant(now)})`
      ).pipe(Effect.asVoid, span("insertChannel")),
    /** One live channel of the tenant (a soft-deleted one when `deleted`). */
    findChannel: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_channel_configs WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(
        Effect.flatMap(rows),
        Effect.map((r) => Option.fromNullable(r[0])),
        span("findChannel")
      ),
    /** Whether a live channel other than `except` has this name. */
    channelNameTaken: (name: string, except: string | null) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_channel_configs WHERE tenant_id = ${t} AND name = ${name}
          AND deleted_at IS NULL ${except === null ? sql`` : sql`AND id <> ${except}`}`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => (r[0]?.n ?? 0) > 0),
        span("channelNameTaken")
      ),
    /** The tenant's live channels, oldest first (of one kind when `kind` is given). */
    listChannels: (kind?: ChannelKind) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_channel_configs WHERE tenant_id = ${t} AND deleted_at IS NULL
          ${kind === undefined ? sql`` : sql`AND kind = ${kind}`} ORDER BY id`
      ).pipe(Effect.flatMap(rows), span("listChannels")),
    /** How many live channels the tenant has. */
    countChannels: () =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_channel_configs WHERE tenant_id = ${t} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countChannels")
      ),
    /** Replaces a live channel's fields. */
    updateChannel: (id: ChannelConfigId, f: ChannelFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_channel_configs SET name = ${f.name}, enabled = ${bool(f.enabled)},
          settings = ${json(f.settings)}, credentials_enc = ${f.credentials_enc},
          credentials_hint = ${f.credentials_hint}, event_types = ${json(f.event_types)}, updated_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NULL`
      ).pipe(Effect.asVoid, span("updateChannel")),
    /** Soft-deletes a channel. */
    deleteChannel: (id: ChannelConfigId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_channel_configs SET deleted_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NULL`
      ).pipe(Effect.asVoid, span("deleteChannel")),
    /** Clears a channel's soft delete: true when this call restored it (conditional). */
    restoreChannel: (id: ChannelConfigId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_channel_configs SET deleted_at = NULL, updated_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((r) => r.length === 1),
        span("restoreChannel")
      )
  } as const
}
