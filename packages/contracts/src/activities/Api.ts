/**
 * REST contract of activities (issue 22), under
 * `/api/v1/tenants/{slug}/activities/…`: notes, tasks, reviews, call logs,
 * calendar events (with their occurrences and the caller's `calendar.ics`),
 * attachments (versioned files, `attachments:read|write`),
 * a target's timeline, full-text search across notes, tasks, events, calls and reviews
 * (`GET …/activities/search`) and the tenant's custom target types. Reads need
 * `activities:read`, writes `activities:write`; changing or deleting
 * someone else's note or task also needs `activities:admin`. Targets are
 * given as `target_type` + `target_id` (query or body) and checked through
 * their owning module: an unknown, foreign or invisible target answers 404.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, QuotaExceeded, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
import { UserAuth } from "../kernel/Security.js"
import {
  ActivityAttachment,
  AttachmentContent,
  AttachmentContentQuery,
  AttachmentPage,
  AttachmentTooLarge,
  AttachmentUpload,
  AttachmentVersionList,
  UnsupportedAttachmentType,
  UploadAttachmentQuery,
  UploadVersionQuery
} from "./Attachments.js"
import {
  ActivityNotFound,
  ActivityRestored,
  CreateNote,
  CreateTask,
  CustomTargetType,
  MAX_ACTIVITY_PAGE,
  Note,
  NotePage,
  PutReview,
  RegisterTargetType,
  RestorableKind,
  Review,
  ReviewPage,
  ReviewSummary,
  TargetIdString,
  TargetNotFound,
  TargetType,
  Task,
  TaskPage,
  TaskStatus,
  UpdateNote,
  UpdateTask
} from "./Domain.js"
import {
  CalendarEvent,
  CalendarEventPage,
  CallLog,
  CallLogPage,
  CreateCalendarEvent,
  CreateCallLog,
  OccurrenceList,
  TimelinePage,
  UpdateCalendarEvent,
  UpdateCallLog
} from "./Schedule.js"
import { SearchPage, SearchQuery } from "./Search.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", Schema.String)
const kind = HttpApiSchema.param("kind", RestorableKind)

const paging = {
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MAX_ACTIVITY_PAGE)))
}

/** Query of a per-target list: the target and paging. */
export const TargetQuery = Schema.Struct({ target_type: TargetType, target_id: TargetIdString, ...paging })
/** @see TargetQuery */
export type TargetQuery = typeof TargetQuery.Type

/** Query of an occurrence list: the target and the window [`from`, `to`) as ISO-8601 instants (≤ 366 days). */
export const OccurrenceQuery = Schema.Struct({
  target_type: TargetType,
  target_id: TargetIdString,
  from: Schema.DateTimeUtc,
  to: Schema.DateTimeUtc
})
/** @see OccurrenceQuery */
export type OccurrenceQuery = typeof OccurrenceQuery.Type

/**
 * Query of the task list: by target (both given), by assignee, `mine=true`
 * (assigned to the caller), by status; combined with AND.
 */
export const TaskQuery = Schema.Struct({
  target_type: Schema.optional(TargetType),
  target_id: Schema.optional(TargetIdString),
  assignee_id: Schema.optional(UserId),
  mine: Schema.optional(Schema.Literal("true", "false")),
  status: Schema.optional(TaskStatus),
  ...paging
})
/** @see TaskQuery */
export type TaskQuery = typeof TaskQuery.Type

/** `activities` group: notes, tasks, reviews, call logs, calendar events and timelines of any target. */
export class ActivitiesApi extends HttpApiGroup.make("activities")
  .add(
    HttpApiEndpoint.get("listTargetTypes")`/api/v1/tenants/${slug}/activities/target-types`.addSuccess(
      Schema.Array(CustomTargetType)
    )
  )
  .add(
    HttpApiEndpoint.post("registerTargetType")`/api/v1/tenants/${slug}/activities/target-types`
      .setPayload(RegisterTargetType)
      .addSuccess(CustomTargetType, { status: 201 })
      .annotate(OpenApi.Summary, "Register a custom target type x-… (activities:admin; at most 50)")
  )
  .add(
    HttpApiEndpoint.get("timeline")`/api/v1/tenants/${slug}/activities/timeline`
      .setUrlParams(TargetQuery)
      .addSuccess(TimelinePage)
      .annotate(OpenApi.Summary, "A target's notes, tasks and reviews, newest first")
  )
  .add(
    HttpApiEndpoint.post("createNote")`/api/v1/tenants/${slug}/activities/notes`
      .setPayload(CreateNote)
      .addSuccess(Note, { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("listNotes")`/api/v1/tenants/${slug}/activities/notes`
      .setUrlParams(TargetQuery)
      .addSuccess(NotePage)
      .annotate(OpenApi.Summary, "A target's notes: pinned first, then newest first")
  )
  .add(HttpApiEndpoint.get("getNote")`/api/v1/tenants/${slug}/activities/notes/${id}`.addSuccess(Note))
  .add(
    HttpApiEndpoint.patch("updateNote")`/api/v1/tenants/${slug}/activities/notes/${id}`
      .setPayload(UpdateNote)
      .addSuccess(Note)
  )
  .add(
    HttpApiEndpoint.del("deleteNote")`/api/v1/tenants/${slug}/activities/notes/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.post("createTask")`/api/v1/tenants/${slug}/activities/tasks`
      .setPayload(CreateTask)
      .addSuccess(Task, { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("listTasks")`/api/v1/tenants/${slug}/activities/tasks`
      .setUrlParams(TaskQuery)
      .addSuccess(TaskPage)
  )
  .add(HttpApiEndpoint.get("getTask")`/api/v1/tenants/${slug}/activities/tasks/${id}`.addSuccess(Task))
  .add(
    HttpApiEndpoint.patch("updateTask")`/api/v1/tenants/${slug}/activities/tasks/${id}`
      .setPayload(UpdateTask)
      .addSuccess(Task)
  )
  .add(
    HttpApiEndpoint.del("deleteTask")`/api/v1/tenants/${slug}/activities/tasks/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.put("putReview")`/api/v1/tenants/${slug}/activities/reviews`
      .setPayload(PutReview)
      .addSuccess(Review)
      .annotate(OpenApi.Summary, "The caller's review of a target (replaces their previous one)")
  )
  .add(
    HttpApiEndpoint.get("listReviews")`/api/v1/tenants/${slug}/activities/reviews`
      .setUrlParams(TargetQuery)
      .addSuccess(ReviewPage)
  )
  .add(
    HttpApiEndpoint.get("reviewSummary")`/api/v1/tenants/${slug}/activities/reviews/summary`
      .setUrlParams(TargetQuery)
      .addSuccess(ReviewSummary)
  )
  .add(
    HttpApiEndpoint.del("deleteReview")`/api/v1/tenants/${slug}/activities/reviews/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.post("createCall")`/api/v1/tenants/${slug}/activities/calls`
      .setPayload(CreateCallLog)
      .addSuccess(CallLog, { status: 201 })
      .annotate(
        OpenApi.Summary,
        "Log a call on a target (participants ≤ 20, duration ≤ 86400 s, note on the same target)"
      )
  )
  .add(
    HttpApiEndpoint.get("listCalls")`/api/v1/tenants/${slug}/activities/calls`
      .setUrlParams(TargetQuery)
      .addSuccess(CallLogPage)
  )
  .add(HttpApiEndpoint.get("getCall")`/api/v1/tenants/${slug}/activities/calls/${id}`.addSuccess(CallLog))
  .add(
    HttpApiEndpoint.patch("updateCall")`/api/v1/tenants/${slug}/activities/calls/${id}`
      .setPayload(UpdateCallLog)
      .addSuccess(CallLog)
  )
  .add(
    HttpApiEndpoint.del("deleteCall")`/api/v1/tenants/${slug}/activities/calls/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.post("createEvent")`/api/v1/tenants/${slug}/activities/events`
      .setPayload(CreateCalendarEvent)
      .addSuccess(CalendarEvent, { status: 201 })
      .annotate(
        OpenApi.Summary,
        "Create a calendar event on a target (IANA time zone, attendees ≤ 100, optional RRULE)"
      )
  )
  .add(
    HttpApiEndpoint.get("listEvents")`/api/v1/tenants/${slug}/activities/events`
      .setUrlParams(TargetQuery)
      .addSuccess(CalendarEventPage)
  )
  .add(
    HttpApiEndpoint.get("occurrences")`/api/v1/tenants/${slug}/activities/occurrences`
      .setUrlParams(OccurrenceQuery)
      .addSuccess(OccurrenceList)
      .annotate(OpenApi.Summary, "Occurrences of a target's events in [from, to) (≤ 366 days, ≤ 1000 occurrences)")
  )
  .add(HttpApiEndpoint.get("getEvent")`/api/v1/tenants/${slug}/activities/events/${id}`.addSuccess(CalendarEvent))
  .add(
    HttpApiEndpoint.patch("updateEvent")`/api/v1/tenants/${slug}/activities/events/${id}`
      .setPayload(UpdateCalendarEvent)
      .addSuccess(CalendarEvent)
  )
  .add(
    HttpApiEndpoint.del("deleteEvent")`/api/v1/tenants/${slug}/activities/events/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.get("myEventsIcs")`/api/v1/tenants/${slug}/activities/calendar.ics`
      .addSuccess(HttpApiSchema.Text({ contentType: "text/calendar; charset=utf-8" }))
      .annotate(
        OpenApi.Summary,
        "The caller's events (attendee or author) as iCalendar, 30 days back to 180 days ahead"
      )
  )
  .add(
    HttpApiEndpoint.post("uploadAttachment")`/api/v1/tenants/${slug}/activities/attachments`
      .setUrlParams(UploadAttachmentQuery)
      .setPayload(AttachmentUpload)
      .addSuccess(ActivityAttachment, { status: 201 })
      .addError(AttachmentTooLarge)
      .addError(UnsupportedAttachmentType)
      .annotate(
        OpenApi.Summary,
        "Upload a file to a target (raw body, application/octet-stream; ≤ 10 MiB; PDF, PNG, JPEG, GIF, WebP, text, CSV by its bytes)"
      )
  )
  .add(
    HttpApiEndpoint.get("listAttachments")`/api/v1/tenants/${slug}/activities/attachments`
      .setUrlParams(TargetQuery)
      .addSuccess(AttachmentPage)
  )
  .add(
    HttpApiEndpoint.get("getAttachment")`/api/v1/tenants/${slug}/activities/attachments/${id}`.addSuccess(
      ActivityAttachment
    )
  )
  .add(
    HttpApiEndpoint.del("deleteAttachment")`/api/v1/tenants/${slug}/activities/attachments/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.post("uploadAttachmentVersion")`/api/v1/tenants/${slug}/activities/attachments/${id}/versions`
      .setUrlParams(UploadVersionQuery)
      .setPayload(AttachmentUpload)
      .addSuccess(ActivityAttachment, { status: 201 })
      .addError(AttachmentTooLarge)
      .addError(UnsupportedAttachmentType)
      .annotate(OpenApi.Summary, "Upload a new version of an attachment (the earlier versions are kept; ≤ 100)")
  )
  .add(
    HttpApiEndpoint.get(
      "listAttachmentVersions"
    )`/api/v1/tenants/${slug}/activities/attachments/${id}/versions`.addSuccess(AttachmentVersionList)
  )
  .add(
    HttpApiEndpoint.get("attachmentContent")`/api/v1/tenants/${slug}/activities/attachments/${id}/content`
      .setUrlParams(AttachmentContentQuery)
      .addSuccess(AttachmentContent)
      .annotate(
        OpenApi.Summary,
        "Download an attachment's latest version (or `version=n`) as a file: checked type, Content-Disposition attachment, nosniff"
      )
  )
  .add(
    HttpApiEndpoint.post("restoreActivity")`/api/v1/tenants/${slug}/activities/${kind}/${id}/restore`
      .addSuccess(ActivityRestored)
      .annotate(
        OpenApi.Summary,
        "Restore a soft-deleted note, task, call log or event (its author or activities:admin; 409 when it is live)"
      )
  )
  .add(
    HttpApiEndpoint.get("search")`/api/v1/tenants/${slug}/activities/search`
      .setUrlParams(SearchQuery)
      .addSuccess(SearchPage)
      .annotate(
        OpenApi.Summary,
        "Full-text search of live notes, tasks, events, call summaries and review comments: plain words (≤ 200 chars, ≤ 16 words), last one a prefix, best first; only targets the caller can see"
      )
  )
  .addError(ActivityNotFound)
  .addError(TargetNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  // 402 when a plan's limit (`attachments.storage_bytes`) refuses an upload (issue 20 quotas).
  .addError(QuotaExceeded)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Activities")
  .annotate(
    OpenApi.Description,
    "Notes, tasks, reviews, call logs, calendar events and attachments on any entity, each entity's timeline, and full-text search."
  ) {}
