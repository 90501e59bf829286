/**
 * Full-text search across live notes, tasks, calendar events, call-log
 * summaries and review comments (issue 22
 * "Full-text search across notes, tasks and events (SQLite FTS5 and
 * Postgres tsvector, one interface)"). Internal to `Activities.ts`; the
 * facade (`Admin.ts`) requires `activities:read`.
 *
 * - **Query**: plain words (see `@signet/contracts/activities/Search`):
 *   the text is NFC-normalised and cut into runs of letters, digits and
 *   combining marks; anything else separates words, so `"`, `*`, `-`,
 *   `NEAR(`, `AND`/`OR` are never operators. All words must match; the last
 *   also as a prefix when it has at least `MIN_PREFIX_CHARS` characters.
 *   Over `MAX_SEARCH_QUERY_CHARS` characters, over `MAX_SEARCH_TERMS` words,
 *   or no word at all: 400 `ValidationError` (field `q`).
 * - **Tenant**: from `CurrentTenant`, always in the SQL.
 * - **Visibility**: with a target, the target is checked first (as the
 *   timeline does; 404 `TargetNotFound` when the caller may not see it).
 *   Tenant-wide, each hit's target is checked through its owning module (one
 *   check per distinct target of the page, as the task list does) and hits
 *   whose target the caller cannot see are left out (the checks run up
 *   to 8 at a time) — a page may then hold
 *   fewer than `limit` hits while `next_cursor` is not null.
 * - **Ranking and paging**: best first (bm25 / ts_rank); the cursor is an
 *   offset in that ranking, at most `MAX_SEARCH_DEPTH` hits deep.
 * - **Snippet**: computed here from the hit's indexed text, so both
 *   dialects answer the same shape.
 *
 * @module
 */
import {
  MAX_SEARCH_DEPTH,
  MAX_SEARCH_QUERY_CHARS,
  MAX_SEARCH_TERMS,
  MIN_PREFIX_CHARS,
  SEARCH_KINDS,
  type SearchHit,
  type SearchKind,
  type SearchOptions
} from "@signet/contracts/activities/Search"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { type ActivityDeps, type CheckTarget, paging } from "./Kit.js"
import type { SearchRow } from "./SearchRepo.js"

const WORD = /[\p{L}\p{N}\p{M}]+/gu
/** Words of a snippet at most, and of them before the first match. */
const SNIPPET_WORDS = 24
const SNIPPET_LEAD = 8
/** Target checks of one tenant-wide page run at once at most. */
const CHECK_CONCURRENCY = 8

/** A query cut into words, and whether its last word is a prefix. */
export interface ParsedQuery {
  readonly terms: ReadonlyArray<string>
  readonly prefix: boolean
}

/**
 * Cuts a user query into safe words (see the module comment).
 * @errors ValidationError (q: empty, too long, too many words)
 */
export const parseQuery = (q: string) =>
  Effect.gen(function* () {
    if (q.length > MAX_SEARCH_QUERY_CHARS)
      return yield* ValidationError.field("q", `must be at most ${MAX_SEARCH_QUERY_CHARS} characters`)
    const terms = q.normalize("NFC").match(WORD) ?? []
    if (terms.length === 0) return yield* ValidationError.field("q", "needs at least one word (letters or digits)")
    if (terms.length > MAX_SEARCH_TERMS)
      return yield* ValidationError.field("q", `must have at most ${MAX_SEARCH_TERMS} words`)
    return { terms, prefix: terms[terms.length - 1]!.length >= MIN_PREFIX_CHARS } satisfies ParsedQuery
  })

/** A word as compared for snippets: lower case, accents removed. */
const fold = (w: string) => w.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()

/**
 * A snippet of `text` around its first word matching the query: at most
 * {@link SNIPPET_WORDS} words, `…` where cut, and the `[start, end)` offsets
 * of the matched words in the snippet. The start of the text when nothing
 * matches (the index may tokenize a little differently).
 */
export const snippetOf = (text: string, query: ParsedQuery) => {
  const terms = query.terms.map(fold)
  const last = terms[terms.length - 1]!
  const hit = (w: string) => {
    const f = fold(w)
    return terms.includes(f) || (query.prefix && f.startsWith(last))
  }
  const words = [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, hit: hit(m[0]) }))
  const first = words.findIndex((w) => w.hit)
  const from = Math.max(0, first - SNIPPET_LEAD)
  const shown = words.slice(from, from + SNIPPET_WORDS)
  if (shown.length === 0) return { snippet: "", highlights: [] as Array<readonly [number, number]> }
  const lead = from > 0 ? "…" : ""
  const base = shown[0]!.start - lead.length
  const cut = from + SNIPPET_WORDS < words.length
  return {
    snippet: lead + text.slice(shown[0]!.start, shown[shown.length - 1]!.end).replace(/\s+/g, " ") + (cut ? "…" : ""),
    highlights: shown.filter((w) => w.hit).map((w) => [w.start - base, w.end - base] as const)
  }
}

/** A hit from a ranked row: the snippet from the body when it matches, else from the title. */
const toHit = (row: SearchRow, query: ParsedQuery): SearchHit => {
  const body = row.body ?? ""
  const fromBody = snippetOf(body, query)
  const s = fromBody.highlights.length > 0 || row.title === null ? fromBody : snippetOf(row.title, query)
  return { kind: row.kind, id: row.id, target_type: row.target_type, target_id: row.target_id, title: row.title, ...s }
}

/** Offset cursors of the ranking (`o:<n>`, base64url). */
const offsetCursor = {
  encode: (n: number) => Buffer.from(`o:${n}`, "utf8").toString("base64url"),
  decode: (cursor: string | undefined) => {
    if (cursor === undefined || cursor === "") return Effect.succeed(0)
    const m = /^o:(\d{1,6})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
    const n = m ? Number(m[1]) : -1
    return n >= 0 && n < MAX_SEARCH_DEPTH
      ? Effect.succeed(n)
      : Effect.fail(ValidationError.field("cursor", "is not a valid search cursor"))
  }
}

/** The kinds to search. @errors ValidationError (kinds) */
const kindsOf = (kinds: ReadonlyArray<string> | undefined) => {
  if (kinds === undefined || kinds.length === 0) return Effect.succeed<ReadonlyArray<SearchKind>>(SEARCH_KINDS)
  const bad = kinds.find((k) => !(SEARCH_KINDS as ReadonlyArray<string>).includes(k))
  return bad === undefined
    ? Effect.succeed([...new Set(kinds)] as ReadonlyArray<SearchKind>)
    : Effect.fail(ValidationError.field("kinds", `must be among ${SEARCH_KINDS.join(", ")}`))
}

/** The search operation over `deps`; `check` is the target check of `Targets.ts`. */
export const makeSearch = ({ inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /**
   * Live notes, tasks, events, calls and reviews of the tenant matching `q`, best first;
   * see the module comment.
   * @errors ValidationError (q, kinds, cursor, limit), TargetNotFound (with a target the caller cannot see)
   */
  const search = (q: string, options: SearchOptions = {}) =>
    Effect.gen(function* () {
      const query = yield* parseQuery(q)
      const kinds = yield* kindsOf(options.kinds)
      const { limit } = yield* paging({ limit: options.limit })
      const offset = yield* offsetCursor.decode(options.cursor)
      if ((options.target_type === undefined) !== (options.target_id === undefined))
        return yield* ValidationError.field("target_id", "target_type and target_id go together")
      const target =
        options.target_type !== undefined && options.target_id !== undefined
          ? { target_type: options.target_type, target_id: options.target_id }
          : undefined
      if (target) yield* check(target)
      const take = Math.min(limit, MAX_SEARCH_DEPTH - offset)
      const rows = yield* inTx(repo.search({ ...query, kinds, target, limit: take + 1, offset }))
      const page = rows.slice(0, take)
      const next_cursor =
        rows.length > take && offset + take < MAX_SEARCH_DEPTH ? offsetCursor.encode(offset + take) : null
      if (target) return { items: page.map((r) => toHit(r, query)), next_cursor }
      // Tenant-wide: keep the hits whose target the caller can see (one check per distinct target,
      // CHECK_CONCURRENCY at a time: on Postgres each is a transaction of the owning module).
      const key = (r: SearchRow) => `${r.target_type}\u0000${r.target_id}`
      const distinct = [...new Map(page.map((r) => [key(r), r] as const)).values()]
      const visible = new Set<string>()
      yield* Effect.forEach(
        distinct,
        (r) =>
          check(r).pipe(
            Effect.andThen(() => void visible.add(key(r))),
            Effect.catchAll(() => Effect.void)
          ),
        { concurrency: CHECK_CONCURRENCY, discard: true }
      )
      return { items: page.filter((r) => visible.has(key(r))).map((r) => toHit(r, query)), next_cursor }
    }).pipe(Effect.withSpan("Activities.search"))

  return { search } as const
}
