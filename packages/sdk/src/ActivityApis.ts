/**
 * The facade's activities group (`client.activities`, issue 22 first
 * slice): notes, tasks, reviews and timelines of any target; one factory
 * over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
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

/**
 * `client.activities` (docs/activities.md): a target's timeline, notes
 * (markdown, answered with sanitized `body_html`), tasks, reviews and the
 * tenant's custom target types. Made from the client's {@link Session}.
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
    removeReview: (id: string) => call((r) => r.activities.deleteReview(at(id)))
  }
}
