/**
 * The acting user, from the verified context (`CurrentActor`), for
 * operations that only a user can perform on themselves (their sessions,
 * profile, MFA, presence tokens).
 *
 * @module
 */
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"

/**
 * The acting user's id and token session.
 * @errors Forbidden ("this endpoint needs a user token") for API keys, operators, the system and beacons
 */
export const currentUser: Effect.Effect<
  { readonly userId: string; readonly sessionId: string | null },
  Forbidden,
  CurrentActor
> = Effect.flatMap(CurrentActor, (actor) =>
  actor.kind === "user" && actor.id
    ? Effect.succeed({ userId: actor.id, sessionId: actor.sessionId ?? null })
    : Effect.fail(new Forbidden({ message: "this endpoint needs a user token" }))
)
