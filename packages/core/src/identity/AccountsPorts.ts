/**
 * The accounts module's port (`accounts/Ports.ts` {@link AccountUsers}),
 * provided by identity over its own services: lookups through `Identity`,
 * the password change through `Auth.resetPassword` (policy, argon2id hash,
 * every session revoked, audit row, `signet.user.password_changed`).
 * Accounts sits above identity, so the layers form no cycle.
 *
 * @module
 */
import { Effect, Layer, Option } from "effect"
import { type AccountUser, AccountUsers } from "../accounts/Ports.js"
import { Auth } from "./Auth.js"
import { Identity } from "./Users.js"
import type { UserRow } from "./users/Kit.js"

/** A user row as accounts sees it: disabled and deleted users may not reset a password. */
const toAccountUser = (row: UserRow): AccountUser => ({
  id: row.id,
  email: row.email,
  active: row.status !== "disabled" && row.deleted_at === null
})

/** {@link AccountUsers} over `Identity` and `Auth`. */
export const accountUsersLayer: Layer.Layer<AccountUsers, never, Identity | Auth> = Layer.effect(
  AccountUsers,
  Effect.gen(function* () {
    const identity = yield* Identity
    const auth = yield* Auth
    return {
      findByLogin: (login) => identity.inTx(identity.findByLogin(login)).pipe(Effect.map(Option.map(toAccountUser))),
      find: (id) => identity.inTx(identity.findRow(id)).pipe(Effect.map(Option.map(toAccountUser))),
      checkPassword: (id, password) =>
        Effect.flatMap(identity.get(id), (user) =>
          identity.checkPassword(password, user.email, user.username, "new_password")
        ),
      resetPassword: (id, password) => auth.resetPassword(id, password)
    }
  })
)
