/**
 * Reviews of a target (issue 22 "Reviews"; seed 001 `reviews`): a rating
 * from 1 to 5 and a comment by the caller, one review per reviewer per
 * target (a new one replaces the previous, keeping its id), and the
 * target's figures (count, mean, distribution). Internal to
 * `Activities.ts`.
 *
 * - The reviewer is the acting user: API keys, operators and the system
 *   do not review (`Forbidden`).
 * - A review is deleted by its reviewer or a holder of `activities:admin`.
 * - Every change writes one audit row and one event
 *   `signet.activities.review.created|updated|deleted`.
 *
 * @module
 */
import {
  type ActivityPaging,
  type PutReview,
  type Review,
  ReviewId,
  ReviewSummary,
  type Target
} from "@signet/contracts/activities/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import {
  type ActivityDeps,
  activityNotFound,
  type CheckTarget,
  changeRecorder,
  paging,
  requireAuthorOrAdmin,
  toPage
} from "./Kit.js"

/** The review operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeReviews = ({ access, audit, events, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  const changed = changeRecorder({ audit, events }, "review")

  /**
   * The caller's review of a visible target: created, or replacing theirs.
   * @errors TargetNotFound, Forbidden (not a user)
   */
  const put = (input: PutReview) =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      if (actor.kind !== "user" || actor.id === null)
        return yield* new Forbidden({ message: "reviews are written by users", permission: "activities:write" })
      const reviewer = actor.id
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      const comment = input.comment ?? null
      return yield* inTx(
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const before = yield* repo.findReviewBy(target, reviewer)
          const id = Option.isSome(before) ? before.value.id : yield* newId(ReviewId)
          if (Option.isSome(before)) yield* repo.replaceReview(id, input.rating, comment, now)
          else yield* repo.insertReview(id, target, reviewer, input.rating, comment, now)
          const after = Option.getOrThrow(yield* repo.findReview(id))
          yield* Option.isSome(before) ? changed("updated", after, before.value) : changed("created", after)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.putReview"))

  /** A visible target's reviews, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      return toPage(yield* inTx(repo.listReviews(target, after, limit + 1)), limit)
    })

  /** A visible target's review figures. @errors TargetNotFound */
  const summary = (target: Target) =>
    Effect.gen(function* () {
      yield* check(target)
      const buckets = yield* inTx(repo.ratingCounts(target))
      const distribution: Record<string, number> = { "1": 0, "2": 0, "3": 0, "4": 0, "5": 0 }
      let count = 0
      let sum = 0
      for (const b of buckets) {
        distribution[String(b.rating)] = b.n
        count += b.n
        sum += b.rating * b.n
      }
      return new ReviewSummary({
        target_type: target.target_type,
        target_id: target.target_id,
        count,
        average: count === 0 ? null : Math.round((sum / count) * 100) / 100,
        distribution
      })
    })

  /** Deletes a review (its reviewer or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = Schema.is(ReviewId)(id) ? yield* inTx(repo.findReview(id)) : Option.none<Review>()
      if (Option.isNone(row)) return yield* activityNotFound("review", id)
      const review = row.value
      yield* Effect.mapError(check(review), () => activityNotFound("review", id))
      yield* requireAuthorOrAdmin(access, review.reviewer_id)
      yield* inTx(Effect.zipRight(repo.deleteReview(review.id), changed("deleted", review)))
    }).pipe(Effect.withSpan("Activities.deleteReview"))

  return { put, list, summary, remove } as const
}
