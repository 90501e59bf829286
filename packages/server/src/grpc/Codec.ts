/**
 * Between protobuf messages (as `@grpc/proto-loader` decodes them, see
 * `LOADER_OPTIONS`) and the contracts' schemas, and from Signet's tagged
 * errors to gRPC status codes (issue 21 §3: "errors mapped to gRPC status
 * codes"; malformed messages are `INVALID_ARGUMENT`, never `INTERNAL`).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Cause, DateTime, Option, ParseResult, Schema } from "effect"

/** gRPC status codes used here (grpc/doc/statuscodes.md). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16
} as const

/** A gRPC failure: status code and message (`details`). */
export interface GrpcFailure {
  readonly code: number
  readonly details: string
}

/** `google.protobuf.Timestamp` as proto-loader decodes it (`seconds` a string: `longs: String`). */
export interface Timestamp {
  readonly seconds: string | number
  readonly nanos: number
}

/** A Timestamp message (or null when absent) as an ISO 8601 instant, or undefined when absent. */
export const fromTimestamp = (ts: Timestamp | null | undefined): string | undefined => {
  if (ts === null || ts === undefined) return undefined
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000)
  const d = new Date(ms)
  return Number.isFinite(d.getTime()) ? d.toISOString() : "invalid"
}

/** An instant as a Timestamp message. */
export const toTimestamp = (at: DateTime.Utc | Date): Timestamp => {
  const ms = at instanceof Date ? at.getTime() : DateTime.toEpochMillis(at)
  return { seconds: String(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 }
}

/** proto3 has no presence for strings: the empty string is "not given". */
export const optional = (s: string | undefined | null): string | undefined => (s ? s : undefined)

/** The HTTP status a tagged error of the contracts carries (its schema's annotation), if any. */
const httpStatusOf = (error: unknown): number | undefined => {
  const ctor = (error as { constructor?: { ast?: unknown } })?.constructor
  if (ctor === undefined || !Schema.isSchema(ctor)) return undefined
  const status = HttpApiSchema.getStatusErrorAST((ctor as Schema.Schema.Any).ast)
  return typeof status === "number" ? status : undefined
}

/** The gRPC code of an HTTP status (RFC 9110 → grpc/doc/http-grpc-status-mapping.md, inverted). */
const codeOfStatus = (status: number): number => {
  if (status === 400 || status === 413 || status === 415 || status === 422) return Status.INVALID_ARGUMENT
  if (status === 401) return Status.UNAUTHENTICATED
  if (status === 403) return Status.PERMISSION_DENIED
  if (status === 404 || status === 410) return Status.NOT_FOUND
  if (status === 409) return Status.ALREADY_EXISTS
  if (status === 429) return Status.RESOURCE_EXHAUSTED
  if (status === 503) return Status.UNAVAILABLE
  if (status === 504) return Status.DEADLINE_EXCEEDED
  return status >= 400 && status < 500 ? Status.FAILED_PRECONDITION : Status.INTERNAL
}

/**
 * The gRPC failure of a failed call: a schema decode failure of the request
 * is `INVALID_ARGUMENT` with the parse error's message; a tagged error of the
 * contracts maps through its HTTP status with its message; a defect is
 * `INTERNAL` with a generic message (its details go to the log, not the peer).
 */
export const failureOf = (cause: Cause.Cause<unknown>): GrpcFailure => {
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) {
    if (Cause.isInterruptedOnly(cause)) return { code: Status.CANCELLED, details: "the call was cancelled" }
    return { code: Status.INTERNAL, details: "internal error" }
  }
  const error = failure.value
  if (ParseResult.isParseError(error)) {
    return { code: Status.INVALID_ARGUMENT, details: ParseResult.TreeFormatter.formatErrorSync(error).slice(0, 1000) }
  }
  if (error instanceof DeadlineExceeded) return { code: Status.DEADLINE_EXCEEDED, details: error.message }
  const message = (error as { message?: unknown })?.message
  const details = typeof message === "string" && message !== "" ? message : String((error as { _tag?: string })?._tag)
  const status = httpStatusOf(error)
  return { code: status === undefined ? Status.INTERNAL : codeOfStatus(status), details: details.slice(0, 1000) }
}

/** The call's deadline passed before the answer was ready. */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
  message: Schema.String
}) {}
