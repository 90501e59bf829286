/**
 * Managing a user's passkeys (issue 18 "Passkeys / WebAuthn"): list,
 * rename and removal (audited).
 *
 * @module
 */
import { type PasskeyId, PasskeyNotFound } from "@signet/contracts/identity/Domain"
import { Effect, Option } from "effect"
import { checkName, type Kit, present } from "./Kit.js"

/** The management seam of the passkeys service; see the module comment. */
export const makeManagement = (kit: Kit) => {
  const { passkeys, audit, events, inTx } = kit

  /** A user's passkeys, oldest first. */
  const list = (userId: string) => inTx(Effect.map(passkeys.listOfUser(userId), (rows) => rows.map(present)))

  /**
   * Renames one of the user's passkeys.
   * @errors PasskeyNotFound (404; also another user's or tenant's), ValidationError (name)
   */
  const rename = (userId: string, id: PasskeyId, name: string) =>
    inTx(
      Effect.flatMap(
        Effect.flatMap(checkName(name), (label) => passkeys.rename(userId, id, label)),
        (row) =>
          Option.isSome(row)
            ? Effect.as(
                audit.record({
                  action: "passkey.renamed",
                  targetType: "user",
                  targetId: userId,
                  after: { passkey_id: id }
                }),
                present(row.value)
              )
            : Effect.fail(new PasskeyNotFound({ message: `no passkey ${id}`, id }))
      )
    )

  /**
   * Removes one of the user's passkeys (audited, `signet.user.passkey_removed`).
   * @errors PasskeyNotFound (404; also another user's or tenant's)
   */
  const remove = (userId: string, id: PasskeyId) =>
    inTx(
      Effect.gen(function* () {
        if (!(yield* passkeys.remove(userId, id)))
          return yield* new PasskeyNotFound({ message: `no passkey ${id}`, id })
        yield* audit.record({
          action: "passkey.removed",
          targetType: "user",
          targetId: userId,
          after: { passkey_id: id }
        })
        yield* events.publish({
          type: "signet.user.passkey_removed",
          subject: userId,
          data: { user_id: userId, passkey_id: id }
        })
      })
    )

  return { list, rename, remove } as const
}
