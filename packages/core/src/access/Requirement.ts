/**
 * Policy requirements in the types (STYLE.md "policy pattern"): an
 * operation that needs a permission carries `AccessPolicy<"resource:action">`
 * in its requirements ({@link policyRequire}); `policyUse` (`Access.ts`)
 * checks the actor and removes it, so a forgotten check does not compile.
 * Types only: the run-time cost is nil.
 *
 * @module
 */
import type { Effect } from "effect"

declare const AccessPolicyTypeId: unique symbol

/**
 * A requirement, in an Effect's context type, that the current actor holds
 * permission `P`. It exists only in the types: {@link policyRequire} adds it
 * to a service operation, and `policyUse(P)` (Access.ts) removes it after
 * checking the actor, so calling the operation without the check does not
 * type-check. `AccessPolicy<\`roles:${string}\`>` stands for any `roles:`
 * permission (what `policyUse("roles:*")` discharges).
 */
export interface AccessPolicy<P extends string> {
  readonly [AccessPolicyTypeId]: { readonly _P: P }
}

/** A concrete permission as a type: `"resource:action"`. */
export type PermissionString = `${string}:${string}`

/**
 * The requirements a check of pattern `P` discharges: `"*:*"` every
 * permission, `"roles:*"` every `roles:` permission, otherwise exactly `P`.
 */
export type Discharges<P extends string> = P extends "*:*"
  ? AccessPolicy<string>
  : P extends `${infer R}:*`
    ? AccessPolicy<`${R}:${string}`>
    : AccessPolicy<P>

/**
 * Marks an operation as requiring `resource:action`: returns `effect`
 * unchanged at run time, with `AccessPolicy<"resource:action">` added to its
 * requirements.
 *
 * ```ts
 * const createRole = (input: CreateRole) => policyRequire("roles", "write")(doCreateRole(input))
 * // Effect<RoleDetail, Conflict, … | AccessPolicy<"roles:write">>
 * ```
 */
export const policyRequire =
  <const Resource extends string, const Action extends string>(_resource: Resource, _action: Action) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | AccessPolicy<`${Resource}:${Action}`>> =>
    effect
