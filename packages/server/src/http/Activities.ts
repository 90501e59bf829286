/**
 * Handlers of the `activities` group (issue 22: notes, tasks, reviews,
 * call logs, calendar events, timelines, attachments) over
 * `ActivitiesAdmin` (core): reads need `activities:read`, changes
 * `activities:write`, custom target types `activities:admin`, attachments
 * `attachments:read|write` (downloads through `attachmentResponse`), the
 * restore of a carbon footprint `carbon:write` (its other operations are
 * the `carbon` group, `Carbon.ts`); targets,
 * authorship and tenant are checked in core.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { ActivitiesAdmin as A, policyUse, SignetApi } from "@signet/core"
import { attachmentResponse } from "@signet/core/attendance/Attachments"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("activities:read")
const write = policyUse("activities:write")
const admin = policyUse("activities:admin")
const readFiles = policyUse("attachments:read")
const writeFiles = policyUse("attachments:write")
const writeCarbon = policyUse("carbon:write")

/** The target of a per-target query. */
const target = (q: { readonly target_type: string; readonly target_id: string }) => ({
  target_type: q.target_type,
  target_id: q.target_id
})

/** Notes, tasks, reviews, call logs, events, timelines and search under `/api/v1/tenants/{slug}/activities/…`. */
export const ActivitiesHttp = HttpApiBuilder.group(SignetApi, "activities", (h) =>
  h
    .handle("listTargetTypes", () => asPrincipal(A.listTargetTypes().pipe(read)))
    .handle("registerTargetType", ({ payload }) => asPrincipal(A.registerTargetType(payload).pipe(admin)))
    .handle("timeline", ({ urlParams: q }) => asPrincipal(A.timeline(target(q), q).pipe(read)))
    .handle("createNote", ({ payload }) => asPrincipal(A.createNote(payload).pipe(write)))
    .handle("listNotes", ({ urlParams: q }) => asPrincipal(A.listNotes(target(q), q).pipe(read)))
    .handle("getNote", ({ path }) => asPrincipal(A.getNote(path.id).pipe(read)))
    .handle("updateNote", ({ path, payload }) => asPrincipal(A.updateNote(path.id, payload).pipe(write)))
    .handle("deleteNote", ({ path }) => asPrincipal(A.deleteNote(path.id).pipe(write)))
    .handle("createTask", ({ payload }) => asPrincipal(A.createTask(payload).pipe(write)))
    .handle("listTasks", ({ urlParams: q }) => asPrincipal(A.listTasks({ ...q, mine: q.mine === "true" }).pipe(read)))
    .handle("getTask", ({ path }) => asPrincipal(A.getTask(path.id).pipe(read)))
    .handle("updateTask", ({ path, payload }) => asPrincipal(A.updateTask(path.id, payload).pipe(write)))
    .handle("deleteTask", ({ path }) => asPrincipal(A.deleteTask(path.id).pipe(write)))
    .handle("putReview", ({ payload }) => asPrincipal(A.putReview(payload).pipe(write)))
    .handle("listReviews", ({ urlParams: q }) => asPrincipal(A.listReviews(target(q), q).pipe(read)))
    .handle("reviewSummary", ({ urlParams: q }) => asPrincipal(A.reviewSummary(target(q)).pipe(read)))
    .handle("deleteReview", ({ path }) => asPrincipal(A.deleteReview(path.id).pipe(write)))
    .handle("createCall", ({ payload }) => asPrincipal(A.createCall(payload).pipe(write)))
    .handle("listCalls", ({ urlParams: q }) => asPrincipal(A.listCalls(target(q), q).pipe(read)))
    .handle("getCall", ({ path }) => asPrincipal(A.getCall(path.id).pipe(read)))
    .handle("updateCall", ({ path, payload }) => asPrincipal(A.updateCall(path.id, payload).pipe(write)))
    .handle("deleteCall", ({ path }) => asPrincipal(A.deleteCall(path.id).pipe(write)))
    .handle("createEvent", ({ payload }) => asPrincipal(A.createEvent(payload).pipe(write)))
    .handle("listEvents", ({ urlParams: q }) => asPrincipal(A.listEvents(target(q), q).pipe(read)))
    .handle("occurrences", ({ urlParams: q }) => asPrincipal(A.occurrences(target(q), q.from, q.to).pipe(read)))
    .handle("getEvent", ({ path }) => asPrincipal(A.getEvent(path.id).pipe(read)))
    .handle("updateEvent", ({ path, payload }) => asPrincipal(A.updateEvent(path.id, payload).pipe(write)))
    .handle("deleteEvent", ({ path }) => asPrincipal(A.deleteEvent(path.id).pipe(write)))
    .handle("myEventsIcs", () => asPrincipal(A.myEventsIcs().pipe(read)))
    .handle("uploadAttachment", ({ payload, urlParams: q }) =>
      asPrincipal(A.uploadAttachment(q, payload).pipe(writeFiles))
    )
    .handle("listAttachments", ({ urlParams: q }) => asPrincipal(A.listAttachments(target(q), q).pipe(readFiles)))
    .handle("getAttachment", ({ path }) => asPrincipal(A.getAttachment(path.id).pipe(readFiles)))
    .handle("deleteAttachment", ({ path }) => asPrincipal(A.deleteAttachment(path.id).pipe(writeFiles)))
    .handle("uploadAttachmentVersion", ({ path, payload, urlParams: q }) =>
      asPrincipal(A.uploadAttachmentVersion(path.id, payload, q.filename).pipe(writeFiles))
    )
    .handle("listAttachmentVersions", ({ path }) => asPrincipal(A.listAttachmentVersions(path.id).pipe(readFiles)))
    .handle("attachmentContent", ({ path, urlParams: q }) =>
      asPrincipal(Effect.map(A.attachmentContent(path.id, q.version), attachmentResponse).pipe(readFiles))
    )
    .handle("search", ({ urlParams: q }) => asPrincipal(A.search(q.q, q).pipe(read)))
    .handle("restoreActivity", ({ path }) =>
      path.kind === "attachments"
        ? asPrincipal(A.restoreAttachment(path.id).pipe(writeFiles))
        : path.kind === "footprints"
          ? asPrincipal(A.restoreFootprint(path.id).pipe(writeCarbon))
          : asPrincipal(A.restore(path.kind, path.id).pipe(write))
    )
)
