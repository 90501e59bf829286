/**
 * Issue 14 "Done when: tsc -b proves that every facade method's permission is required": every
 * operation of the facades carries an `AccessPolicy` requirement in its type, except the ones
 * listed below, whose rule is decided inside (the course's teacher, the signing student, the
 * acting user themselves). `tsc -b` type-checks this file: a facade operation that loses its
 * requirement turns `true` below into `false` and the build fails.
 */
import type {
  AcademicsAdmin,
  AccessAdmin,
  AccessPolicy,
  ActivitiesAdmin,
  AttendanceAdmin,
  BeaconAdmin,
  UserAdmin
} from "@signet/core"
import type { Effect } from "effect"
import { describe, expect, it } from "vitest"

type ResultOf<T> = T extends (...args: ReadonlyArray<any>) => infer R ? R : T
/** Whether an operation (a function returning an Effect, or an Effect) requires some `AccessPolicy`. */
type Requires<T> =
  ResultOf<T> extends Effect.Effect<any, any, infer R>
    ? [Extract<R, AccessPolicy<any>>] extends [never]
      ? false
      : true
    : false
/** `true` when every operation of `F` but `Exempt` requires a policy. */
type AllRequire<F, Exempt extends keyof F = never> = false extends {
  [K in Exclude<keyof F, Exempt>]: Requires<F[K]>
}[Exclude<keyof F, Exempt>]
  ? false
  : true

const academics: AllRequire<typeof AcademicsAdmin, "updateCourse" | "feedByToken" | "feedContentByToken"> = true
// Issue 22: a timetable feed's token is its credential (with the user's calendar events).
const activities: AllRequire<typeof ActivitiesAdmin, "timetableFeed"> = true
const attendance: AllRequire<
  typeof AttendanceAdmin,
  | "createSignatureAttempt"
  | "patchSignature"
  | "markRoll"
  | "closeCourse"
  | "getQrCode"
  | "submitExcuse"
  | "listExcuses"
  | "getExcuse"
  | "getExcuseAttachment"
  | "decideExcuse"
  | "studentHistory"
> = true
const beacons: AllRequire<typeof BeaconAdmin, "presenceToken"> = true
const access: AllRequire<typeof AccessAdmin> = true
const users: AllRequire<typeof UserAdmin> = true

// The check itself: an operation without a requirement makes it false.
declare const unguarded: { readonly op: () => Effect.Effect<number> }
const caught: AllRequire<typeof unguarded> = false

describe("facade operations carry their permission in their types (issue 14)", () => {
  it("type-checks (tsc -b); the values only record it", () => {
    expect([academics, activities, attendance, beacons, access, users, caught]).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false
    ])
  })
})
