/**
 * Identifiers: UUIDv7 strings (RFC 9562 §5.7), branded per entity.
 *
 * UUIDv7 embeds a millisecond Unix timestamp, so ids sort by creation time and
 * index well in both SQLite and Postgres. The timestamp is read from Effect's
 * `Clock`, so tests that use `TestClock` get deterministic time prefixes.
 *
 * @module
 */
import { Clock, Effect, Schema } from "effect"
import { v7 } from "uuid"

/**
 * A UUID string in canonical lowercase form. Unbranded base for every id.
 */
export const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: () => "must be a lowercase UUID"
  })
)

/**
 * Builds a branded id schema: `const UserId = brandedId("UserId")`.
 * Decoding a malformed string fails with a ParseError (→ 400 at the edge).
 */
export const brandedId = <const B extends string>(brand: B) =>
  Uuid.pipe(Schema.brand(brand), Schema.annotations({ identifier: brand, description: `${brand} (UUIDv7)` }))

/**
 * Branded user id (UUID; seed 001 "users"). A kernel id because every module
 * refers to users (actors, members, grants, signatures) and the access module
 * must not import identity. Re-exported by `identity/Domain`.
 */
export const UserId = Schema.UUID.pipe(Schema.brand("UserId"), Schema.annotations({ identifier: "UserId" }))
/** @see UserId */
export type UserId = typeof UserId.Type

/** Branded session id (UUID); the access token's `sid` claim (seed 002). Re-exported by `identity/Domain`. */
export const SessionId = Schema.UUID.pipe(Schema.brand("SessionId"), Schema.annotations({ identifier: "SessionId" }))
/** @see SessionId */
export type SessionId = typeof SessionId.Type

let lastMs = -1
let seq = 0

/**
 * A fresh UUIDv7 string, timestamped from the Effect `Clock` (milliseconds).
 * Monotonic within the process: ids minted in the same millisecond (or after
 * the clock stepped back) keep increasing through the 32-bit sequence field,
 * so ordering by id is ordering by creation.
 */
export const newUuid: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (now) => {
  if (now > lastMs) {
    lastMs = now
    seq = Math.floor(Math.random() * 0x3fffffff)
  } else {
    seq++
    if (seq > 0xffffffff) {
      lastMs++
      seq = 0
    }
  }
  return v7({ msecs: lastMs, seq })
})

/**
 * A fresh branded id for the given schema: `yield* newId(UserId)`.
 */
export const newId = <S extends Schema.Schema<any, string, never>>(_schema: S): Effect.Effect<Schema.Schema.Type<S>> =>
  newUuid as Effect.Effect<Schema.Schema.Type<S>>
