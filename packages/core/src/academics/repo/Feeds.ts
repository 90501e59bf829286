/**
 * The academics repository's SQL of calendar feeds (issue 14 §2): the only
 * writer of `calendar_feeds`. Tokens are stored as their SHA-256 hashes only.
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { CalendarFeed } from "@signet/contracts/academics/Domain"
import { type DateTime, Effect, Option, Schema } from "effect"
import { exec, iso, span, tid } from "./Shared.js"

/** SQL of calendar feeds. */
export const feedQueries = (sql: SqlClient.SqlClient) => {
  const listQ = SqlSchema.findAll({
    Request: Schema.String,
    Result: CalendarFeed,
    execute: (tenant) => sql`SELECT id, kind, subject_id, created_at, revoked_at FROM calendar_feeds
      WHERE tenant_id = ${tenant} ORDER BY created_at`
  })
  const byHashQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, hash: Schema.String }),
    Result: CalendarFeed,
    execute: (r) => sql`SELECT id, kind, subject_id, created_at, revoked_at FROM calendar_feeds
      WHERE tenant_id = ${r.tenant} AND token_hash = ${r.hash}`
  })
  const revokeQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String, at: Schema.String }),
    Result: CalendarFeed,
    execute: (r) => sql`UPDATE calendar_feeds SET revoked_at = ${r.at} WHERE tenant_id = ${r.tenant} AND id = ${r.id}
      AND revoked_at IS NULL RETURNING id, kind, subject_id, created_at, revoked_at`
  })

  return {
    /** Stores a new feed with the hash of its token. */
    insertFeed: (feed: CalendarFeed, tokenHash: string) =>
      exec(
        (tenant) => sql`INSERT INTO calendar_feeds (tenant_id, id, kind, subject_id, token_hash, created_at)
          VALUES (${tenant}, ${feed.id}, ${feed.kind}, ${feed.subject_id}, ${tokenHash}, ${iso(feed.created_at)})`
      ).pipe(span("insertFeed")),
    /** Every feed of the tenant, oldest first. */
    listFeeds: Effect.flatMap(tid, listQ).pipe(span("listFeeds")),
    /** The feed whose token has this hash (revoked or not). */
    findFeedByTokenHash: (hash: string) =>
      Effect.flatMap(tid, (tenant) => byHashQ({ tenant, hash })).pipe(span("findFeedByTokenHash")),
    /** Revokes a live feed at `at`; answers it as revoked, or none when there is no live feed with this id. */
    revokeFeed: (id: string, at: DateTime.Utc) =>
      Effect.flatMap(tid, (tenant) => revokeQ({ tenant, id, at: iso(at) })).pipe(
        Effect.map((r) => Option.fromNullable(r[0])),
        span("revokeFeed")
      )
  } as const
}
