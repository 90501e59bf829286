/**
 * The acting user, from the verified context (`CurrentActor`), for
 * operations that only a user can perform on themselves (their sessions,
 * profile, MFA, presence tokens).
 *
 * @module
 */
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { SessionId, UserId } from "@signet/contracts/kernel/Ids"
import { Effect, Schema } from "effect"

const isUserId = Schema.is(UserId)
const isSessionId = Schema.is(SessionId)

/**
 * The acting user's id and token session.
 * @errors Forbidden ("this endpoint needs a user token") for API keys, operators, the system and beacons
 */
export const currentUser: Effect.Effect<
  { readonly userId: UserId; readonly sessionId: SessionId | null },
  Forbidden,
  CurrentActor
> = Effect.flatMap(CurrentActor, (actor) =>
  actor.kind === "user" && actor.id && isUserId(actor.id)
    ? Effect.succeed({
        userId: actor.id,
        sessionId: actor.sessionId !== undefined && isSessionId(actor.sessionId) ? actor.sessionId : null
      })
    : Effect.fail(new Forbidden({ message: "this endpoint needs a user token" }))
)
