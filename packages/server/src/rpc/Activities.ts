/**
 * RPC handlers of `ActivitiesQuery` and `ActivitiesCommand` (`/rpc`, issue
 * 22, notes to calendar events, attachments): one line each, the same facade calls (`ActivitiesAdmin`) and
 * permissions as the REST handlers.
 *
 * @module
 */
import { ActivitiesAdmin as A, ActivitiesCommand, ActivitiesQuery, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("activities:read")
const write = policyUse("activities:write")
const readFiles = policyUse("attachments:read")
const writeFiles = policyUse("attachments:write")
const writeCarbon = policyUse("carbon:write")

/** The target of a per-target query. */
const target = (q: { readonly target_type: string; readonly target_id: string }) => ({
  target_type: q.target_type,
  target_id: q.target_id
})

/** Handlers of every activities RPC. */
export const ActivitiesRpc = ActivitiesQuery.merge(ActivitiesCommand).toLayer({
  GetTimeline: (q) => asPrincipal(A.timeline(target(q), q).pipe(read)),
  ListNotes: (q) => asPrincipal(A.listNotes(target(q), q).pipe(read)),
  GetNote: ({ id }) => asPrincipal(A.getNote(id).pipe(read)),
  ListTasks: (q) => asPrincipal(A.listTasks({ ...q, mine: q.mine === "true" }).pipe(read)),
  GetTask: ({ id }) => asPrincipal(A.getTask(id).pipe(read)),
  ListReviews: (q) => asPrincipal(A.listReviews(target(q), q).pipe(read)),
  GetReviewSummary: (q) => asPrincipal(A.reviewSummary(target(q)).pipe(read)),
  ListCalls: (q) => asPrincipal(A.listCalls(target(q), q).pipe(read)),
  GetCall: ({ id }) => asPrincipal(A.getCall(id).pipe(read)),
  ListEvents: (q) => asPrincipal(A.listEvents(target(q), q).pipe(read)),
  GetEvent: ({ id }) => asPrincipal(A.getEvent(id).pipe(read)),
  ListOccurrences: (q) => asPrincipal(A.occurrences(target(q), q.from, q.to).pipe(read)),
  SearchActivities: (q) => asPrincipal(A.search(q.q, q).pipe(read)),
  ListAttachments: (q) => asPrincipal(A.listAttachments(target(q), q).pipe(readFiles)),
  GetAttachment: ({ id }) => asPrincipal(A.getAttachment(id).pipe(readFiles)),
  ListAttachmentVersions: ({ id }) => asPrincipal(A.listAttachmentVersions(id).pipe(readFiles)),
  DownloadAttachment: ({ id, version }) => asPrincipal(A.attachmentContent(id, version).pipe(readFiles)),
  CreateNote: (input) => asPrincipal(A.createNote(input).pipe(write)),
  UpdateNote: ({ id, patch }) => asPrincipal(A.updateNote(id, patch).pipe(write)),
  DeleteNote: ({ id }) => asPrincipal(A.deleteNote(id).pipe(write)),
  CreateTask: (input) => asPrincipal(A.createTask(input).pipe(write)),
  UpdateTask: ({ id, patch }) => asPrincipal(A.updateTask(id, patch).pipe(write)),
  DeleteTask: ({ id }) => asPrincipal(A.deleteTask(id).pipe(write)),
  PutReview: (input) => asPrincipal(A.putReview(input).pipe(write)),
  DeleteReview: ({ id }) => asPrincipal(A.deleteReview(id).pipe(write)),
  CreateCall: (input) => asPrincipal(A.createCall(input).pipe(write)),
  UpdateCall: ({ id, patch }) => asPrincipal(A.updateCall(id, patch).pipe(write)),
  DeleteCall: ({ id }) => asPrincipal(A.deleteCall(id).pipe(write)),
  CreateEvent: (input) => asPrincipal(A.createEvent(input).pipe(write)),
  UpdateEvent: ({ id, patch }) => asPrincipal(A.updateEvent(id, patch).pipe(write)),
  DeleteEvent: ({ id }) => asPrincipal(A.deleteEvent(id).pipe(write)),
  UploadAttachment: ({ bytes, ...q }) => asPrincipal(A.uploadAttachment(q, bytes).pipe(writeFiles)),
  UploadAttachmentVersion: ({ bytes, filename, id }) =>
    asPrincipal(A.uploadAttachmentVersion(id, bytes, filename).pipe(writeFiles)),
  DeleteAttachment: ({ id }) => asPrincipal(A.deleteAttachment(id).pipe(writeFiles)),
  RestoreActivity: ({ id, kind }) =>
    kind === "attachments"
      ? asPrincipal(A.restoreAttachment(id).pipe(writeFiles))
      : kind === "footprints"
        ? asPrincipal(A.restoreFootprint(id).pipe(writeCarbon))
        : asPrincipal(A.restore(kind, id).pipe(write))
})
