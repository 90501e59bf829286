/**
 * `UserAdmin` (identity/Admin.ts) carries each operation's permission in its
 * type: a handler cannot run one without `policyUse` of a permission that
 * covers it. Checked by the type checker (`tsc -b` type-checks the tests);
 * the runtime check is in the HTTP and RPC suites (403 / Forbidden).
 */
import {
  type Access,
  type ApiKeys,
  type Auth,
  type CurrentActor,
  type CurrentTenant,
  type Identity,
  policyUse,
  UserAdmin,
  UserId
} from "@signet/core"
import type { CreateUser } from "@signet/core/api"
import type { Effect } from "effect"
import { describe, expect, it } from "vitest"

/** Removes the services and context a handler has, leaving only unmet policy requirements. */
type Unmet<T> =
  T extends Effect.Effect<infer A, infer E, infer R>
    ? Effect.Effect<A, E, Exclude<R, Identity | Auth | ApiKeys | Access | CurrentActor | CurrentTenant>>
    : never
const unmet = <T>(effect: T): Unmet<T> => effect as unknown as Unmet<T>

describe("UserAdmin permissions in the types", () => {
  it("are discharged by the matching policyUse only", () => {
    const input = { email: "a@b.example.edu", given_name: "A", family_name: "B", user_type: "teacher" } as CreateUser
    // @ts-expect-error AccessPolicy<"users:write"> is still required
    const unchecked: Effect.Effect<unknown, unknown, never> = unmet(UserAdmin.create(input))
    // @ts-expect-error "users:read" does not discharge "users:write"
    const wrong: Effect.Effect<unknown, unknown, never> = unmet(UserAdmin.create(input).pipe(policyUse("users:read")))
    const right: Effect.Effect<unknown, unknown, never> = unmet(UserAdmin.create(input).pipe(policyUse("users:write")))
    const wildcard: Effect.Effect<unknown, unknown, never> = unmet(
      UserAdmin.remove(UserId.make("01900000-0000-7000-8000-000000000000")).pipe(policyUse("users:*"))
    )
    // @ts-expect-error "users:write" does not discharge "users:delete"
    const notDelete: Effect.Effect<unknown, unknown, never> = unmet(
      UserAdmin.remove(UserId.make("01900000-0000-7000-8000-000000000000")).pipe(policyUse("users:write"))
    )
    // @ts-expect-error API keys need apikeys:*, not users:*
    const keys: Effect.Effect<unknown, unknown, never> = unmet(UserAdmin.listApiKeys.pipe(policyUse("users:*")))
    expect([unchecked, wrong, right, wildcard, notDelete, keys]).toHaveLength(6)
  })
})
