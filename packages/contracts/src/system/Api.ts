/**
 * Liveness and readiness (seed 000 §12 "Monitoring", seed 001 "Health Checks").
 * `/metrics` (Prometheus text) is served by the server outside this contract.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ServiceUnavailable } from "../kernel/Errors.js"

/** Body of `/health` and `/ready`. */
export class HealthStatus extends Schema.Class<HealthStatus>("HealthStatus")({
  status: Schema.Literal("ok", "unavailable"),
  version: Schema.String,
  checks: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}) {}

/** `system` group: probes for orchestrators and load balancers. */
export class SystemApi extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(HealthStatus)
      .annotate(OpenApi.Summary, "Liveness: the process answers")
  )
  .add(
    HttpApiEndpoint.get("ready", "/ready")
      .addSuccess(HealthStatus)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Readiness: database reachable and migrations applied")
  )
  .annotate(OpenApi.Title, "System") {}
