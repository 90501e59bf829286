/**
 * The accounts module's group port (`accounts/Ports.ts` {@link AccountGroups},
 * issue 18 "printable sign-in cards"), provided by academics over its own
 * service: a student group and its members. Accounts sits below academics
 * in no import, so the modules form no cycle (ARCHITECTURE §1 "Module rule").
 *
 * @module
 */
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Effect, Layer } from "effect"
import { AccountGroups } from "../accounts/Ports.js"
import { Academics } from "./Academics.js"

/** {@link AccountGroups} over `Academics` (`getGroup`, `listMembers`: another tenant's group is `AcademicsNotFound`). */
export const accountGroupsLayer: Layer.Layer<AccountGroups, never, Academics> = Layer.effect(
  AccountGroups,
  Effect.map(Academics, (academics) => ({
    students: (groupId) =>
      Effect.gen(function* () {
        const group = yield* academics.getGroup(groupId)
        const ids = yield* academics.listMembers(groupId)
        return { id: group.id, name: group.name, schoolId: group.school_id, studentIds: ids as ReadonlyArray<UserId> }
      })
  }))
)
