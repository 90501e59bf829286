/**
 * The live roll's event stream (issue 17 "Teacher": the live roll updates as
 * students sign — Server-Sent Events from the domain's events, no polling):
 *
 * `GET /api/v1/tenants/{slug}/courses/{id}/roll/events` → `text/event-stream`.
 *
 * 1. The bearer token is resolved as on every API route (`resolveCaller`:
 *    the tenant of the path must be the token's; no token → 401).
 * 2. The caller must be allowed to read the course's roll — the roll
 *    endpoint's own check, `AttendanceAdmin.getRoll(id)` under
 *    `policyUse("attendance:read")`, run as the principal. Another tenant's
 *    course answers 404, a caller without the permission 403 — as
 *    problem+json, and no stream is opened.
 * 3. At most `config.liveRollMaxStreams` ({@link MAX_STREAMS_PER_TENANT} by
 *    default) streams per tenant at a time on this process; one more answers 429 with `Retry-After`.
 * 4. The stream: `retry:` and a comment first, then `event: roll` with
 *    `{ type, student_id, status, signature_id }` for each signature created
 *    or changed in this course (incl. the teacher's PRESENT/LATE roll marks,
 *    which are signatures), `{ type: "marks" }` when the roll is marked
 *    (`signet.attendance.roll.marked`: any result, ABSENT and EXCUSED
 *    included) and `{ type: "closed" }` when the course closes;
 *    a `: ping` comment every 15 s (proxies and browsers drop idle
 *    connections). The page re-reads the roll with the typed client on each
 *    event. Closing the connection interrupts the stream and frees its slot.
 *
 * Feed: one in-process subscriber (`Events.subscribe`, name `live-roll`,
 * types `signet.attendance.signature.`, `signet.attendance.roll.marked` and
 * `signet.attendance.course.closed`)
 * publishes every event into a sliding `PubSub` (a slow client loses old
 * events, never grows the server's memory); each stream takes the events of
 * its tenant and course only.
 *
 * Known limitation — several replicas: the outbox dispatcher delivers each
 * event on the one replica that claimed it (lease, `FOR UPDATE SKIP
 * LOCKED`), so a stream sees only the events dispatched on its own replica.
 * Behind a load balancer, either pin the stream's path to one replica or
 * relay the events between replicas (the NATS relay) before relying on it.
 * Latency: one dispatcher poll (250 ms idle) after the signature commits.
 *
 * @module
 */
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { CourseId } from "@signet/contracts/academics/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { AttendanceAdmin, Events, policyUse } from "@signet/core"
import { Effect, Either, FiberRef, Layer, PubSub, Schedule, Schema, Stream } from "effect"
import { clientInfo, resolveCaller } from "./Auth.js"
import type { ServerConfig } from "./Config.js"
import { CurrentRequestId } from "./Middleware.js"
import { problemResponse } from "./Problem.js"

/** The route's path template (also a fixed metrics label, `Routes.ts`). */
export const LIVE_ROLL_PATH = "/api/v1/tenants/:slug/courses/:id/roll/events"

/** Default of `liveRollMaxStreams` (`SIGNET_LIVE_ROLL_MAX_STREAMS`): streams one tenant may hold on this process (429 beyond). */
export const MAX_STREAMS_PER_TENANT = 200

/** Seconds between heartbeat comments. */
const HEARTBEAT_SECONDS = 15

/** What one `event: roll` says. */
interface RollEvent {
  readonly tenantId: string | undefined
  readonly courseId: string | undefined
  readonly body: {
    readonly type: "signature" | "marks" | "closed"
    readonly student_id?: string
    readonly status?: string
    readonly signature_id?: string
  }
}

/** The stream's view of a domain event (undefined for events it does not carry). */
const toRollEvent = (event: CloudEvent): RollEvent | undefined => {
  const data = (event.data ?? {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === "string" ? v : undefined)
  if (event.type.startsWith("signet.attendance.signature."))
    return {
      tenantId: event.tenantid,
      courseId: str(data.course_id),
      body: {
        type: "signature",
        ...(str(data.signer_id) ? { student_id: str(data.signer_id) as string } : {}),
        ...(str(data.status) ? { status: str(data.status) as string } : {}),
        ...(str(data.id) ? { signature_id: str(data.id) as string } : {})
      }
    }
  if (event.type === "signet.attendance.roll.marked")
    return { tenantId: event.tenantid, courseId: str(data.course_id), body: { type: "marks" } }
  if (event.type === "signet.attendance.course.closed")
    return { tenantId: event.tenantid, courseId: str(data.course_id), body: { type: "closed" } }
  return undefined
}

/** HTTP status of a failure while opening the stream (the tagged errors' own statuses). */
const statusOf = (tag: string): number =>
  tag === "Unauthorized"
    ? 401
    : tag === "Forbidden" || tag === "TenantSuspended"
      ? 403
      : tag.endsWith("NotFound")
        ? 404
        : tag === "ValidationError"
          ? 400
          : 500

const encoder = new TextEncoder()

/**
 * The route (a layer): registers the `live-roll` subscriber and its PubSub
 * for the server's lifetime and serves {@link LIVE_ROLL_PATH}. `closing`
 * aborts when the server starts shutting down: every open stream then ends
 * (the browser reconnects, to another replica or after the restart), so
 * the graceful drain does not wait its whole grace period on them.
 */
export const liveRollRoute = (config: ServerConfig, closing: AbortSignal = new AbortController().signal) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const hub = yield* PubSub.sliding<RollEvent>(1024)
      yield* Effect.addFinalizer(() => PubSub.shutdown(hub))
      const events = yield* Events
      yield* events.subscribe({
        name: "live-roll",
        types: ["signet.attendance.signature.", "signet.attendance.roll.marked", "signet.attendance.course.closed"],
        // Never fails: a live view must not hold up or retry the outbox.
        handle: (event) => {
          const e = toRollEvent(event)
          return e ? Effect.asVoid(PubSub.publish(hub, e)) : Effect.void
        }
      })
      const open = new Map<string, number>()

      const authorize = (request: HttpServerRequest.HttpServerRequest, slug: string, id: string) =>
        Effect.gen(function* () {
          const header = request.headers["authorization"] ?? ""
          const token = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : ""
          if (token === "") return yield* Effect.fail({ _tag: "Unauthorized", message: "a bearer token is required" })
          const principal = yield* resolveCaller(config, {
            token,
            slug,
            client: yield* clientInfo(config),
            requestId: yield* FiberRef.get(CurrentRequestId),
            enrolmentStep: false
          })
          const parsed = Schema.decodeUnknownEither(CourseId)(id)
          if (Either.isLeft(parsed)) return yield* Effect.fail({ _tag: "NotFound", message: `no course "${id}"` })
          yield* AttendanceAdmin.getRoll(parsed.right).pipe(
            policyUse("attendance:read"),
            Effect.provideService(CurrentTenant, principal.tenant),
            Effect.provideService(CurrentActor, principal.actor)
          )
          return { tenant: principal.tenant, courseId: parsed.right }
        })

      const context =
        yield* Effect.context<
          Exclude<Effect.Effect.Context<ReturnType<typeof authorize>>, HttpServerRequest.HttpServerRequest>
        >()

      const handler = Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const params = yield* HttpLayerRouter.params
        const path = request.url.split("?")[0] ?? request.url
        const requestId = yield* FiberRef.get(CurrentRequestId)
        const slug = decodeURIComponent(params.slug ?? "")
        const authorized = yield* authorize(request, slug, params.id ?? "").pipe(
          Effect.provide(context),
          Effect.either,
          Effect.provideService(HttpServerRequest.HttpServerRequest, request)
        )
        if (authorized._tag === "Left") {
          const e = authorized.left as { _tag?: string; message?: string }
          const tag = e._tag ?? "Error"
          return problemResponse(statusOf(tag), tag, e.message ?? tag, path, requestId)
        }
        const { courseId, tenant } = authorized.right
        const n = open.get(tenant.id) ?? 0
        if (n >= config.liveRollMaxStreams)
          return problemResponse(
            429,
            "RateLimited",
            `at most ${config.liveRollMaxStreams} live rolls per tenant at a time`,
            path,
            requestId,
            {},
            { "retry-after": "30" }
          )
        // The slot is held by the request's scope: released when the response ends or the client leaves.
        yield* Effect.acquireRelease(
          Effect.sync(() => open.set(tenant.id, n + 1)),
          () =>
            Effect.sync(() => {
              const left = (open.get(tenant.id) ?? 1) - 1
              if (left <= 0) open.delete(tenant.id)
              else open.set(tenant.id, left)
            })
        )
        const mine = Stream.fromPubSub(hub).pipe(
          Stream.filter((e) => e.tenantId === tenant.id && e.courseId === courseId),
          Stream.map((e) => `event: roll\ndata: ${JSON.stringify(e.body)}\n\n`)
        )
        const heartbeat = Stream.fromSchedule(Schedule.spaced(`${HEARTBEAT_SECONDS} seconds`)).pipe(
          Stream.map(() => ": ping\n\n")
        )
        const ended = Effect.async<void>((resume) => {
          const done = () => resume(Effect.void)
          if (closing.aborted) return done()
          closing.addEventListener("abort", done, { once: true })
          return Effect.sync(() => closing.removeEventListener("abort", done))
        })
        const body = Stream.concat(
          Stream.make("retry: 2000\n: live roll\n\n"),
          Stream.merge(mine, heartbeat, { haltStrategy: "either" })
        ).pipe(
          Stream.interruptWhen(ended),
          Stream.map((s) => encoder.encode(s))
        )
        return HttpServerResponse.stream(body, {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" }
        })
      })
      return HttpLayerRouter.add("GET", LIVE_ROLL_PATH, handler)
    })
  )
