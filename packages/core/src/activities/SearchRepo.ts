/**
 * The SQL of full-text search over live notes, tasks, calendar events, call
 * logs (summary) and reviews (comment)
 * (issue 22 "Full-text search"), merged into `ActivitiesRepo`. The index is
 * written by the triggers and generated columns of migration 0004
 * (`SearchMigration.ts`), never by this code. Reads the tenant from
 * `CurrentTenant` and always puts it in the SQL (and RLS on Postgres).
 *
 * The terms arrive already made safe by the service (`Search.ts`): words of
 * letters, digits and marks only, each quoted, bound as one parameter —
 * user text never reaches the FTS5 or tsquery parser unquoted.
 *
 * Ranking: FTS5 `bm25` (title weighs 2, body 1, target 0) on SQLite; `ts_rank` on
 * Postgres; ties by id — among the {@link RANK_WINDOW} most recent matches
 * of the tenant (SQLite: most recently indexed, i.e. created or edited;
 * Postgres: newest ids, i.e. created), so a word found in a million notes
 * costs a bounded ranking instead of scoring every match. Paging is by
 * offset in that ranking.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { type Target, TargetIdString, TargetType } from "@signet/contracts/activities/Domain"
import { SearchKind } from "@signet/contracts/activities/Search"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Schema } from "effect"
import { repoSpan } from "../kernel/Sql.js"
import { ACCENTED, FOLDED, targetWord } from "./SearchMigration.js"

/**
 * Matches ranked per search at most (the most recent ones): bounds the cost
 * of a common word (issue 22 figure "1 M notes ≤ 100 ms p95";
 * docs/benchmarks.md "Activities full-text search").
 */
export const RANK_WINDOW = 2_000

/** One ranked row of a search: the activity, its title (null for notes) and indexed body text. */
export const SearchRow = Schema.Struct({
  kind: SearchKind,
  id: Schema.String,
  target_type: TargetType,
  target_id: TargetIdString,
  title: Schema.NullOr(Schema.String),
  body: Schema.NullOr(Schema.String)
})
/** @see SearchRow */
export type SearchRow = typeof SearchRow.Type

/** A search as the repository runs it. */
export interface SearchSpec {
  /** The words, already reduced to letters, digits and marks (see `Search.ts`). */
  readonly terms: ReadonlyArray<string>
  /** Whether the last word also matches as a prefix. */
  readonly prefix: boolean
  readonly kinds: ReadonlyArray<SearchKind>
  readonly target: Target | undefined
  readonly limit: number
  readonly offset: number
}

/** A string as one FTS5 quoted string (its words then form a phrase). */
const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`

/**
 * The FTS5 MATCH text: every word quoted, AND-ed, within the title and
 * body columns; the last one `*` when a prefix; with a target, AND the
 * target's word in the `target` column.
 */
export const fts5Match = (s: Pick<SearchSpec, "terms" | "prefix" | "target">) => {
  const words = s.terms.map((t, i) => `${quoted(t)}${s.prefix && i === s.terms.length - 1 ? "*" : ""}`).join(" ")
  const target = s.target ? `target : ${quoted(targetWord(s.target.target_type, s.target.target_id))} AND ` : ""
  return `${target}{title body} : (${words})`
}

/** Accents folded as the Postgres index folds them. */
const foldPg = (word: string) => {
  let out = ""
  for (const c of word.toLowerCase()) {
    const i = ACCENTED.indexOf(c)
    out += i < 0 ? c : FOLDED[i]
  }
  return out
}

/** The `to_tsquery('simple', …)` text: quoted lexemes AND-ed; the last one `:*` when a prefix. */
export const tsQuery = (s: Pick<SearchSpec, "terms" | "prefix">) =>
  s.terms
    .map((t, i) => `'${foldPg(t).replaceAll("'", "''")}'${s.prefix && i === s.terms.length - 1 ? ":*" : ""}`)
    .join(" & ")

/** The SQL of search; see the module comment. */
export const searchQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const rows = Schema.decodeUnknown(Schema.Array(SearchRow))

  /** SQLite: FTS5 match, tenant and filters through the row map, rank first, then the page's text. */
  const sqlite = (t: string, s: SearchSpec) => sql`WITH recent AS (
      SELECT d.doc_id, d.id, bm25(activity_search, 2.0, 1.0, 0.0) AS score
      FROM activity_search JOIN activity_search_docs d ON d.doc_id = activity_search.rowid
      WHERE activity_search MATCH ${fts5Match(s)} AND d.tenant_id = ${t} AND d.kind IN ${sql.in(s.kinds)}
      ${s.target ? sql`AND d.target_type = ${s.target.target_type} AND d.target_id = ${s.target.target_id}` : sql``}
      ORDER BY activity_search.rowid DESC LIMIT ${RANK_WINDOW}),
    hits AS (SELECT doc_id, id, score FROM recent ORDER BY score, id LIMIT ${s.limit} OFFSET ${s.offset})
    SELECT d.kind, d.id, d.target_type, d.target_id, f.title, f.body
    FROM hits JOIN activity_search_docs d ON d.doc_id = hits.doc_id
    JOIN activity_search f ON f.rowid = hits.doc_id ORDER BY hits.score, hits.id`

  /** Postgres: one branch per kind over its GIN-indexed `search_tsv` (its newest matches), ranked together. */
  const pg = (t: string, s: SearchSpec) => {
    const q = tsQuery(s)
    const matching = sql`tenant_id = ${t} AND search_tsv @@ to_tsquery('simple', ${q})
      ${s.target ? sql`AND target_type = ${s.target.target_type} AND target_id = ${s.target.target_id}` : sql``}`
    // Reviews are deleted outright; every other kind soft-deletes.
    const where = sql`${matching} AND deleted_at IS NULL`
    const rank = sql`ts_rank(search_tsv, to_tsquery('simple', ${q}))`
    const branch = {
      note: sql`SELECT 'note' AS kind, id, target_type, target_id, NULL AS title, body, ${rank} AS score
        FROM activity_notes WHERE ${where} ORDER BY id DESC LIMIT ${RANK_WINDOW}`,
      task: sql`SELECT 'task' AS kind, id, target_type, target_id, title, description AS body, ${rank} AS score
        FROM activity_tasks WHERE ${where} ORDER BY id DESC LIMIT ${RANK_WINDOW}`,
      event: sql`SELECT 'event' AS kind, id, target_type, target_id, title,
        trim(coalesce(description, '') || ' ' || coalesce(location, '')) AS body, ${rank} AS score
        FROM activity_events WHERE ${where} ORDER BY id DESC LIMIT ${RANK_WINDOW}`,
      call: sql`SELECT 'call' AS kind, id, target_type, target_id, NULL AS title, summary AS body, ${rank} AS score
        FROM activity_calls WHERE ${where} ORDER BY id DESC LIMIT ${RANK_WINDOW}`,
      review: sql`SELECT 'review' AS kind, id, target_type, target_id, NULL AS title, comment AS body, ${rank} AS score
        FROM activity_reviews WHERE ${matching} ORDER BY id DESC LIMIT ${RANK_WINDOW}`
    }
    const union = s.kinds.map((k) => sql`(${branch[k]})`).reduce((a, b) => sql`${a} UNION ALL ${b}`)
    return sql`SELECT kind, CAST(id AS TEXT) AS id, target_type, target_id, title, body FROM (${union}) hits
      ORDER BY score DESC, id LIMIT ${s.limit} OFFSET ${s.offset}`
  }

  return {
    /** Live notes, tasks, events, calls and reviews of the tenant matching `spec`, best first. */
    search: (spec: SearchSpec) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        sql.onDialectOrElse({ pg: () => pg(tenant.id, spec), orElse: () => sqlite(tenant.id, spec) })
      ).pipe(Effect.flatMap(rows), span("search"))
  } as const
}
