/**
 * The activities facade (issue 22, first slice): each operation carries its
 * permission in its type; tenant and actor come from context.
 *
 * | operation | permission |
 * |---|---|
 * | timeline, notes/tasks/reviews/calls/events reads, occurrences, own `.ics`, review summary, custom type list, full-text search | `activities:read` |
 * | create/update/delete notes, tasks, call logs and events, put/delete own review | `activities:write` |
 * | register a custom target type | `activities:admin` |
 * | list attachments, their versions, download | `attachments:read` |
 * | upload an attachment or a new version, delete one | `attachments:write` |
 * | list carbon footprints, one footprint, totals per target or tenant | `carbon:read` |
 * | record, change, delete, restore a carbon footprint | `carbon:write` |
 *
 * Beyond the permission, every operation needs the target to be visible to
 * the caller through its owning module (`Targets.ts`), and changing or
 * deleting someone else's note, task or review needs `activities:admin`
 * (checked in the service; a task's assignee may change it too).
 *
 * Default roles (`DEFAULT_ROLES`): admin (`*:*`) and manager
 * (`activities:*`) do everything; teacher reads and writes; user and
 * viewer read; student has no activities permission (notes and tasks about
 * students are staff records). Carbon footprints: admin and manager
 * (`carbon:*`) everything; teacher, user and viewer `carbon:read`.
 *
 * @module
 */

import type { UploadAttachmentQuery } from "@signet/contracts/activities/Attachments"
import type { CarbonTotalsQuery, CreateFootprint, UpdateFootprint } from "@signet/contracts/activities/Carbon"
import type {
  ActivityPaging,
  CreateNote,
  CreateTask,
  PutReview,
  RegisterTargetType,
  RestorableKind,
  Target,
  UpdateNote,
  UpdateTask
} from "@signet/contracts/activities/Domain"
import type {
  CreateCalendarEvent,
  CreateCallLog,
  UpdateCalendarEvent,
  UpdateCallLog
} from "@signet/contracts/activities/Schedule"
import type { SearchOptions } from "@signet/contracts/activities/Search"
import { type DateTime, Effect } from "effect"
import { AcademicsAdmin } from "../academics/Admin.js"
import { policyRequire } from "../access/Policy.js"
import { Activities, type ListTasks } from "./Activities.js"

const read = policyRequire("activities", "read")
const write = policyRequire("activities", "write")
const admin = policyRequire("activities", "admin")
const readFiles = policyRequire("attachments", "read")
const writeFiles = policyRequire("attachments", "write")
const readCarbon = policyRequire("carbon", "read")
const writeCarbon = policyRequire("carbon", "write")

/** Activities operations; see the module comment for the permissions. */
export const ActivitiesAdmin = {
  /** The tenant's custom target types. */
  listTargetTypes: () => read(Activities.use((a) => a.targets.listTargetTypes)),
  /** Registers a custom target type. @errors Conflict, ValidationError */
  registerTargetType: (input: RegisterTargetType) => admin(Activities.use((a) => a.targets.registerTargetType(input))),
  /** A target's timeline, newest first. @errors TargetNotFound, ValidationError */
  timeline: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.timeline(target, page))),

  /** Creates a note. @errors TargetNotFound, ValidationError */
  createNote: (input: CreateNote) => write(Activities.use((a) => a.notes.create(input))),
  /** A target's notes, newest first. @errors TargetNotFound, ValidationError */
  listNotes: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.notes.list(target, page))),
  /** One note. @errors ActivityNotFound */
  getNote: (id: string) => read(Activities.use((a) => a.notes.get(id))),
  /** Changes a note. @errors ActivityNotFound, Forbidden, ValidationError */
  updateNote: (id: string, patch: UpdateNote) => write(Activities.use((a) => a.notes.update(id, patch))),
  /** Soft-deletes a note. @errors ActivityNotFound, Forbidden */
  deleteNote: (id: string) => write(Activities.use((a) => a.notes.remove(id))),

  /** Creates a task. @errors TargetNotFound, ValidationError */
  createTask: (input: CreateTask) => write(Activities.use((a) => a.tasks.create(input))),
  /** Tasks by target, assignee (or mine), status. @errors TargetNotFound, ValidationError */
  listTasks: (query: ListTasks = {}) => read(Activities.use((a) => a.tasks.list(query))),
  /** One task. @errors ActivityNotFound */
  getTask: (id: string) => read(Activities.use((a) => a.tasks.get(id))),
  /** Changes a task. @errors ActivityNotFound, Forbidden, ValidationError */
  updateTask: (id: string, patch: UpdateTask) => write(Activities.use((a) => a.tasks.update(id, patch))),
  /** Soft-deletes a task. @errors ActivityNotFound, Forbidden */
  deleteTask: (id: string) => write(Activities.use((a) => a.tasks.remove(id))),

  /** The caller's review of a target (replaces theirs). @errors TargetNotFound, Forbidden */
  putReview: (input: PutReview) => write(Activities.use((a) => a.reviews.put(input))),
  /** A target's reviews, newest first. @errors TargetNotFound, ValidationError */
  listReviews: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.reviews.list(target, page))),
  /** A target's review figures. @errors TargetNotFound */
  reviewSummary: (target: Target) => read(Activities.use((a) => a.reviews.summary(target))),
  /** Deletes a review. @errors ActivityNotFound, Forbidden */
  deleteReview: (id: string) => write(Activities.use((a) => a.reviews.remove(id))),

  /** Logs a call (issue 22 "Call logs"). @errors TargetNotFound, ValidationError */
  createCall: (input: CreateCallLog) => write(Activities.use((a) => a.calls.create(input))),
  /** A target's call logs, newest first. @errors TargetNotFound, ValidationError */
  listCalls: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.calls.list(target, page))),
  /** One call log. @errors ActivityNotFound */
  getCall: (id: string) => read(Activities.use((a) => a.calls.get(id))),
  /** Changes a call log. @errors ActivityNotFound, Forbidden, ValidationError */
  updateCall: (id: string, patch: UpdateCallLog) => write(Activities.use((a) => a.calls.update(id, patch))),
  /** Soft-deletes a call log. @errors ActivityNotFound, Forbidden */
  deleteCall: (id: string) => write(Activities.use((a) => a.calls.remove(id))),

  /** Creates a calendar event (issue 22 "Calendar events"). @errors TargetNotFound, ValidationError */
  createEvent: (input: CreateCalendarEvent) => write(Activities.use((a) => a.calendar.create(input))),
  /** A target's events, newest first. @errors TargetNotFound, ValidationError */
  listEvents: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.calendar.list(target, page))),
  /** One event. @errors ActivityNotFound */
  getEvent: (id: string) => read(Activities.use((a) => a.calendar.get(id))),
  /** Changes an event. @errors ActivityNotFound, Forbidden, ValidationError */
  updateEvent: (id: string, patch: UpdateCalendarEvent) => write(Activities.use((a) => a.calendar.update(id, patch))),
  /** Soft-deletes an event. @errors ActivityNotFound, Forbidden */
  deleteEvent: (id: string) => write(Activities.use((a) => a.calendar.remove(id))),
  /** Occurrences of a target's events in [from, to), bounded. @errors TargetNotFound, ValidationError */
  occurrences: (target: Target, from: DateTime.Utc, to: DateTime.Utc) =>
    read(Activities.use((a) => a.calendar.occurrences(target, from, to))),
  /** The calling user's events as an iCalendar text. @errors ValidationError (not a user) */
  myEventsIcs: () => read(Activities.use((a) => a.calendar.mineIcs)),
  /**
   * A timetable subscription feed (`/api/v1/tenants/{slug}/calendar/{token}.ics`)
   * by its token, as iCalendar text: its lessons (academics) and, for a
   * student's or teacher's feed, that user's calendar events (attendee or
   * author) in the same window (issue 22). Composed here because activities
   * may depend on academics and not the other way round (ARCHITECTURE §1,
   * `module-graph.test.ts`): academics resolves the token and its lessons
   * (`AcademicsAdmin.feedContentByToken`) without reading any activities
   * table; activities adds its own rows. The token is the credential; no
   * permission, like `AcademicsAdmin.feedByToken`.
   * @errors Unauthorized (unknown or revoked feed)
   */
  timetableFeed: (token: string) =>
    Effect.flatMap(AcademicsAdmin.feedContentByToken(token), (content) =>
      Activities.use((a) => a.calendar.timetableIcs(content))
    ),

  /**
   * Uploads a file to a target (issue 22 "Attachments"): the raw bytes, typed by them.
   * @errors TargetNotFound, AttachmentTooLarge, UnsupportedAttachmentType, ValidationError
   */
  uploadAttachment: (query: UploadAttachmentQuery, bytes: Uint8Array) =>
    writeFiles(Activities.use((a) => a.attachments.upload(query, bytes))),
  /** A new version of an attachment. @errors ActivityNotFound, Forbidden, AttachmentTooLarge, UnsupportedAttachmentType, ValidationError */
  uploadAttachmentVersion: (id: string, bytes: Uint8Array, filename?: string) =>
    writeFiles(Activities.use((a) => a.attachments.addVersion(id, bytes, filename))),
  /** A target's attachments, newest first. @errors TargetNotFound, ValidationError */
  listAttachments: (target: Target, page: ActivityPaging = {}) =>
    readFiles(Activities.use((a) => a.attachments.list(target, page))),
  /** One attachment (its latest version). @errors ActivityNotFound */
  getAttachment: (id: string) => readFiles(Activities.use((a) => a.attachments.get(id))),
  /** An attachment's versions, newest first. @errors ActivityNotFound */
  listAttachmentVersions: (id: string) => readFiles(Activities.use((a) => a.attachments.versions(id))),
  /**
   * An attachment's bytes (latest or `version`) with its stored name and
   * checked type; serve it through `attachmentResponse`. @errors ActivityNotFound
   */
  attachmentContent: (id: string, version?: number) =>
    readFiles(Activities.use((a) => a.attachments.content(id, version))),
  /** Soft-deletes an attachment. @errors ActivityNotFound, Forbidden */
  deleteAttachment: (id: string) => writeFiles(Activities.use((a) => a.attachments.remove(id))),
  /**
   * Full-text search of live notes, tasks, events, call summaries and review comments (issue 22 "Full-text
   * search"): plain words, all must match, last one also a prefix; best
   * first, tenant-scoped, only hits on targets the caller can see
   * (docs/activities.md "Full-text search").
   * @errors ValidationError (q, kinds, cursor, limit), TargetNotFound (with a target)
   */
  search: (q: string, options: SearchOptions = {}) => read(Activities.use((a) => a.search(q, options))),
  /**
   * Restores a soft-deleted note, task, call log or event (issue 22 "soft
   * delete and restore"; its author or `activities:admin`, as delete).
   * Attachments: {@link ActivitiesAdmin.restoreAttachment}.
   * @errors ActivityNotFound (also another tenant's or an invisible target's), Conflict (it is live), Forbidden, ValidationError (target limit)
   */
  restore: (kind: Exclude<RestorableKind, "attachments" | "footprints">, id: string) =>
    write(Activities.use((a) => a.restore(kind, id))),
  /**
   * Restores a soft-deleted attachment with all its versions
   * (`attachments:write`; its author or `activities:admin`, as delete).
   * @errors ActivityNotFound, Conflict (it is live), Forbidden, ValidationError (target limit)
   */
  restoreAttachment: (id: string) => writeFiles(Activities.use((a) => a.restore("attachments", id))),

  /**
   * Records a carbon footprint on a target (issue 22 "Carbon footprints"):
   * `co2e_kg` = quantity converted into the factor's unit × factor (kg CO₂e).
   * @errors TargetNotFound, UnitConversionError (unknown or incompatible units), ValidationError (period)
   */
  createFootprint: (input: CreateFootprint) => writeCarbon(Activities.use((a) => a.carbon.create(input))),
  /** A target's carbon footprints, newest first. @errors TargetNotFound, ValidationError */
  listFootprints: (target: Target, page: ActivityPaging = {}) =>
    readCarbon(Activities.use((a) => a.carbon.list(target, page))),
  /** One carbon footprint. @errors ActivityNotFound */
  getFootprint: (id: string) => readCarbon(Activities.use((a) => a.carbon.get(id))),
  /** Changes a footprint; `co2e_kg` computed again. @errors ActivityNotFound, Forbidden, UnitConversionError, ValidationError */
  updateFootprint: (id: string, patch: UpdateFootprint) =>
    writeCarbon(Activities.use((a) => a.carbon.update(id, patch))),
  /** Soft-deletes a footprint. @errors ActivityNotFound, Forbidden */
  deleteFootprint: (id: string) => writeCarbon(Activities.use((a) => a.carbon.remove(id))),
  /**
   * kg CO₂e by scope and category of a target or the whole tenant, within
   * [from, to] by period when given. @errors TargetNotFound, ValidationError
   */
  carbonTotals: (query: CarbonTotalsQuery = {}) => readCarbon(Activities.use((a) => a.carbon.totals(query))),
  /**
   * Restores a soft-deleted carbon footprint (`carbon:write`; its author or
   * `activities:admin`). @errors ActivityNotFound, Conflict (it is live), Forbidden, ValidationError
   */
  restoreFootprint: (id: string) => writeCarbon(Activities.use((a) => a.restore("footprints", id)))
} as const
