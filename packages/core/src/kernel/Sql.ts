/**
 * Column-value schemas that read the same from SQLite and Postgres, and
 * helpers to bind values portably.
 *
 * - booleans: Postgres `BOOLEAN` returns `true/false`, SQLite `INTEGER` 0/1.
 *   Bind with {@link bool} (0/1 — Postgres accepts `'1'`/`'0'` for booleans).
 * - JSON: both return text (the Postgres layer installs a text parser for
 *   `json`/`jsonb`); read with {@link DbJson}, bind with {@link json}.
 * - instants: both return ISO-8601 UTC strings (the Postgres layer installs a
 *   type parser); bind with {@link instant}.
 *
 * @module
 */
import { DateTime, Effect, Schema } from "effect"

/** Reads a boolean column from either dialect. */
export const DbBool = Schema.transform(
  Schema.Union(Schema.Boolean, Schema.Number, Schema.BigIntFromSelf),
  Schema.Boolean,
  {
    strict: true,
    decode: (v) => v === true || v === 1 || v === BigInt(1),
    encode: (b) => b
  }
)

/** Reads a JSON column (text in both dialects) into an unknown value. */
export const DbJson = Schema.transform(Schema.Unknown, Schema.Unknown, {
  strict: true,
  decode: (v) => (typeof v === "string" ? JSON.parse(v) : v),
  encode: (v) => JSON.stringify(v)
})

/** Reads a nullable JSON column. */
export const DbJsonNullable = Schema.NullOr(DbJson)

/** Binds a boolean portably (0/1). */
export const bool = (b: boolean): number => (b ? 1 : 0)

/** Binds a JSON value portably (text; Postgres casts it to JSONB). */
export const json = (v: unknown): string => JSON.stringify(v ?? null)

/** Binds an instant as an ISO-8601 UTC string with milliseconds. */
export const instant = (d: DateTime.DateTime | Date | number): string =>
  (d instanceof Date ? d : typeof d === "number" ? new Date(d) : DateTime.toDate(d)).toISOString()

/** Reads a count column (bigint on Postgres, number on SQLite). */
export const DbCount = Schema.transform(
  Schema.Union(Schema.Number, Schema.String, Schema.BigIntFromSelf),
  Schema.Number,
  {
    strict: true,
    decode: (v) => Number(v),
    encode: (n) => n
  }
)

/**
 * The options of repository spans: no stack trace is captured per call. A
 * span's default captures one (`new Error()`) each time it is applied, and
 * repository methods run several times per request — on a sign attempt
 * that `Error` alone was ~1 % of the server's CPU (issue 23). The span's name
 * already says which method ran; `@effect/sql`'s own `sql.execute` spans
 * carry the statement.
 */
export const REPO_SPAN = { captureStackTrace: false } as const

/**
 * A repository method's wrapper: SQL errors become defects (a repository's
 * callers never handle them) and the call gets a span `<repo>.<method>`
 * ({@link REPO_SPAN}).
 * `const span = repoSpan("TenancyRepo"); query.pipe(span("findBySlug"))`.
 */
export const repoSpan =
  (repo: string) =>
  (method: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, never, R> =>
    self.pipe(Effect.orDie, Effect.withSpan(`${repo}.${method}`, REPO_SPAN))
