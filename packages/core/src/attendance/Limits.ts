/**
 * Bounds on student-initiated signature attempts (issue 15 §1 "QR
 * guessing"): a student sending code after code is answered 429 past a
 * limit, and what refused attempts may store is bounded.
 *
 * - Attempts (QR and NFC, the methods a student starts) count in two
 *   fixed-window buckets of the shared rate limiter (`kernel/RateLimit.ts`,
 *   so replicas on Postgres or Redis share them): one per signer
 *   (`SIGNET_RATE_SIGN_STUDENT`, default `20/60`: 20 attempts a minute) and
 *   one per course, all signers together (`SIGNET_RATE_SIGN_COURSE`, default
 *   `5000/60`: a lecture of 800 students signing at once). Past either: `RateLimited` (429, `Retry-After`).
 * - Refusals: at most `SIGNET_REFUSALS_STORED` (default `20/3600`) refusal
 *   rows per signer and course per window; the refusals beyond it are still
 *   answered (status REFUSED, `refusal_id` null) and counted by the limiter,
 *   but not stored; each one not stored is logged (a warning, itself bounded
 *   by the attempt limits).
 *
 * Each rule is `"<count>/<seconds>"` or `off`. A legitimate student needs one
 * or two attempts per course; a guesser of the 8-digit code (3 valid codes
 * out of 10^8 at any time) gets nowhere at 20 a minute.
 *
 * @module
 */

import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { RateLimited } from "@signet/contracts/kernel/Errors"
import { Config, Effect, Option } from "effect"
import { parseRule, RateLimiter, type RateLimitRule } from "../kernel/RateLimit.js"

/** The rules in force (`None`: that bound is off). */
export interface SigningRules {
  readonly signer: Option.Option<RateLimitRule>
  readonly course: Option.Option<RateLimitRule>
  readonly refusals: Option.Option<RateLimitRule>
}

/** Default rules (see the module comment). */
export const DEFAULT_SIGNING_RULES = { signer: "20/60", course: "5000/60", refusals: "20/3600" } as const

/** Reads the rules from the configuration (dies on a malformed rule). */
export const signingRules: Effect.Effect<SigningRules> = Effect.orDie(
  Config.all({
    signer: Config.string("SIGNET_RATE_SIGN_STUDENT").pipe(Config.withDefault(DEFAULT_SIGNING_RULES.signer)),
    course: Config.string("SIGNET_RATE_SIGN_COURSE").pipe(Config.withDefault(DEFAULT_SIGNING_RULES.course)),
    refusals: Config.string("SIGNET_REFUSALS_STORED").pipe(Config.withDefault(DEFAULT_SIGNING_RULES.refusals))
  })
).pipe(
  Effect.map((r) => ({ signer: parseRule(r.signer), course: parseRule(r.course), refusals: parseRule(r.refusals) }))
)

/** The bounds, as the signing seam uses them. */
export const makeSigningLimits = Effect.gen(function* () {
  const limiter = yield* RateLimiter
  const rules = yield* signingRules
  const tenant = Effect.map(CurrentTenant, (t) => t.id as string)

  /**
   * Counts one student-initiated attempt of `signerId` (on `courseId`, when
   * named) and refuses past a limit.
   * @errors RateLimited (429, with the seconds until the window resets)
   */
  const attempt = (signerId: string, courseId: string | null) =>
    Effect.gen(function* () {
      const tid = yield* tenant
      const checks = [
        ...Option.toArray(Option.map(rules.signer, (rule) => ({ bucket: `sign:${tid}:signer:${signerId}`, rule }))),
        ...(courseId === null
          ? []
          : Option.toArray(Option.map(rules.course, (rule) => ({ bucket: `sign:${tid}:course:${courseId}`, rule }))))
      ]
      // The signer's bucket first: a signer past their limit does not spend the course's.
      const refused = (yield* limiter.hitInOrder(checks)).find((decision) => !decision.allowed)
      if (refused !== undefined)
        return yield* new RateLimited({
          message: `too many signature attempts; retry in ${refused.resetSeconds} s`,
          retry_after_seconds: refused.resetSeconds,
          limit: refused.limit,
          remaining: refused.remaining
        })
    })

  /** Whether a refusal of `signerId` on `courseId` may still be stored (counts it either way). */
  const storeRefusal = (courseId: string, signerId: string | null) =>
    Effect.gen(function* () {
      if (signerId === null || Option.isNone(rules.refusals)) return true
      const tid = yield* tenant
      const rule = rules.refusals.value
      const decision = yield* limiter.hit(`refusals:${tid}:${courseId}:${signerId}`, rule)
      if (!decision.allowed)
        yield* Effect.logWarning("attendance: refusals of a signer no longer stored in this window", {
          course: courseId,
          signer: signerId,
          limit: rule.count,
          window_seconds: rule.windowSeconds
        })
      return decision.allowed
    })

  return { attempt, storeRefusal } as const
}).pipe(Effect.withSpan("AttendanceLimits.make"))

/** The signing bounds (see {@link makeSigningLimits}). */
export type SigningLimits = Effect.Effect.Success<typeof makeSigningLimits>
