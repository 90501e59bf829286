/**
 * Activities migrations 0004 and 0007: the full-text index of notes, tasks,
 * calendar events (0004), call-log summaries and review comments (0007) (issue 22 "Full-text search … SQLite FTS5 and Postgres
 * tsvector, one interface"). Existing live rows are indexed by the
 * migration itself.
 *
 * - **SQLite**: `activity_search_docs` maps an FTS row (`doc_id`) to its
 *   activity `(tenant_id, kind, id, target_type, target_id)`; the FTS5 table
 *   `activity_search(title, body, target)` (tokenizer `unicode61
 *   remove_diacritics 2`: case- and accent-insensitive) holds the text, and
 *   in `target` one word made of `target_type` and `target_id` without
 *   their punctuation ({@link targetWord}), so a search bound to one target
 *   intersects that target's own posting list inside FTS5. Triggers on the three
 *   tables keep both in step: a live row is indexed on insert, re-indexed
 *   when its text, target or `deleted_at` changes, and left out once
 *   soft-deleted. What is indexed: a note's body; a task's title and
 *   description; an event's title, description and location.
 * - **Postgres**: a stored generated column `search_tsv` on each table —
 *   `to_tsvector('simple', …)` (language-neutral: no stemming, no stop
 *   words) over the lower-cased text with accents folded by `translate`
 *   ({@link ACCENTED} → {@link FOLDED}; `unaccent` needs a superuser to
 *   install, `translate` is built in and immutable) — and a GIN index on
 *   it. Adding the column computes it for existing rows.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** Accented lower-case letters folded by the Postgres index and query (same length as {@link FOLDED}). */
export const ACCENTED = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž"
/** What each letter of {@link ACCENTED} folds to. */
export const FOLDED = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz"

/** The Postgres expression folding a text column for search: lower case, accents removed. */
const fold = (expr: string) => `translate(lower(${expr}), '${ACCENTED}', '${FOLDED}')`

/** An indexed table: its search kind, the SQL of its title and body, the columns whose change re-indexes, and whether it soft-deletes. */
interface Source {
  readonly kind: string
  readonly table: string
  readonly title: string
  readonly body: string
  readonly watch: string
  /** Rows with a `deleted_at` leave the index when it is set (reviews are deleted outright). */
  readonly softDelete: boolean
}

/** The tables of migration 0004: notes, tasks and calendar events. */
const SOURCES: ReadonlyArray<Source> = [
  { kind: "note", table: "activity_notes", title: "NULL", body: "body", watch: "body", softDelete: true },
  {
    kind: "task",
    table: "activity_tasks",
    title: "title",
    body: "description",
    watch: "title, description",
    softDelete: true
  },
  {
    kind: "event",
    table: "activity_events",
    title: "title",
    body: "trim(coalesce(description, '') || ' ' || coalesce(location, ''))",
    watch: "title, description, location",
    softDelete: true
  }
]

/** The tables of migration 0007: call logs (their summary) and reviews (their comment). */
const SOURCES_0007: ReadonlyArray<Source> = [
  { kind: "call", table: "activity_calls", title: "NULL", body: "summary", watch: "summary", softDelete: true },
  { kind: "review", table: "activity_reviews", title: "NULL", body: "comment", watch: "comment", softDelete: false }
]

/**
 * The SQL of a row's target word: type and id with `-`, `.`, `:` and `_`
 * removed (one FTS5 token; two targets sharing a word are still told apart
 * by the exact `target_type`/`target_id` filter of the query).
 */
const targetWordSql = (row: string) =>
  `replace(replace(replace(replace(${row}.target_type || ${row}.target_id, '-', ''), '.', ''), ':', ''), '_', '')`

/** A target's word as {@link targetWordSql} computes it. */
export const targetWord = (targetType: string, targetId: string) => `${targetType}${targetId}`.replace(/[-.:_]/g, "")

/** Columns of a row as `<row>.` references (`new`/`old` in triggers, an alias in the backfill). */
const at = (row: string, expr: string) =>
  expr.replace(/\b(body|title|description|location|summary|comment)\b/g, (c) => `${row}.${c}`)

/** SQLite: the FTS5 table and its row map, then each source's triggers and backfill. */
const sqlite = (sql: SqlClient.SqlClient) =>
  Effect.gen(function* () {
    yield* sql.unsafe(`CREATE TABLE activity_search_docs (
      doc_id INTEGER PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      target_type TEXT NOT NULL,
      target_id TEXT NOT NULL,
      UNIQUE (tenant_id, kind, id)
    )`)
    yield* sql.unsafe(
      `CREATE VIRTUAL TABLE activity_search USING fts5(title, body, target, tokenize = 'unicode61 remove_diacritics 2')`
    )
    yield* sqliteSources(sql, SOURCES)
  })

/** SQLite: triggers keeping the index in step with `sources`, and the backfill of their rows. */
const sqliteSources = (sql: SqlClient.SqlClient, sources: ReadonlyArray<Source>) =>
  Effect.gen(function* () {
    for (const s of sources) {
      const live = (row: string) => (s.softDelete ? `${row}.deleted_at IS NULL` : "1 = 1")
      const doc = (row: "new" | "old") =>
        `(SELECT doc_id FROM activity_search_docs WHERE tenant_id = ${row}.tenant_id AND kind = '${s.kind}' AND id = ${row}.id)`
      const add = `INSERT INTO activity_search_docs (tenant_id, kind, id, target_type, target_id)
          SELECT new.tenant_id, '${s.kind}', new.id, new.target_type, new.target_id WHERE ${live("new")};
        INSERT INTO activity_search (rowid, title, body, target)
          SELECT ${doc("new")}, ${at("new", s.title)}, ${at("new", s.body)}, ${targetWordSql("new")}
          WHERE ${live("new")};`
      const drop = `DELETE FROM activity_search WHERE rowid = ${doc("old")};
        DELETE FROM activity_search_docs WHERE tenant_id = old.tenant_id AND kind = '${s.kind}' AND id = old.id;`
      yield* sql.unsafe(`CREATE TRIGGER ${s.table}_search_ins AFTER INSERT ON ${s.table} BEGIN ${add} END`)
      yield* sql.unsafe(
        `CREATE TRIGGER ${s.table}_search_upd AFTER UPDATE OF ${s.watch}, target_type, target_id${s.softDelete ? ", deleted_at" : ""}
          ON ${s.table} BEGIN ${drop} ${add} END`
      )
      yield* sql.unsafe(`CREATE TRIGGER ${s.table}_search_del AFTER DELETE ON ${s.table} BEGIN ${drop} END`)
      // Backfill the rows written before this migration.
      yield* sql.unsafe(`INSERT INTO activity_search_docs (tenant_id, kind, id, target_type, target_id)
        SELECT tenant_id, '${s.kind}', id, target_type, target_id FROM ${s.table} t WHERE ${live("t")}`)
      yield* sql.unsafe(`INSERT INTO activity_search (rowid, title, body, target)
        SELECT d.doc_id, ${at("t", s.title)}, ${at("t", s.body)}, ${targetWordSql("t")}
        FROM ${s.table} t JOIN activity_search_docs d ON d.tenant_id = t.tenant_id AND d.kind = '${s.kind}' AND d.id = t.id`)
    }
  })

/** Postgres: a generated `search_tsv` column and its GIN index on each table of `sources`. */
const pg = (sql: SqlClient.SqlClient, sources: ReadonlyArray<Source>) =>
  Effect.gen(function* () {
    for (const s of sources) {
      const text = `coalesce(${s.title === "NULL" ? "''" : s.title}, '') || ' ' || coalesce(${s.body}, '')`
      yield* sql.unsafe(`ALTER TABLE ${s.table} ADD COLUMN search_tsv tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, ${fold(text)})) STORED`)
      yield* sql.unsafe(`CREATE INDEX ${s.table}_search ON ${s.table} USING GIN (search_tsv)`)
    }
  })

/** Activities migration `0004_search`; see the module comment. */
export const searchMigration = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({ pg: () => pg(sql, SOURCES), orElse: () => sqlite(sql) })
)

/**
 * Activities migration `0007_search_calls_reviews`: call-log summaries and
 * review comments join the index, the same way (triggers and backfill on
 * SQLite, a generated column and GIN index on Postgres). A review has no
 * soft delete: deleting it removes it from the index.
 */
export const searchCallsReviewsMigration = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({ pg: () => pg(sql, SOURCES_0007), orElse: () => sqliteSources(sql, SOURCES_0007) })
)
