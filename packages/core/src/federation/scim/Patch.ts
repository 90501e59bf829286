/**
 * SCIM PATCH (RFC 7644 §3.5.2) through `scim-patch` (a maintained
 * implementation, not our own): the request is checked (schema, 1 to
 * `maxPatchOperations` operations, op names case-insensitively
 * `add|replace|remove` as Entra ID capitalises them, paths naming known
 * attributes), then applied to the resource's current document; the
 * caller stores the result as a PUT would.
 *
 * Shapes accepted: paths with value filters (`members[value eq "…"]`,
 * `emails[type eq "work"].value`), extension paths
 * (`urn:…:enterprise:2.0:User:department`), and the no-path forms Entra ID
 * and Okta send (`{"op":"Replace","value":{"active":false}}`).
 *
 * @module
 */
import type { ScimError, ScimType } from "@signet/contracts/federation/ScimDomain"
import { Effect } from "effect"
import { scimPatch } from "scim-patch"
import { asObject, attr, ENTERPRISE_SCHEMA, PATCH_SCHEMA, SCIM_LIMITS, scimError } from "./Kit.js"

/** Top-level attributes a PATCH path may name, per resource type (lower case). */
export const PATCHABLE: Readonly<Record<"User" | "Group", ReadonlySet<string>>> = {
  User: new Set([
    "username",
    "name",
    "displayname",
    "emails",
    "active",
    "externalid",
    "usertype",
    // Accepted and ignored (Signet keeps no such field): what IdPs commonly send.
    "title",
    "nickname",
    "preferredlanguage",
    "locale",
    "timezone",
    "phonenumbers",
    "addresses",
    "profileurl",
    ENTERPRISE_SCHEMA.toLowerCase()
  ]),
  Group: new Set(["displayname", "members", "externalid"])
}

const head = (path: string): string => {
  const lower = path.toLowerCase()
  if (lower.startsWith(ENTERPRISE_SCHEMA.toLowerCase())) return ENTERPRISE_SCHEMA.toLowerCase()
  return (/^[A-Za-z0-9_$-]+/.exec(path)?.[0] ?? "").toLowerCase()
}

/**
 * Entra ID's member removal, `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`,
 * as one `members[value eq "<id>"]` removal per listed member that the group
 * holds (a member already gone is no error: IdPs retry).
 */
const removeMembers = (resource: Record<string, unknown>, value: ReadonlyArray<unknown>) => {
  const held = new Set(
    ((attr(resource, "members") as ReadonlyArray<unknown> | undefined) ?? []).map((m) =>
      String(attr(asObject(m), "value"))
    )
  )
  return value
    .map((v) => attr(asObject(v), "value"))
    .filter((id): id is string => typeof id === "string" && held.has(id) && !id.includes('"'))
    .map((id) => ({ op: "remove", path: `members[value eq "${id}"]` }))
}

/** The `scimType` of an error thrown by `scim-patch`. */
const typeOf = (e: unknown): ScimType => {
  const name = (e as { constructor?: { name?: string } })?.constructor?.name ?? ""
  if (name === "NoTarget" || name === "FilterArrayTargetNotFound" || name === "NoPathInScimPatchOp") return "noTarget"
  if (name === "InvalidScimPatchOp" || name === "FilterOnEmptyArray" || name === "InvalidRemoveOpPath")
    return "invalidPath"
  if (name === "InvalidScimPatchRequest") return "invalidSyntax"
  return "invalidValue"
}

/**
 * Checks a PatchOp body and applies it to `resource` (not modified).
 * @errors ScimError 400 — `invalidSyntax` (no PatchOp schema, no or too
 * many operations, unknown op), `invalidPath` (unknown attribute, bad path),
 * `noTarget` (a filter matched nothing where a match is required),
 * `invalidValue` (a value of the wrong shape)
 */
export const applyPatch = (
  kind: "User" | "Group",
  resource: Record<string, unknown>,
  body: unknown
): Effect.Effect<Record<string, unknown>, ScimError> =>
  Effect.gen(function* () {
    const obj = asObject(body)
    if (!obj) return yield* scimError(400, "the body must be a PatchOp object", "invalidSyntax")
    const schemas = attr(obj, "schemas")
    if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA))
      return yield* scimError(400, `schemas must contain ${PATCH_SCHEMA}`, "invalidSyntax")
    const ops = attr(obj, "Operations")
    if (!Array.isArray(ops) || ops.length === 0)
      return yield* scimError(400, "Operations must be a non-empty array", "invalidSyntax")
    if (ops.length > SCIM_LIMITS.maxPatchOperations)
      return yield* scimError(400, `at most ${SCIM_LIMITS.maxPatchOperations} operations`, "invalidSyntax")
    const normalized: Array<Record<string, unknown>> = []
    for (const raw of ops) {
      const op = asObject(raw)
      const name = typeof attr(op, "op") === "string" ? (attr(op, "op") as string).toLowerCase() : ""
      if (!op || !["add", "replace", "remove"].includes(name))
        return yield* scimError(400, "each operation's op must be add, replace or remove", "invalidSyntax")
      const path = attr(op, "path")
      if (path !== undefined && (typeof path !== "string" || path.length > 500 || path.trim() === ""))
        return yield* scimError(400, "path must be a non-empty string", "invalidPath")
      if (typeof path === "string" && !PATCHABLE[kind].has(head(path)))
        return yield* scimError(400, `path "${path.slice(0, 100)}" names no ${kind} attribute`, "invalidPath")
      if (path === undefined && name === "remove") return yield* scimError(400, "remove needs a path", "noTarget")
      if (path === undefined && !asObject(attr(op, "value")))
        return yield* scimError(400, `${name} without a path needs an object value`, "invalidValue")
      const value = attr(op, "value")
      if (name === "remove" && typeof path === "string" && path.toLowerCase() === "members" && Array.isArray(value)) {
        normalized.push(...removeMembers(resource, value))
        continue
      }
      normalized.push({ op: name, ...(path === undefined ? {} : { path }), value })
    }
    return yield* Effect.try({
      try: () => scimPatch(structuredClone(resource) as never, normalized as never) as Record<string, unknown>,
      catch: (e) => scimError(400, e instanceof Error ? e.message.slice(0, 300) : "invalid patch", typeOf(e))
    })
  })
