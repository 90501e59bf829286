/**
 * Presence tokens (issue 15 §3): a student's device gets a short-lived,
 * single-use token bound to the student, the device and optionally a
 * course; a proof carrying it has its claims checked here before the
 * beacon's own checks (`Proofs.ts`).
 *
 * @module
 */
import type { CourseId } from "@signet/contracts/academics/Domain"
import { PresenceToken } from "@signet/contracts/beacon/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Effect, Either } from "effect"
import { deviceBinding, type Kit, presenceTokenTtl, refused } from "./Kit.js"

/** Issuing presence tokens and reading a proof's token; see the module comment. */
export const makePresenceTokens = Effect.fnUntraced(function* ({ academics, identity, keys }: Kit) {
  const presenceTtl = yield* presenceTokenTtl

  /**
   * `POST …/me/presence-token`: a token for the calling student's
   * registered device, to show a beacon (flashlight, BLE, NFC). It lives
   * `presenceTokenTtl` seconds (30 by default), is used once (its `jti`),
   * names the student (`sub`) and device (`dev`), and, when `courseId` is
   * given, the course (`crs`: the student must follow it; a proof for
   * another course is refused).
   * @errors Forbidden (not a student, or the device is not registered to them), ValidationError (course_id)
   */
  const presenceToken = (studentId: UserId, deviceIdentifier: string, courseId?: CourseId) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      if (!(yield* identity.validateStudentDevice(studentId, deviceIdentifier)))
        return yield* new Forbidden({ message: "presence tokens are issued to a student's registered devices" })
      if (courseId !== undefined && !(yield* academics.validateStudentCourse(studentId, courseId)).is_allowed)
        return yield* ValidationError.field("course_id", "is not a course of this student")
      const signed = yield* keys.sign(
        "presence",
        {
          sub: studentId,
          tid: tenant.id,
          tenant_slug: tenant.slug,
          dev: deviceBinding(deviceIdentifier),
          ...(courseId !== undefined ? { crs: courseId } : {})
        },
        presenceTtl
      )
      return new PresenceToken({ token: signed.token, expires_in: signed.expiresIn })
    })

  /**
   * The student's presence token of a proof: valid, unexpired and of the
   * tenant `tid`. Answers its claims. @errors ProofRefused
   * (PRESENCE_TOKEN_EXPIRED, PRESENCE_TOKEN_INVALID, PRESENCE_TOKEN_OTHER_TENANT)
   */
  const presenceClaims = (token: string, tid: string) =>
    Effect.gen(function* () {
      const claims = yield* keys
        .verify("presence", token)
        .pipe(
          Effect.catchAll(() =>
            Effect.flatMap(Effect.either(keys.verifyIgnoringExpiry("presence", token)), (e) =>
              Effect.fail(
                Either.isRight(e)
                  ? refused("PRESENCE_TOKEN_EXPIRED", "the student's presence token has expired")
                  : refused("PRESENCE_TOKEN_INVALID", "the student's presence token is not valid")
              )
            )
          )
        )
      if (claims.tid !== tid)
        return yield* refused("PRESENCE_TOKEN_OTHER_TENANT", "the presence token belongs to another tenant")
      return claims
    })

  return { presenceToken, presenceClaims } as const
})

/** What {@link makePresenceTokens} builds. */
export type PresenceTokens = Effect.Effect.Success<ReturnType<typeof makePresenceTokens>>

/** The verified claims of a student's presence token. */
export type PresenceClaims = Effect.Effect.Success<ReturnType<PresenceTokens["presenceClaims"]>>
