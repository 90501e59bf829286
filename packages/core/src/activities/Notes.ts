/**
 * Notes on a target (issue 22 "Notes"; seed 001 `notes` with priorities and
 * assignments): markdown body rendered to sanitized HTML on read
 * (`Markdown.ts`), priority, pinned flag, assignee (a user of the tenant),
 * mentions, soft delete. Internal to `Activities.ts`.
 *
 * - **Mentions**: `@<user id>` or `@<username>` in the body, resolved at
 *   write time against the tenant's users (unknown names stay plain text;
 *   at most `MAX_MENTIONS` users, from the first `MAX_MENTION_LOOKUPS`
 *   tokens). Each newly mentioned user gets one
 *   `signet.activities.note.mentioned` event through the outbox
 *   (data: note id, target, mentioned user id, author).
 * - **Rights**: reading needs the target to be visible to the caller
 *   (`Targets.ts`); changing or deleting needs to be its author or to hold
 *   `activities:admin`.
 * - Every change writes one audit row (before/after) and one event
 *   `signet.activities.note.created|updated|deleted` in its transaction.
 *
 * @module
 */
import {
  type ActivityPaging,
  type CreateNote,
  MAX_MENTIONS,
  MAX_NOTES_PER_TARGET,
  Note,
  NoteId,
  type Target,
  type UpdateNote
} from "@signet/contracts/activities/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Identity } from "../identity/Users.js"
import {
  type ActivityDeps,
  activityNotFound,
  actorRef,
  type CheckTarget,
  changeRecorder,
  checkAssignee,
  paging,
  requireAuthorOrAdmin,
  toPage
} from "./Kit.js"
import { renderMarkdown } from "./Markdown.js"
import type { NoteFields, NoteRow } from "./Repo.js"

/** `@name` tokens of a body: a username or a user id (letters, digits, `.`, `_`, `-`). */
const MENTION = /(?<![A-Za-z0-9._@-])@([A-Za-z0-9._-]{3,64})/g

/** The mention tokens of `body`, in order, without duplicates or trailing dots. */
export const mentionTokens = (body: string): ReadonlyArray<string> => [
  ...new Set([...body.matchAll(MENTION)].map((m) => m[1]!.replace(/\.+$/, "")).filter((t) => t.length >= 3))
]

/** A stored note as the public shape, its body rendered. */
export const presentNote = (row: NoteRow): Note => new Note({ ...row, body_html: renderMarkdown(row.body) })

const isUserId = Schema.is(UserId)

/** `@` tokens of one body looked up at most (each is a query): the first ones count, the rest stay text. */
export const MAX_MENTION_LOOKUPS = 2 * MAX_MENTIONS

/** The tenant's users mentioned in `body` (see the module comment). */
const resolveMentions = (identity: Identity, body: string) =>
  Effect.gen(function* () {
    const found: Array<UserId> = []
    for (const token of mentionTokens(body).slice(0, MAX_MENTION_LOOKUPS)) {
      if (found.length >= MAX_MENTIONS) break
      const id = isUserId(token)
        ? (yield* identity.exists(token))
          ? Option.some(token)
          : Option.none()
        : Option.map(yield* identity.inTx(identity.findByLogin(token)), (u) => u.id as UserId)
      if (Option.isSome(id) && !found.includes(id.value)) found.push(id.value)
    }
    return found
  })

/** The note operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeNotes = ({ access, audit, events, identity, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /** A live note whose target the caller can see. @errors ActivityNotFound */
  const findVisible = (id: string) =>
    Effect.gen(function* () {
      const row = Schema.is(NoteId)(id) ? yield* inTx(repo.findNote(id)) : Option.none<NoteRow>()
      if (Option.isNone(row)) return yield* activityNotFound("note", id)
      yield* Effect.mapError(check(row.value), () => activityNotFound("note", id))
      return row.value
    })

  const mentioned = (note: Note, users: ReadonlyArray<UserId>) =>
    Effect.forEach(users, (user) =>
      events.publish({
        type: "signet.activities.note.mentioned",
        subject: note.id,
        data: {
          note_id: note.id,
          target_type: note.target_type,
          target_id: note.target_id,
          user_id: user,
          author_id: note.author_id
        }
      })
    )

  const changed = changeRecorder({ audit, events }, "note")

  /**
   * Creates a note on a visible target.
   * @errors TargetNotFound, ValidationError (assignee_id, `MAX_NOTES_PER_TARGET`)
   */
  const create = (input: CreateNote) =>
    Effect.gen(function* () {
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      yield* checkAssignee(identity, input.assignee_id)
      const mentions = yield* resolveMentions(identity, input.body)
      const author = yield* actorRef
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* repo.countNotes(target)) >= MAX_NOTES_PER_TARGET)
            return yield* ValidationError.field("target_id", `a target has at most ${MAX_NOTES_PER_TARGET} notes`)
          const id = yield* newId(NoteId)
          const fields: NoteFields = {
            body: input.body,
            priority: input.priority ?? "normal",
            pinned: input.pinned ?? false,
            assignee_id: input.assignee_id ?? null,
            mentions
          }
          yield* repo.insertNote(id, target, author, fields, yield* DateTime.now)
          const note = presentNote(Option.getOrThrow(yield* repo.findNote(id)))
          yield* changed("created", note)
          yield* mentioned(note, mentions)
          return note
        })
      )
    }).pipe(Effect.withSpan("Activities.createNote"))

  /** One note. @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => Effect.map(findVisible(id), presentNote)

  /** A visible target's notes, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      const rows = yield* inTx(repo.listNotes(target, after, limit + 1))
      return toPage(rows.map(presentNote), limit)
    })

  /**
   * Changes a note (its author or `activities:admin`). Users newly
   * mentioned by a changed body are notified.
   * @errors ActivityNotFound, Forbidden, ValidationError (assignee_id)
   */
  const update = (id: string, patch: UpdateNote) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* checkAssignee(identity, patch.assignee_id)
      const mentions = patch.body === undefined ? row.mentions : yield* resolveMentions(identity, patch.body)
      return yield* inTx(
        Effect.gen(function* () {
          const before = presentNote(row)
          yield* repo.updateNote(
            row.id,
            {
              body: patch.body ?? row.body,
              priority: patch.priority ?? row.priority,
              pinned: patch.pinned ?? row.pinned,
              assignee_id: patch.assignee_id === undefined ? row.assignee_id : patch.assignee_id,
              mentions
            },
            yield* DateTime.now
          )
          const after = presentNote(Option.getOrThrow(yield* repo.findNote(row.id)))
          yield* changed("updated", after, before)
          yield* mentioned(
            after,
            mentions.filter((m) => !row.mentions.includes(m))
          )
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateNote"))

  /** Soft-deletes a note (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteNote(row.id, yield* DateTime.now)
          yield* changed("deleted", presentNote(row))
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteNote"))

  return { create, get, list, update, remove } as const
}
