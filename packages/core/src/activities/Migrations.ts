/**
 * Activities tables, first slice (issue 22; seed 001 "Extended Tables":
 * `notes`, `tasks`, `reviews` with polymorphic relations), all tenant-owned
 * with row-level security on Postgres:
 *
 * - `activity_target_types`: the tenant's registered custom target types.
 * - `activity_notes`: markdown notes on a target (soft delete, `deleted_at`).
 * - `activity_tasks`: tasks on a target with status, priority, due instant
 *   and its IANA zone, assignee (soft delete).
 * - `activity_reviews`: one review per reviewer per target.
 * - `activity_calls` (0002): call logs on a target (soft delete).
 * - `activity_events` (0002): calendar events on a target (soft delete),
 *   with `activity_event_attendees` (one row per attendee, for a user's
 *   `.ics` export).
 * - `activity_attachment_blobs` (0003): one row per distinct file (SHA-256)
 *   of the tenant, its bytes in the `AttachmentStore` (de-duplication and
 *   the tenant's storage figure).
 * - `activity_attachments` (0003): files on a target (soft delete), with
 *   `activity_attachment_versions` (one row per uploaded version, each
 *   referencing its blob).
 * - 0005: `activity_tasks.remind_at` and `reminder_sent_at` (task reminders,
 *   the `activities.task_reminders` job), indexed by due reminder.
 * - 0006: recurring tasks and reminder offsets — `activity_tasks.recurrence`
 *   (an RRULE), `recurrence_start` (the series' first due instant, the
 *   rule's DTSTART), `next_task_id` (the occurrence created when this one
 *   was completed; set once, conditionally) and `remind_before` (minutes
 *   before `due_at`).
 * - 0009: `activity_channel_configs` (issue 22 "Channel configs"): the
 *   tenant's communication channels — kind, name (unique among live ones),
 *   enabled, settings (JSON), credentials envelope-encrypted
 *   ({@link channelCredentialsColumn}) with a last-four hint, enabled event
 *   types (JSON array), soft delete.
 *
 * - Full-text search (0004, issue 22 "Full-text search"): on SQLite the
 *   FTS5 table `activity_search` (tokenizer `unicode61 remove_diacritics
 *   2`) with its row map `activity_search_docs`, kept in step with live
 *   notes, tasks and events by triggers; on Postgres a generated
 *   `search_tsv` column (`simple` configuration over lower-cased,
 *   accent-folded text) with a GIN index on each of the three tables. See
 *   `SearchMigration.ts`. 0007 adds call-log summaries and review comments
 *   the same way.
 * - `activity_carbon_footprints` (0008, `CarbonMigration.ts`): carbon
 *   footprints on a target (soft delete).
 *
 * Targets are `(target_type, target_id)` — references by id to other
 * modules' entities, never foreign keys (ARCHITECTURE §1 "Module rule").
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"
import { carbonFootprintsMigration } from "./CarbonMigration.js"
import { searchCallsReviewsMigration, searchMigration } from "./SearchMigration.js"

/** Every activities table (for RLS and tests). */
export const ACTIVITIES_TABLES = [
  "activity_target_types",
  "activity_notes",
  "activity_tasks",
  "activity_reviews",
  "activity_calls",
  "activity_events",
  "activity_event_attendees",
  "activity_attachment_blobs",
  "activity_attachments",
  "activity_attachment_versions",
  "activity_carbon_footprints",
  "activity_channel_configs"
] as const

/** The AAD of a channel's credentials ciphertext (tenant, table, channel id). */
export const channelCredentialsAad = (tenant: string, id: string) =>
  `tenant:${tenant}:activity_channel_configs:${id}:credentials`

/** A channel's envelope-encrypted credentials (master-key rotation re-wraps them). */
export const channelCredentialsColumn: EncryptedColumn = {
  table: "activity_channel_configs",
  keyColumns: ["tenant_id", "id"],
  column: "credentials_enc",
  aad: (row) => channelCredentialsAad(String(row.tenant_id), String(row.id))
}

/** The tables of migration 0003 (attachments). */
const ATTACHMENT_TABLES = ["activity_attachment_blobs", "activity_attachments", "activity_attachment_versions"] as const

/** Activities module migrations. */
export const activitiesMigrations: ModuleMigrations = {
  module: "activities",
  migrations: {
    "0001_notes_tasks_reviews": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE activity_target_types (
        tenant_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, name)
      )`)
      yield* sql.unsafe(`CREATE TABLE activity_notes (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        body TEXT NOT NULL,
        priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        pinned ${t.bool} NOT NULL,
        assignee_id ${t.uuid},
        mentions ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX activity_notes_target ON activity_notes (tenant_id, target_type, target_id, id)`)
      yield* sql.unsafe(`CREATE TABLE activity_tasks (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT,
        status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'canceled')),
        priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        due_at ${t.ts},
        due_time_zone TEXT,
        assignee_id ${t.uuid},
        completed_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX activity_tasks_target ON activity_tasks (tenant_id, target_type, target_id, id)`)
      yield* sql.unsafe(`CREATE INDEX activity_tasks_assignee ON activity_tasks (tenant_id, assignee_id, id)`)
      yield* sql.unsafe(`CREATE TABLE activity_reviews (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        reviewer_id ${t.uuid} NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, target_type, target_id, reviewer_id)
      )`)
      for (const table of ACTIVITIES_TABLES.slice(0, 4)) yield* enableTenantRls(table)
    }),
    "0002_calls_events": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE activity_calls (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        participants ${t.json} NOT NULL,
        started_at ${t.ts} NOT NULL,
        duration_seconds INTEGER NOT NULL CHECK (duration_seconds BETWEEN 0 AND 86400),
        outcome TEXT NOT NULL CHECK (outcome IN ('connected', 'no_answer', 'voicemail', 'busy', 'failed')),
        summary TEXT,
        note_id ${t.uuid},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, note_id) REFERENCES activity_notes (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX activity_calls_target ON activity_calls (tenant_id, target_type, target_id, id)`)
      yield* sql.unsafe(`CREATE TABLE activity_events (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT,
        starts_at ${t.ts} NOT NULL,
        ends_at ${t.ts} NOT NULL,
        all_day ${t.bool} NOT NULL,
        time_zone TEXT NOT NULL,
        location TEXT,
        attendees ${t.json} NOT NULL,
        rrule TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        CHECK (ends_at > starts_at)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX activity_events_target ON activity_events (tenant_id, target_type, target_id, id)`
      )
      yield* sql.unsafe(`CREATE TABLE activity_event_attendees (
        tenant_id ${t.uuid} NOT NULL,
        event_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        PRIMARY KEY (tenant_id, event_id, user_id),
        FOREIGN KEY (tenant_id, event_id) REFERENCES activity_events (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX activity_event_attendees_user ON activity_event_attendees (tenant_id, user_id)`)
      for (const table of ACTIVITIES_TABLES.slice(4, 7)) yield* enableTenantRls(table)
    }),
    "0003_attachments": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE activity_attachment_blobs (
        tenant_id ${t.uuid} NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, sha256)
      )`)
      yield* sql.unsafe(`CREATE TABLE activity_attachments (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX activity_attachments_target ON activity_attachments (tenant_id, target_type, target_id, id)`
      )
      yield* sql.unsafe(`CREATE TABLE activity_attachment_versions (
        tenant_id ${t.uuid} NOT NULL,
        attachment_id ${t.uuid} NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        filename TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        sha256 TEXT NOT NULL,
        author_id TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, attachment_id, version),
        FOREIGN KEY (tenant_id, attachment_id) REFERENCES activity_attachments (tenant_id, id),
        FOREIGN KEY (tenant_id, sha256) REFERENCES activity_attachment_blobs (tenant_id, sha256)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX activity_attachment_versions_blob ON activity_attachment_versions (tenant_id, sha256)`
      )
      for (const table of ATTACHMENT_TABLES) yield* enableTenantRls(table)
    }),
    "0004_search": searchMigration,
    "0005_task_reminders": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN remind_at ${t.ts}`)
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN reminder_sent_at ${t.ts}`)
      yield* sql.unsafe(`CREATE INDEX activity_tasks_reminders ON activity_tasks (tenant_id, remind_at)
        WHERE reminder_sent_at IS NULL AND deleted_at IS NULL`)
    }),
    "0006_recurring_tasks": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN recurrence TEXT`)
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN recurrence_start ${t.ts}`)
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN next_task_id ${t.uuid}`)
      yield* sql.unsafe(`ALTER TABLE activity_tasks ADD COLUMN remind_before INTEGER`)
    }),
    "0007_search_calls_reviews": searchCallsReviewsMigration,
    "0008_carbon_footprints": carbonFootprintsMigration,
    "0009_channel_configs": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE activity_channel_configs (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('email', 'sms', 'webhook', 'chat')),
        name TEXT NOT NULL,
        enabled ${t.bool} NOT NULL,
        settings ${t.json} NOT NULL,
        credentials_enc TEXT,
        credentials_hint TEXT,
        event_types ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE UNIQUE INDEX activity_channel_configs_name ON activity_channel_configs (tenant_id, name)
        WHERE deleted_at IS NULL`)
      yield* enableTenantRls("activity_channel_configs")
    })
  }
}
