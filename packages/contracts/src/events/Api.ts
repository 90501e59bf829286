/**
 * REST contract of the events module: dead letters (operator only).
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { NotFound } from "../kernel/Errors.js"
import { OperatorAuth } from "../kernel/Security.js"
import { EventId, OutboxEntry } from "./Domain.js"

const id = HttpApiSchema.param("id", EventId)

/** `events` group: dead-letter listing and replay. */
export class EventsApi extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("dead", "/api/v1/events/dead")
      .addSuccess(Schema.Array(OutboxEntry))
      .annotate(OpenApi.Summary, "List events that exhausted their delivery attempts")
  )
  .add(
    HttpApiEndpoint.post("replay")`/api/v1/events/${id}/replay`
      .addSuccess(OutboxEntry)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Queue a dead event for delivery again")
  )
  .middleware(OperatorAuth)
  .annotate(OpenApi.Title, "Events") {}
