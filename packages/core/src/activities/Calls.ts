/**
 * Call logs on a target (issue 22 "Call logs"; seed 001 `logacalls` with
 * `logacallable_type/logacallable_id`): direction, participants, start,
 * duration, outcome, optional summary and linked note, soft delete.
 * Internal to `Activities.ts`.
 *
 * - **Participants**: 1..`MAX_CALL_PARTICIPANTS`; a participant's
 *   `user_id` must be a user of the tenant.
 * - **Duration**: an integer of seconds, 0..`MAX_CALL_DURATION_SECONDS`.
 * - **Linked note**: a live note of the same tenant **and the same target**.
 * - **Rights**: as notes — reading needs the target visible
 *   (`Targets.ts`); changing or deleting needs to be the author or to hold
 *   `activities:admin`.
 * - Every change writes one audit row (before/after) and one event
 *   `signet.activities.call.created|updated|deleted` in its transaction.
 *
 * @module
 */
import { type ActivityPaging, MAX_NOTES_PER_TARGET, type Target } from "@signet/contracts/activities/Domain"
import {
  CallLogId,
  type CallParticipant,
  type CreateCallLog,
  MAX_CALL_DURATION_SECONDS,
  MAX_CALL_PARTICIPANTS,
  type UpdateCallLog
} from "@signet/contracts/activities/Schedule"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Identity } from "../identity/Users.js"
import {
  type ActivityDeps,
  actorRef,
  type CheckTarget,
  changeRecorder,
  paging,
  requireAuthorOrAdmin,
  toPage,
  visibleFinder
} from "./Kit.js"
import type { ActivitiesRepo } from "./Repo.js"
import type { CallFields } from "./ScheduleRepo.js"

/** Live call logs per target at most (as notes). */
export const MAX_CALLS_PER_TARGET = MAX_NOTES_PER_TARGET

/** Checks participants: count, users of the tenant. @errors ValidationError (participants) */
const checkParticipants = (identity: Identity, participants: ReadonlyArray<CallParticipant>) =>
  Effect.gen(function* () {
    if (participants.length < 1 || participants.length > MAX_CALL_PARTICIPANTS)
      return yield* ValidationError.field("participants", `must hold 1 to ${MAX_CALL_PARTICIPANTS} participants`)
    for (const p of participants)
      if (p.user_id != null && !(yield* identity.exists(p.user_id)))
        return yield* ValidationError.field("participants", `${p.user_id} is not a user of the tenant`)
  })

/** Checks a duration in seconds. @errors ValidationError (duration_seconds) */
const checkDuration = (seconds: number) =>
  Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_CALL_DURATION_SECONDS
    ? Effect.void
    : ValidationError.field("duration_seconds", `must be an integer from 0 to ${MAX_CALL_DURATION_SECONDS}`)

/**
 * Passes when `noteId` is absent or a live note on `target` (same tenant,
 * same target). Runs inside the caller's transaction.
 * @errors ValidationError (note_id)
 */
const checkLinkedNote = (repo: ActivitiesRepo, target: Target, noteId: string | null) =>
  noteId === null
    ? Effect.void
    : Effect.flatMap(repo.findNote(noteId), (note) =>
        Option.isSome(note) &&
        note.value.target_type === target.target_type &&
        note.value.target_id === target.target_id
          ? Effect.void
          : ValidationError.field("note_id", "is not a note on the same target")
      )

/** The call log operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeCalls = ({ access, audit, events, identity, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /** A live call log whose target the caller can see. @errors ActivityNotFound */
  const findVisible = visibleFinder(inTx, check, "call", Schema.is(CallLogId), repo.findCall)

  const changed = changeRecorder({ audit, events }, "call")

  /**
   * Logs a call on a visible target.
   * @errors TargetNotFound, ValidationError (participants, duration_seconds, note_id, `MAX_CALLS_PER_TARGET`)
   */
  const create = (input: CreateCallLog) =>
    Effect.gen(function* () {
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      yield* checkParticipants(identity, input.participants)
      const fields: CallFields = {
        direction: input.direction,
        participants: input.participants,
        started_at: input.started_at,
        duration_seconds: input.duration_seconds ?? 0,
        outcome: input.outcome,
        summary: input.summary ?? null,
        note_id: input.note_id ?? null
      }
      yield* checkDuration(fields.duration_seconds)
      const author = yield* actorRef
      return yield* inTx(
        Effect.gen(function* () {
          yield* checkLinkedNote(repo, target, fields.note_id)
          if ((yield* repo.countCalls(target)) >= MAX_CALLS_PER_TARGET)
            return yield* ValidationError.field("target_id", `a target has at most ${MAX_CALLS_PER_TARGET} call logs`)
          const id = yield* newId(CallLogId)
          yield* repo.insertCall(id, target, author, fields, yield* DateTime.now)
          const call = Option.getOrThrow(yield* repo.findCall(id))
          yield* changed("created", call)
          return call
        })
      )
    }).pipe(Effect.withSpan("Activities.createCall"))

  /** One call log. @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => findVisible(id)

  /** A visible target's call logs, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      return toPage(yield* inTx(repo.listCalls(target, after, limit + 1)), limit)
    })

  /**
   * Changes a call log (its author or `activities:admin`).
   * @errors ActivityNotFound, Forbidden, ValidationError (participants, duration_seconds, note_id)
   */
  const update = (id: string, patch: UpdateCallLog) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      const fields: CallFields = {
        direction: patch.direction ?? row.direction,
        participants: patch.participants ?? row.participants,
        started_at: patch.started_at ?? row.started_at,
        duration_seconds: patch.duration_seconds ?? row.duration_seconds,
        outcome: patch.outcome ?? row.outcome,
        summary: patch.summary === undefined ? row.summary : patch.summary,
        note_id: patch.note_id === undefined ? row.note_id : patch.note_id
      }
      if (patch.participants !== undefined) yield* checkParticipants(identity, fields.participants)
      yield* checkDuration(fields.duration_seconds)
      return yield* inTx(
        Effect.gen(function* () {
          if (patch.note_id !== undefined) yield* checkLinkedNote(repo, row, fields.note_id)
          yield* repo.updateCall(row.id, fields, yield* DateTime.now)
          const after = Option.getOrThrow(yield* repo.findCall(row.id))
          yield* changed("updated", after, row)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateCall"))

  /** Soft-deletes a call log (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteCall(row.id, yield* DateTime.now)
          yield* changed("deleted", row)
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteCall"))

  return { create, get, list, update, remove } as const
}
