/**
 * RPC contract of activities (issue 22): `ActivitiesQuery` (timeline,
 * notes, tasks, reviews, figures; second slice: call logs, calendar events,
 * occurrences; full-text search: `SearchActivities`) and `ActivitiesCommand` (create, update, delete; put review;
 * second slice: call logs and calendar events; attachments: list, get,
 * versions, download, upload, new version, delete — `attachments:read|write`,
 * bytes as base64). Same semantics, permissions
 * and errors as the REST twins (`Api.ts`).
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Conflict, Forbidden, QuotaExceeded, ValidationError } from "../kernel/Errors.js"
import { OccurrenceQuery, TargetQuery, TaskQuery } from "./Api.js"
import {
  ActivityAttachment,
  AttachmentDownload,
  AttachmentPage,
  AttachmentTooLarge,
  AttachmentVersionList,
  RpcDownloadAttachment,
  RpcUploadAttachment,
  RpcUploadAttachmentVersion,
  UnsupportedAttachmentType
} from "./Attachments.js"
import {
  ActivityNotFound,
  ActivityRestored,
  CreateNote,
  CreateTask,
  Note,
  NotePage,
  PutReview,
  RestoreActivity,
  Review,
  ReviewPage,
  ReviewSummary,
  Target,
  TargetNotFound,
  Task,
  TaskPage,
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
import { SearchPage, SearchRequest } from "./Search.js"

const Errors = Schema.Union(ActivityNotFound, TargetNotFound, Forbidden, ValidationError, Conflict)
/** The errors of attachment uploads: the others plus 413, 415 and the plan's 402. */
const UploadErrors = Schema.Union(
  ActivityNotFound,
  TargetNotFound,
  Forbidden,
  ValidationError,
  Conflict,
  AttachmentTooLarge,
  UnsupportedAttachmentType,
  QuotaExceeded
)
const ById = { id: Schema.String }

/** Activities reads (`activities:read`), call logs, events and occurrences included (second slice). */
export class ActivitiesQuery extends RpcGroup.make(
  Rpc.make("GetTimeline", { payload: TargetQuery, success: TimelinePage, error: Errors }),
  Rpc.make("ListNotes", { payload: TargetQuery, success: NotePage, error: Errors }),
  Rpc.make("GetNote", { payload: ById, success: Note, error: Errors }),
  Rpc.make("ListTasks", { payload: TaskQuery, success: TaskPage, error: Errors }),
  Rpc.make("GetTask", { payload: ById, success: Task, error: Errors }),
  Rpc.make("ListReviews", { payload: TargetQuery, success: ReviewPage, error: Errors }),
  Rpc.make("GetReviewSummary", { payload: Target, success: ReviewSummary, error: Errors }),
  Rpc.make("ListCalls", { payload: TargetQuery, success: CallLogPage, error: Errors }),
  Rpc.make("GetCall", { payload: ById, success: CallLog, error: Errors }),
  Rpc.make("ListEvents", { payload: TargetQuery, success: CalendarEventPage, error: Errors }),
  Rpc.make("GetEvent", { payload: ById, success: CalendarEvent, error: Errors }),
  Rpc.make("ListOccurrences", { payload: OccurrenceQuery, success: OccurrenceList, error: Errors }),
  Rpc.make("SearchActivities", { payload: SearchRequest, success: SearchPage, error: Errors }),
  Rpc.make("ListAttachments", { payload: TargetQuery, success: AttachmentPage, error: Errors }),
  Rpc.make("GetAttachment", { payload: ById, success: ActivityAttachment, error: Errors }),
  Rpc.make("ListAttachmentVersions", { payload: ById, success: AttachmentVersionList, error: Errors }),
  Rpc.make("DownloadAttachment", { payload: RpcDownloadAttachment, success: AttachmentDownload, error: Errors })
).middleware(RpcTenantAuth) {}

/** Activities changes (`activities:write`), call logs and events included (second slice). */
export class ActivitiesCommand extends RpcGroup.make(
  Rpc.make("CreateNote", { payload: CreateNote, success: Note, error: Errors }),
  Rpc.make("UpdateNote", { payload: { id: Schema.String, patch: UpdateNote }, success: Note, error: Errors }),
  Rpc.make("DeleteNote", { payload: ById, error: Errors }),
  Rpc.make("CreateTask", { payload: CreateTask, success: Task, error: Errors }),
  Rpc.make("UpdateTask", { payload: { id: Schema.String, patch: UpdateTask }, success: Task, error: Errors }),
  Rpc.make("DeleteTask", { payload: ById, error: Errors }),
  Rpc.make("PutReview", { payload: PutReview, success: Review, error: Errors }),
  Rpc.make("DeleteReview", { payload: ById, error: Errors }),
  Rpc.make("CreateCall", { payload: CreateCallLog, success: CallLog, error: Errors }),
  Rpc.make("UpdateCall", { payload: { id: Schema.String, patch: UpdateCallLog }, success: CallLog, error: Errors }),
  Rpc.make("DeleteCall", { payload: ById, error: Errors }),
  Rpc.make("CreateEvent", { payload: CreateCalendarEvent, success: CalendarEvent, error: Errors }),
  Rpc.make("UpdateEvent", {
    payload: { id: Schema.String, patch: UpdateCalendarEvent },
    success: CalendarEvent,
    error: Errors
  }),
  Rpc.make("DeleteEvent", { payload: ById, error: Errors }),
  Rpc.make("RestoreActivity", { payload: RestoreActivity, success: ActivityRestored, error: Errors }),
  Rpc.make("UploadAttachment", { payload: RpcUploadAttachment, success: ActivityAttachment, error: UploadErrors }),
  Rpc.make("UploadAttachmentVersion", {
    payload: RpcUploadAttachmentVersion,
    success: ActivityAttachment,
    error: UploadErrors
  }),
  Rpc.make("DeleteAttachment", { payload: ById, error: Errors })
).middleware(RpcTenantAuth) {}
