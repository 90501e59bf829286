/**
 * The facade's activities group (`client.activities`, issue 22): notes,
 * tasks, reviews, call logs, calendar events and timelines of any target; one factory
 * over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */

import type { ActivityAttachment } from "@signet/contracts/activities/Attachments"
import { DateTime } from "effect"
import type { Session } from "./Session.js"
import type { ParamsOf, PlainOf } from "./Transport.js"

/** A target: `{ target_type, target_id }` (`course`, `user`, … or a registered `x-…` type). */
export interface TargetRef {
  readonly target_type: string
  readonly target_id: string
}

/** Paging of a list: `cursor` from the previous page's `next_cursor`, `limit` 1..100. */
export interface PageRef {
  readonly cursor?: string
  readonly limit?: number
}

/** Options of {@link activitiesApi} `search`: kinds (`note`, `task`, `event`, `call`, `review`; default all), one target, paging. */
export interface SearchRef extends PageRef {
  readonly kinds?: ReadonlyArray<"note" | "task" | "event">
  readonly target?: TargetRef
}

/**
 * `client.activities` (docs/activities.md): a target's timeline, notes
 * (markdown, answered with sanitized `body_html`), tasks, reviews, call
 * logs, calendar events, attachments (versioned files), full-text search
 * and the tenant's custom target types. Made from the client's {@link Session}.
 */
export const activitiesApi = ({ call, callWith, path }: Session) => {
  const at = (id: string) => ({ path: { ...path, id } })
  const query = (t: TargetRef, p: PageRef = {}): ParamsOf<"activities", "listNotes"> => ({
    target_type: t.target_type,
    target_id: t.target_id,
    ...p
  })
  return {
    /** The target's notes, tasks and reviews, newest first. */
    timeline: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.timeline({ path, urlParams: query(target, page) })),
    /** The tenant's custom target types. */
    targetTypes: () => call((r) => r.activities.listTargetTypes({ path })),
    /** Registers a custom target type `x-…` (activities:admin). */
    registerTargetType: (input: PlainOf<"activities", "registerTargetType">) =>
      callWith("activities", "registerTargetType", input, (r, payload) =>
        r.activities.registerTargetType({ path, payload })
      ),
    /** Creates a note: `{ target_type, target_id, body, priority?, pinned?, assignee_id? }`. */
    createNote: (input: PlainOf<"activities", "createNote">) =>
      callWith("activities", "createNote", input, (r, payload) => r.activities.createNote({ path, payload })),
    /** A target's notes, newest first. */
    notes: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.listNotes({ path, urlParams: query(target, page) })),
    note: (id: string) => call((r) => r.activities.getNote(at(id))),
    updateNote: (id: string, input: PlainOf<"activities", "updateNote">) =>
      callWith("activities", "updateNote", input, (r, payload) => r.activities.updateNote({ ...at(id), payload })),
    removeNote: (id: string) => call((r) => r.activities.deleteNote(at(id))),
    /** Creates a task (status `todo`). */
    createTask: (input: PlainOf<"activities", "createTask">) =>
      callWith("activities", "createTask", input, (r, payload) => r.activities.createTask({ path, payload })),
    /** Tasks by target, assignee, `mine: "true"`, status. */
    tasks: (filter: ParamsOf<"activities", "listTasks"> = {}) =>
      call((r) => r.activities.listTasks({ path, urlParams: filter })),
    task: (id: string) => call((r) => r.activities.getTask(at(id))),
    /** Changes a task; a new status must follow the allowed transitions. */
    updateTask: (id: string, input: PlainOf<"activities", "updateTask">) =>
      callWith("activities", "updateTask", input, (r, payload) => r.activities.updateTask({ ...at(id), payload })),
    removeTask: (id: string) => call((r) => r.activities.deleteTask(at(id))),
    /** The caller's review of a target (replaces theirs). */
    review: (input: PlainOf<"activities", "putReview">) =>
      callWith("activities", "putReview", input, (r, payload) => r.activities.putReview({ path, payload })),
    reviews: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.listReviews({ path, urlParams: query(target, page) })),
    /** Count, average and distribution of a target's ratings. */
    reviewSummary: (target: TargetRef) => call((r) => r.activities.reviewSummary({ path, urlParams: query(target) })),
    removeReview: (id: string) => call((r) => r.activities.deleteReview(at(id))),
    /** Logs a call: `{ target_type, target_id, direction, participants, started_at, outcome, duration_seconds?, note_id? }`. */
    createCall: (input: PlainOf<"activities", "createCall">) =>
      callWith("activities", "createCall", input, (r, payload) => r.activities.createCall({ path, payload })),
    /** A target's call logs, newest first. */
    calls: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.listCalls({ path, urlParams: query(target, page) })),
    /** One call log. */
    callLog: (id: string) => call((r) => r.activities.getCall(at(id))),
    /** Changes a call log (its author or activities:admin). */
    updateCall: (id: string, input: PlainOf<"activities", "updateCall">) =>
      callWith("activities", "updateCall", input, (r, payload) => r.activities.updateCall({ ...at(id), payload })),
    /** Soft-deletes a call log. */
    removeCall: (id: string) => call((r) => r.activities.deleteCall(at(id))),
    /** Creates a calendar event: `{ target_type, target_id, title, starts_at, ends_at, time_zone?, attendees?, rrule?, … }`. */
    createEvent: (input: PlainOf<"activities", "createEvent">) =>
      callWith("activities", "createEvent", input, (r, payload) => r.activities.createEvent({ path, payload })),
    /** A target's calendar events, newest first. */
    events: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.listEvents({ path, urlParams: query(target, page) })),
    /** Occurrences of a target's events in [from, to) (ISO instants, ≤ 366 days; `truncated` past 1000). */
    occurrences: (target: TargetRef, from: string | Date, to: string | Date) =>
      call((r) =>
        r.activities.occurrences({
          path,
          urlParams: { ...query(target), from: DateTime.unsafeMake(from), to: DateTime.unsafeMake(to) }
        })
      ),
    /** One calendar event. */
    event: (id: string) => call((r) => r.activities.getEvent(at(id))),
    /** Changes a calendar event (checked as a whole). */
    updateEvent: (id: string, input: PlainOf<"activities", "updateEvent">) =>
      callWith("activities", "updateEvent", input, (r, payload) => r.activities.updateEvent({ ...at(id), payload })),
    /** Soft-deletes a calendar event. */
    removeEvent: (id: string) => call((r) => r.activities.deleteEvent(at(id))),
    /** The caller's events (attendee or author) as an iCalendar text. */
    calendarIcs: () => call((r) => r.activities.myEventsIcs({ path })),
    /**
     * Uploads a file to a target (attachments:write): raw bytes, typed by
     * the server from them (PDF, PNG, JPEG, GIF, WebP, text, CSV; ≤ 10 MiB).
     * @example `await signet.activities.upload({ target_type: "course", target_id }, "plan.pdf", fs.readFileSync("plan.pdf"))`
     */
    upload: (target: TargetRef, filename: string, bytes: Uint8Array) =>
      call((r) =>
        r.activities.uploadAttachment({
          path,
          urlParams: { target_type: target.target_type, target_id: target.target_id, filename },
          payload: bytes
        } as any)
      ) as Promise<ActivityAttachment>,
    /** A target's attachments (latest versions), newest first. */
    attachments: (target: TargetRef, page?: PageRef) =>
      call((r) => r.activities.listAttachments({ path, urlParams: query(target, page) })),
    /** One attachment (its latest version). */
    attachment: (id: string) => call((r) => r.activities.getAttachment(at(id))),
    /** Uploads a new version of an attachment; `filename` defaults to the latest version's. */
    uploadVersion: (id: string, bytes: Uint8Array, filename?: string) =>
      call((r) =>
        r.activities.uploadAttachmentVersion({
          ...at(id),
          urlParams: filename === undefined ? {} : { filename },
          payload: bytes
        } as any)
      ) as Promise<ActivityAttachment>,
    /** An attachment's versions, newest first. */
    attachmentVersions: (id: string) => call((r) => r.activities.listAttachmentVersions(at(id))),
    /** An attachment's bytes: the latest version, or `version` (1, 2, …). */
    download: (id: string, version?: number) =>
      call((r) => r.activities.attachmentContent({ ...at(id), urlParams: version === undefined ? {} : { version } })),
    /** Soft-deletes an attachment (its author or activities:admin). */
    removeAttachment: (id: string) => call((r) => r.activities.deleteAttachment(at(id))),
    /**
     * Full-text search of live notes, tasks, events, call summaries and review comments (issue 22): plain
     * words (≤ 200 characters, ≤ 16 words; else 400), all must match, the
     * last one also as a prefix; best first; only targets the caller can see.
     * Answers `{ items: [{ kind, id, target_type, target_id, title, snippet, highlights }], next_cursor }`.
     */
    search: (q: string, { kinds, target, ...page }: SearchRef = {}) =>
      call((r) =>
        r.activities.search({
          path,
          urlParams: { q, ...(kinds ? { kinds: [...kinds] } : {}), ...(target ? query(target, page) : page) }
        })
      ),
    /**
     * Restores a soft-deleted note, task, call log or event (issue 22; its
     * author or activities:admin): answers `{ kind, id }`; a live one fails
     * with `Conflict` (409), another tenant's with `ActivityNotFound`.
     */
    restore: (kind: "notes" | "tasks" | "calls" | "events" | "attachments" | "footprints", id: string) =>
      call((r) => r.activities.restoreActivity({ path: { ...path, kind, id } }))
  }
}
