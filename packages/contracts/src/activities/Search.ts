/**
 * Activities contract, full-text search (issue 22 "Full-text search across
 * notes, tasks and events (SQLite FTS5 and Postgres tsvector, one
 * interface)"): the query, its bounds and the shape of a hit.
 *
 * A query is plain words: letters, digits and combining marks make words,
 * everything else separates them (quotes, `*`, `-`, `NEAR(`, `AND`/`OR` are
 * not operators). Every word must match (AND); the last one also matches as
 * a prefix when it has at least {@link MIN_PREFIX_CHARS} characters; matching
 * ignores case and accents. At most {@link MAX_SEARCH_QUERY_CHARS}
 * characters and {@link MAX_SEARCH_TERMS} words; no word at all is a 400
 * `ValidationError`, checked by the service.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { Schema } from "effect"
import { ActivityPage, MAX_ACTIVITY_PAGE, TargetIdString, TargetType } from "./Domain.js"

/** Characters of a search query at most. */
export const MAX_SEARCH_QUERY_CHARS = 200
/** Words of a search query at most. */
export const MAX_SEARCH_TERMS = 16
/** Characters the last word needs to match as a prefix too. */
export const MIN_PREFIX_CHARS = 3
/**
 * How deep a search may page: hits beyond this rank are not reachable
 * (ranked paging is by offset; core ranks at most the 2,000 most recent
 * matches, so a very common word finds its best hits among those).
 */
export const MAX_SEARCH_DEPTH = 1_000

/** Kinds of activities that are searched. */
export const SEARCH_KINDS = ["note", "task", "event", "call", "review"] as const
/**
 * A searchable kind: `note` (body), `task` (title and description), `event`
 * (title, description, location), `call` (the call log's summary) or
 * `review` (its comment).
 */
export const SearchKind = Schema.Literal(...SEARCH_KINDS).annotations({ identifier: "SearchKind" })
/** @see SearchKind */
export type SearchKind = typeof SearchKind.Type

/**
 * One hit, best first: the activity's kind, id and target, its title
 * (tasks and events; null for notes), a plain-text `snippet` of at most
 * 24 words around the first match (`…` where cut) and the matched words as
 * `highlights`: `[start, end)` offsets in UTF-16 code units into `snippet`.
 * The snippet is not HTML: escape it before putting it in a page.
 */
export const SearchHit = Schema.Struct({
  kind: SearchKind,
  id: Schema.UUID,
  target_type: TargetType,
  target_id: TargetIdString,
  title: Schema.NullOr(Schema.String),
  snippet: Schema.String,
  highlights: Schema.Array(Schema.Tuple(Schema.Int, Schema.Int))
}).annotations({ identifier: "SearchHit" })
/** @see SearchHit */
export type SearchHit = typeof SearchHit.Type

/** A page of hits, best first; `next_cursor` continues the same ranking. */
export const SearchPage = ActivityPage(SearchHit).annotations({ identifier: "SearchPage" })
/** @see SearchPage */
export type SearchPage = typeof SearchPage.Type

/**
 * Options of a search (core): kinds (default all; an unknown kind is a
 * 400), one target (`target_type` and `target_id` go together, else a 400),
 * paging.
 */
export interface SearchOptions {
  readonly kinds?: ReadonlyArray<string> | undefined
  readonly target_type?: TargetType | undefined
  readonly target_id?: string | undefined
  readonly limit?: number | undefined
  readonly cursor?: string | undefined
}

/**
 * REST query of `GET …/activities/search`: `q`, `kinds` (comma-separated,
 * e.g. `note,task`), optional `target_type` + `target_id`, `limit` (1..100),
 * `cursor`. Length, word count and kinds are checked by the service (400).
 */
export const SearchQuery = Schema.Struct({
  q: Schema.String,
  kinds: Schema.optional(Schema.split(",")),
  target_type: Schema.optional(TargetType),
  target_id: Schema.optional(TargetIdString),
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MAX_ACTIVITY_PAGE)))
})
/** @see SearchQuery */
export type SearchQuery = typeof SearchQuery.Type

/**
 * RPC payload of `SearchActivities` (the same search as `GET
 * …/activities/search`): `q`, optional `kinds` (`note`, `task`, `event`, `call`, `review`),
 * one target, `limit` (1..100) and `cursor`. Length, word count and kinds
 * are checked by the service (400).
 */
export const SearchRequest = Schema.Struct({
  q: Schema.String.pipe(Schema.maxLength(4096)),
  kinds: Schema.optional(Schema.Array(Schema.String).pipe(Schema.maxItems(10))),
  target_type: Schema.optional(TargetType),
  target_id: Schema.optional(TargetIdString),
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_ACTIVITY_PAGE)))
})
/** @see SearchRequest */
export type SearchRequest = typeof SearchRequest.Type
