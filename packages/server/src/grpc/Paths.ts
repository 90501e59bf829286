/**
 * The fully qualified names of the seeds' services (issue 21 §3), and which
 * request paths of the main port are their Connect procedures — kept apart
 * from `Services.ts` so that the middleware can tell them without importing
 * the methods.
 *
 * @module
 */

/** Every served service, by its fully qualified proto name (the keys of `Services.SERVICES`). */
export const SERVICE_NAMES = [
  "academics.api.v1.AcademicsQueryService",
  "academics.api.v1.AcademicsCommandService",
  "attendance.api.v1.AttendanceCommandService",
  "identity.api.v1.IdentityQueryService",
  "core.api.v1.UserService",
  "core.api.v1.AuthService"
] as const

/** A served service's fully qualified name. */
export type ServiceName = (typeof SERVICE_NAMES)[number]

const NAMES: ReadonlySet<string> = new Set(SERVICE_NAMES)

/** Whether a request path (without its query) is `/<served service>/<Method>`: a Connect procedure. */
export const isConnectPath = (path: string): boolean => {
  const parts = path.split("/")
  return parts.length === 3 && parts[0] === "" && NAMES.has(parts[1] ?? "") && (parts[2] ?? "") !== ""
}
