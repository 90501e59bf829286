/**
 * Who sees a user's registered device identifiers (issue 15 §4: the NFC
 * credential of a student is what proves their presence, so reading it is
 * enough to sign in their place wherever a device identifier alone is
 * trusted).
 *
 * Rule: the user themselves, and holders of `users:write` — who can set the
 * identifiers anyway — see `devices`. Everyone else who may read the user
 * (`users:read`: teachers, viewers, read-only API keys) gets `devices: []`
 * and `devices_hidden: true`, so an empty list is never mistaken for "no
 * device". Applied by the user read paths of the facades (`UserAdmin.get`,
 * `UserAdmin.list`, `Account.user`); writes answer the full user to
 * `users:write` holders.
 *
 * @module
 */
import { User } from "@signet/contracts/identity/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { Access } from "../access/Access.js"

/** `user` as `viewer` may see it: its devices hidden unless self or `users:write`. */
const shown = (user: User, self: boolean, writer: boolean): User =>
  self || writer ? user : new User({ ...user, devices: [], devices_hidden: true }, true)

/**
 * A function presenting users to the `CurrentActor` (see the module comment);
 * asks the policy once.
 */
export const deviceView: Effect.Effect<(user: User) => User, never, Access | CurrentActor | CurrentTenant> = Effect.gen(
  function* () {
    const actor = yield* CurrentActor
    const writer = yield* Access.use((a) => a.checkActor(actor, "users:write"))
    return (user: User) => shown(user, actor.kind === "user" && actor.id === user.id, writer)
  }
)

/** `self` (one user) presented to the `CurrentActor`: devices hidden unless self or `users:write`. */
export const withDeviceView = <E, R>(
  self: Effect.Effect<User, E, R>
): Effect.Effect<User, E, R | Access | CurrentActor | CurrentTenant> =>
  Effect.flatMap(self, (user) => Effect.map(deviceView, (view) => view(user)))

/** `self` (a page of users) presented to the `CurrentActor`: devices hidden unless self or `users:write`. */
export const withDeviceViewPage = <P extends { readonly items: ReadonlyArray<User> }, E, R>(
  self: Effect.Effect<P, E, R>
): Effect.Effect<P, E, R | Access | CurrentActor | CurrentTenant> =>
  Effect.flatMap(self, (page) => Effect.map(deviceView, (view) => ({ ...page, items: page.items.map(view) })))
