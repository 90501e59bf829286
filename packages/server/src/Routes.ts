/**
 * What a request path may say in metrics and logs (issue 15 §1 "unbounded
 * metrics cardinality", §2 "secrets in labels and logs").
 *
 * - {@link routeLabel}: the route template the path matches — one of the
 *   API's own endpoint paths (`/api/v1/tenants/:slug/courses/:id`) or the
 *   server's fixed routes — and `unmatched` for anything else, so a client
 *   cannot create metric series by inventing paths.
 * - {@link redactPath}: the path with the values of secret path parameters
 *   (a calendar feed's token) replaced by the parameter's name, for logs.
 *
 * @module
 */
import { SignetApi } from "@signet/core"
import { SERVICE_NAMES } from "./grpc/Paths.js"
import { WEB_ROUTES } from "./WebApp.js"

/** Path parameters that are credentials: never logged, never a label. */
const SECRET_PARAMS = new Set(["file", "token"])

/** Routes served outside the HttpApi (each also matches its sub-paths when it ends in `/*`). */
const FIXED = [
  "/rpc",
  "/metrics",
  "/openapi.json",
  "/docs",
  "/docs/*",
  // The live roll's event stream (LiveRoll.ts, issue 17).
  "/api/v1/tenants/:slug/courses/:id/roll/events",
  // SCIM 2.0 (ScimRoutes.ts, issue 19 §3).
  "/t/:slug/scim/v2/*",
  // The tenants' OpenID Connect providers (issue 19 §1).
  "/t/:slug/.well-known/openid-configuration",
  "/t/:slug/oidc/*",
  // The seeds' services over the Connect protocol (grpc/Connect.ts, issue 21 §3).
  ...SERVICE_NAMES.map((name) => `/${name}/:method`),
  ...WEB_ROUTES
]

interface Template {
  readonly template: string
  readonly segments: ReadonlyArray<string>
  readonly statics: number
  readonly prefix: boolean
}

const compile = (template: string): Template => {
  const prefix = template.endsWith("/*")
  const segments = (prefix ? template.slice(0, -2) : template).split("/").slice(1)
  return { template, segments, statics: segments.filter((s) => !s.startsWith(":")).length, prefix }
}

/** Every template, most specific first (more static segments win over parameters). */
const TEMPLATES: ReadonlyArray<Template> = [
  ...new Set([
    ...Object.values(SignetApi.groups).flatMap((group) => Object.values(group.endpoints).map((e) => e.path as string)),
    ...FIXED
  ])
]
  .map(compile)
  .sort((a, b) => b.statics - a.statics || b.segments.length - a.segments.length)

const match = (path: string): { template: Template; parts: ReadonlyArray<string> } | undefined => {
  const parts = (path.split("?")[0] ?? "").split("/").slice(1)
  for (const t of TEMPLATES) {
    if (t.prefix ? parts.length < t.segments.length : parts.length !== t.segments.length) continue
    if (t.segments.every((s, i) => s.startsWith(":") || s === parts[i])) return { template: t, parts }
  }
  return undefined
}

/** The route template of a request path for metric labels; `unmatched` when none. */
export const routeLabel = (path: string): string => match(path)?.template.template ?? "unmatched"

/** The path for logs: secret path parameters replaced by `{name}`; the query string dropped. */
export const redactPath = (path: string): string => {
  const found = match(path)
  if (!found) return path.split("?")[0] ?? path
  return `/${found.parts
    .map((part, i) => {
      const segment = found.template.segments[i]
      return segment?.startsWith(":") && SECRET_PARAMS.has(segment.slice(1)) ? `{${segment.slice(1)}}` : part
    })
    .join("/")}`
}
