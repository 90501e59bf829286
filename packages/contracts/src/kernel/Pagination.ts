/**
 * Cursor pagination shared by every list endpoint.
 *
 * Lists are ordered by id (UUIDv7, so by creation time). The cursor is the
 * opaque base64url encoding of the last id returned; clients pass it back as
 * `cursor` to get the next page. `limit` is 1..200, default 50.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { ValidationError } from "./Errors.js"

/** Query parameters of a list endpoint. */
export const PageParams = Schema.Struct({
  cursor: Schema.optional(
    Schema.String.annotations({ description: "Opaque cursor from the previous page's next_cursor" })
  ),
  limit: Schema.optional(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200)).annotations({
      description: "Page size, 1..200 (default 50)"
    })
  )
})
/** @see PageParams */
export type PageParams = typeof PageParams.Type

/** A page of results: `next_cursor` is null on the last page. */
export const Page = <S extends Schema.Schema.Any>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), next_cursor: Schema.NullOr(Schema.String) })

/** Default and maximum page sizes. */
export const DEFAULT_LIMIT = 50

/** Encodes the last id of a page as a cursor. */
export const encodeCursor = (id: string): string => Buffer.from(id, "utf8").toString("base64url")

/**
 * Decodes a cursor back to the id after which the next page starts.
 * Fails with a 400 {@link ValidationError} naming `cursor` when it is not one of ours.
 */
export const decodeCursor = (cursor: string | undefined): Effect.Effect<string | undefined, ValidationError> => {
  if (cursor === undefined || cursor === "") return Effect.succeed(undefined)
  const id = Buffer.from(cursor, "base64url").toString("utf8")
  return /^[0-9a-f-]{36}$/.test(id)
    ? Effect.succeed(id)
    : Effect.fail(ValidationError.field("cursor", "is not a valid page cursor"))
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only tells
 * whether another page exists.
 */
export const toPage = <A extends { readonly id: string }>(
  rows: ReadonlyArray<A>,
  limit: number
): { readonly items: ReadonlyArray<A>; readonly next_cursor: string | null } => {
  const items = rows.slice(0, limit)
  return { items, next_cursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null }
}
