/**
 * A search across every resource type (RFC 7644 §3.4.3: "POST /.search" at
 * the service provider's root): users first, then groups, paged as one
 * list. Each type runs its own list with the same filter (an attribute a
 * type does not have matches none of its resources), so the rules, limits
 * and errors are those of `/Users` and `/Groups`; `totalResults` is their
 * sum. Paging is exact without reading past the page: the users' page is
 * asked for at `startIndex`, and the groups fill what it leaves, from
 * `startIndex − users' total`. `sortBy` is refused (400 `invalidValue`):
 * a sort across types with different attributes has no meaning the RFC
 * fixes — search `/Users/.search` or `/Groups/.search` to sort.
 *
 * @module
 */
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import { Effect } from "effect"
import { LIST_SCHEMA, type ListQuery, parseList, scimError } from "./Kit.js"

/** A type's list operation: a ListResponse for a query. */
type Lister<R> = (query: ListQuery, base: string) => Effect.Effect<Record<string, unknown>, ScimError, R>

/**
 * The ListResponse of `query` over users then groups (see the module comment).
 * @errors ScimError 400 (`invalidValue` for `sortBy` or bad paging, `invalidFilter`, `tooMany`)
 */
export const searchAll = <R1, R2>(
  users: Lister<R1>,
  groups: Lister<R2>,
  query: ListQuery,
  base: string
): Effect.Effect<Record<string, unknown>, ScimError, R1 | R2> =>
  Effect.gen(function* () {
    const q = yield* parseList(query)
    if (q.sortBy !== undefined)
      return yield* scimError(
        400,
        "sortBy is not supported across resource types: search /Users/.search or /Groups/.search to sort",
        "invalidValue"
      )
    const userPage = yield* users({ ...query, startIndex: String(q.startIndex), count: String(q.count) }, base)
    const usersTotal = Number(userPage.totalResults ?? 0)
    const userItems = (userPage.Resources ?? []) as ReadonlyArray<unknown>
    const groupPage = yield* groups(
      {
        ...query,
        startIndex: String(Math.max(1, q.startIndex - usersTotal)),
        count: String(Math.max(0, q.count - userItems.length))
      },
      base
    )
    const groupItems = (groupPage.Resources ?? []) as ReadonlyArray<unknown>
    return {
      schemas: [LIST_SCHEMA],
      totalResults: usersTotal + Number(groupPage.totalResults ?? 0),
      startIndex: q.startIndex,
      itemsPerPage: userItems.length + groupItems.length,
      Resources: [...userItems, ...groupItems]
    }
  })
