/**
 * Calendar feeds: revocable secret URLs publishing a subject's courses.
 * Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import {
  AcademicsNotFound,
  CalendarFeed,
  CalendarFeedId,
  ClassroomId,
  type FeedKind,
  GroupId
} from "@signet/contracts/academics/Domain"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { newId, UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import { renderFeed } from "../ICalendar.js"
import { notFound } from "../Kit.js"
import type { Deps } from "./Deps.js"
import type { makeRender } from "./Render.js"

const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")

/** Calendar feeds: creation, listing, revocation, serving by token. */
export const makeFeeds = (deps: Deps, collectSubject: ReturnType<typeof makeRender>["collectSubject"]) => {
  const { repo, audit, events, academics, identity, inTx } = deps

  /**
   * Creates a feed for a student, teacher, group or classroom; the token is
   * shown once. @errors AcademicsNotFound (subject)
   */
  const createFeed = (kind: FeedKind, subjectId: string) =>
    inTx(
      Effect.gen(function* () {
        // A malformed subject id names nothing: not found, as a well-formed unknown one.
        if (kind === "group") {
          if (!Schema.is(GroupId)(subjectId)) return yield* notFound("group", subjectId)
          yield* academics.getGroup(subjectId)
        } else if (kind === "classroom") {
          if (!Schema.is(ClassroomId)(subjectId)) return yield* notFound("classroom", subjectId)
          yield* academics.getClassroom(subjectId)
        } else if (!Schema.is(UserId)(subjectId) || !(yield* identity.exists(subjectId)))
          return yield* new AcademicsNotFound({ message: `no user ${subjectId}`, resource: "user", id: subjectId })
        const id = yield* newId(CalendarFeedId)
        const token = `sgc_${Crypto.randomBytes(32).toString("base64url")}`
        const at = yield* DateTime.now
        const feed = new CalendarFeed({ id, kind, subject_id: subjectId, created_at: at, revoked_at: null })
        yield* repo.insertFeed(feed, sha256(token))
        yield* audit.record({
          action: "academics.feed.created",
          targetType: "calendar_feed",
          targetId: id,
          after: feed
        })
        yield* events.publish({ type: "signet.academics.feed.created", subject: id, data: feed })
        return { feed, token }
      })
    )

  /** Lists feeds (never their tokens). */
  const listFeeds = inTx(repo.listFeeds)

  /** Revokes a feed (its URL stops working). @errors AcademicsNotFound */
  const revokeFeed = (id: CalendarFeedId) =>
    inTx(
      Effect.gen(function* () {
        const at = yield* DateTime.now
        const revoked = yield* repo.revokeFeed(id, at)
        if (Option.isNone(revoked))
          return yield* new AcademicsNotFound({ message: `no active feed ${id}`, resource: "course", id })
        yield* audit.record({ action: "academics.feed.revoked", targetType: "calendar_feed", targetId: id })
        return revoked.value
      })
    )

  /**
   * What a feed publishes, by its token, not yet rendered: its kind and
   * subject, the calendar's name, the subject's courses as feed events and
   * the window (epoch ms; 30 days back to 180 ahead). For composing the feed
   * with another module's events (issue 22: a user's calendar events, added
   * by the activities module, which may depend on academics — not the other
   * way round).
   * @errors Unauthorized (unknown or revoked token)
   */
  const feedContentByToken = (token: string) =>
    inTx(
      Effect.gen(function* () {
        const feed = Option.getOrNull(yield* repo.findFeedByTokenHash(sha256(token)))
        if (!feed || feed.revoked_at !== null)
          return yield* new Unauthorized({ message: "unknown or revoked calendar feed" })
        // The default window always reads: a ValidationError here would be a defect.
        const content = yield* collectSubject(feed.kind, feed.subject_id).pipe(
          Effect.catchTag("ValidationError", Effect.die)
        )
        return { kind: feed.kind, subject_id: feed.subject_id, ...content }
      })
    )

  /** Serves a feed by its token (its courses only). @errors Unauthorized (unknown or revoked token) */
  const feedByToken = (token: string) =>
    Effect.map(feedContentByToken(token), ({ name, events }) =>
      renderFeed({ name, events, refreshIntervalMinutes: 60 })
    )

  return { createFeed, listFeeds, revokeFeed, feedByToken, feedContentByToken } as const
}
