/**
 * The SQL of attachments (issue 22 "Attachments"): the only writer of
 * `activity_attachment_blobs`, `activity_attachments` and
 * `activity_attachment_versions`, merged into `ActivitiesRepo` (`Repo.ts`).
 * Same rules as `Repo.ts`: the tenant from `CurrentTenant`, rows decoded
 * once into the domain classes, lists newest first by id, callers inside
 * `tenantTx`. An attachment is read joined with its latest version (both
 * tables are this module's).
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import {
  ActivityAttachment,
  ActivityAttachmentVersion,
  type AttachmentId
} from "@signet/contracts/activities/Attachments"
import type { Target } from "@signet/contracts/activities/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema, Struct } from "effect"
import { DbCount, instant, repoSpan } from "../kernel/Sql.js"

/** One version as written. */
export interface VersionFields {
  readonly filename: string
  readonly content_type: string
  readonly size_bytes: number
  readonly sha256: string
  readonly author_id: string
}

/** An attachment row joined with its latest version (sizes may come back as bigint strings). */
const AttachmentRow = Schema.Struct({ ...Struct.omit(ActivityAttachment.fields, "size_bytes"), size_bytes: DbCount })
/** A version row. */
const VersionRow = Schema.Struct({
  ...Struct.omit(ActivityAttachmentVersion.fields, "size_bytes"),
  size_bytes: DbCount
})

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])

/** The SQL of attachments, their versions and blobs. */
export const attachmentQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const decodeA = Schema.decodeUnknown(Schema.Array(AttachmentRow))
  const attachments = (rows: ReadonlyArray<unknown>) =>
    Effect.map(decodeA(rows), (rs) => rs.map((r) => new ActivityAttachment(r)))
  const decodeV = Schema.decodeUnknown(Schema.Array(VersionRow))
  const versions = (rows: ReadonlyArray<unknown>) =>
    Effect.map(decodeV(rows), (rs) => rs.map((r) => new ActivityAttachmentVersion(r)))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const n = (rows: ReadonlyArray<unknown>) => Effect.map(count(rows), (r) => r[0]?.n ?? 0)
  const select = (
    t: string,
    deleted = false
  ) => sql`SELECT a.id, a.target_type, a.target_id, a.author_id, a.latest_version AS version,
      v.filename, v.content_type, v.size_bytes, v.sha256, a.created_at, a.updated_at
    FROM activity_attachments a JOIN activity_attachment_versions v
      ON v.tenant_id = a.tenant_id AND v.attachment_id = a.id AND v.version = a.latest_version
    WHERE a.tenant_id = ${t} AND ${deleted ? sql`a.deleted_at IS NOT NULL` : sql`a.deleted_at IS NULL`}`
  const insertVersion = (t: string, id: AttachmentId, version: number, f: VersionFields, now: DateTime.Utc) =>
    sql`INSERT INTO activity_attachment_versions (tenant_id, attachment_id, version, filename, content_type,
      size_bytes, sha256, author_id, created_at) VALUES (${t}, ${id}, ${version}, ${f.filename}, ${f.content_type},
      ${f.size_bytes}, ${f.sha256}, ${f.author_id}, ${instant(now)})`
  return {
    /** Whether the tenant already holds a blob of that hash. */
    hasBlob: (sha256: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_attachment_blobs WHERE tenant_id = ${t} AND sha256 = ${sha256}`
      ).pipe(
        Effect.flatMap(n),
        Effect.map((x) => x > 0),
        span("hasBlob")
      ),
    /** Records a blob of the tenant (no-op when it is already recorded). */
    insertBlob: (sha256: string, size: number, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_attachment_blobs (tenant_id, sha256, size_bytes, created_at)
          VALUES (${t}, ${sha256}, ${size}, ${instant(now)}) ON CONFLICT (tenant_id, sha256) DO NOTHING`
      ).pipe(Effect.asVoid, span("insertBlob")),
    /** Bytes of the tenant's distinct blobs (its attachment storage). */
    storedBytes: Effect.flatMap(
      tid,
      (t) => sql`SELECT COALESCE(SUM(size_bytes), 0) AS n FROM activity_attachment_blobs WHERE tenant_id = ${t}`
    ).pipe(Effect.flatMap(n), span("storedBytes")),
    /** Stores a new attachment with its version 1. */
    insertAttachment: (id: AttachmentId, target: Target, f: VersionFields, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          sql`INSERT INTO activity_attachments (tenant_id, id, target_type, target_id, author_id, latest_version,
            created_at, updated_at) VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${f.author_id},
            1, ${instant(now)}, ${instant(now)})`,
          insertVersion(t, id, 1, f, now)
        )
      ).pipe(Effect.asVoid, span("insertAttachment")),
    /** Adds version `version` to an attachment and makes it the latest. */
    addVersion: (id: AttachmentId, version: number, f: VersionFields, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          insertVersion(t, id, version, f, now),
          sql`UPDATE activity_attachments SET latest_version = ${version}, updated_at = ${instant(now)}
            WHERE tenant_id = ${t} AND id = ${id}`
        )
      ).pipe(Effect.asVoid, span("addVersion")),
    /** One live (or, with `deleted`, one soft-deleted) attachment of the tenant, with its latest version. */
    findAttachment: (id: string, deleted = false) =>
      Effect.flatMap(tid, (t) => sql`${select(t, deleted)} AND a.id = ${id}`).pipe(
        Effect.flatMap(attachments),
        Effect.map(first),
        span("findAttachment")
      ),
    /** Soft-deletes an attachment (its versions and blobs stay). */
    deleteAttachment: (id: AttachmentId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_attachments SET deleted_at = ${instant(now)} WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("deleteAttachment")),
    /**
     * Clears the soft delete of a deleted attachment (issue 22 "restore"):
     * true when this call restored it (conditional, so two restores restore once).
     */
    restoreAttachment: (id: AttachmentId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_attachments SET deleted_at = NULL
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("restoreAttachment")
      ),
    /** A target's live attachments, newest first, after `after`, at most `limit`. */
    listAttachments: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`${select(t)} AND a.target_type = ${target.target_type} AND a.target_id = ${target.target_id}
          ${after === undefined ? sql`` : sql`AND a.id < ${after}`} ORDER BY a.id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(attachments), span("listAttachments")),
    /** How many live attachments a target has. */
    countAttachments: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_attachments WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(Effect.flatMap(n), span("countAttachments")),
    /** An attachment's versions, newest first. */
    listVersions: (id: AttachmentId) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT attachment_id, version, filename, content_type, size_bytes, sha256, author_id, created_at
          FROM activity_attachment_versions WHERE tenant_id = ${t} AND attachment_id = ${id} ORDER BY version DESC`
      ).pipe(Effect.flatMap(versions), span("listVersions"))
  } as const
}
