/**
 * The user service: tenant users with their student data and registered
 * devices, passwords, and the seed's `IdentityQuery` reads (GetUserLite,
 * Exists, ValidateStudentDevice, GetUserById).
 *
 * Every operation acts on the `CurrentTenant`; every mutation runs in one
 * transaction with exactly one audit row and one CloudEvent
 * (`signet.user.created|updated|disabled|enabled|deleted|password_changed|…`).
 *
 * Composed from its seams (issue 14 §3): `users/Directory.ts` (reads and
 * lookups), `users/Creation.ts` (creation, other modules' steps),
 * `users/Roster.ts` (the roster import's upsert), `users/Updates.ts`
 * (profile, devices, lifecycle, passwords),
 * sharing `users/Kit.ts`, over the repositories `repo/Users.ts` and
 * `repo/Sessions.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import { SessionsRepo } from "./repo/Sessions.js"
import { UsersRepo } from "./repo/Users.js"
import { makeCreation } from "./users/Creation.js"
import { makeDirectory } from "./users/Directory.js"
import { makeKit } from "./users/Kit.js"
import { makeRoster } from "./users/Roster.js"
import { makeUpdates } from "./users/Updates.js"

export type { ListUsers } from "./users/Directory.js"
export {
  normalize,
  type RosterUser,
  toUser,
  UserRow,
  type UserTypeChange
} from "./users/Kit.js"

/**
 * The user service. Methods require `CurrentTenant` (and `CurrentActor` for
 * mutations) and open their own tenant transaction.
 */
export class Identity extends Effect.Service<Identity>()("Signet/Identity", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    return {
      ...makeCreation(kit),
      ...makeRoster(kit),
      ...makeDirectory(kit),
      ...makeUpdates(kit),
      findRow: kit.findRow,
      present: kit.present,
      inTx: kit.inTx
    } as const
  }),
  dependencies: [UsersRepo.Default, SessionsRepo.Default]
}) {}
