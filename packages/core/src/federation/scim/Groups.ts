/**
 * SCIM `/Groups` (issue 19 §3; RFC 7643 §4.2): SCIM groups are Signet
 * teams, created and changed through the access service (its permission
 * checks included: a SCIM token cannot add members to a team that grants
 * roles beyond its own scope, so an IdP never hands out administrator
 * power). The SCIM link (`externalId`) lives in `scim_groups`; only teams
 * created through SCIM are SCIM groups (a `displayName` already used by
 * another team answers 409 `uniqueness`).
 *
 * Members are users of the tenant by id (`members[].value`); an unknown id
 * answers 400 `invalidValue` and nothing changes. At most
 * `maxGroupMembers` members.
 *
 * **Student groups (optional).** A group created with Signet's extension
 * `urn:signet:params:scim:schemas:extension:group:2.0` set to
 * `{ "kind": "student_group", "schoolId": "<school id>" }` is an academics
 * student group of that school instead of a team (`GroupTargets.ts`):
 * members must be students of the school (else 400 `invalidValue`), and the
 * actor needs `academics:read`/`academics:write` (else 403). The kind and
 * school are fixed at creation (a PUT or PATCH changing them answers 400
 * `mutability`). The link's `kind` is kept in `scim_groups`.
 *
 * @module
 */
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import { Clock, DateTime, Effect, Option } from "effect"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { tenantTx } from "../../kernel/Database.js"
import { instant } from "../../kernel/Sql.js"
import { groupTargets } from "./GroupTargets.js"
import {
  asObject,
  attr,
  checkIfMatch,
  etagOf,
  GROUP_SCHEMA,
  type ListQuery,
  listResponse,
  notFound,
  parseList,
  SCIM_LIMITS,
  SIGNET_GROUP_SCHEMA,
  scimError
} from "./Kit.js"
import { applyPatch } from "./Patch.js"
import { type ScimGroupKind, ScimRepo } from "./Repo.js"
import { toScimError } from "./Users.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A Group body as Signet keeps it; `kind` and `schoolId` from Signet's extension (absent: a team). */
interface GroupInput {
  readonly displayName: string
  readonly externalId: string | null
  readonly members: ReadonlyArray<string>
  readonly kind: ScimGroupKind
  readonly schoolId: string | null
}

const invalid = (detail: string) => scimError(400, detail, "invalidValue")

/**
 * Reads Signet's Group extension: `kind` (`team` when absent) and `schoolId`.
 * @errors ScimError 400 `invalidValue`
 */
const parseExtension = (obj: Record<string, unknown>) =>
  Effect.gen(function* () {
    const ext = attr(obj, SIGNET_GROUP_SCHEMA)
    if (ext === undefined || ext === null) return { kind: "team" as ScimGroupKind, schoolId: null }
    const fields = asObject(ext)
    if (!fields) return yield* invalid(`${SIGNET_GROUP_SCHEMA} must be an object`)
    const kind = attr(fields, "kind") ?? "team"
    if (kind !== "team" && kind !== "student_group") return yield* invalid("kind must be team or student_group")
    const school = attr(fields, "schoolId") ?? null
    if (school !== null && (typeof school !== "string" || !UUID.test(school)))
      return yield* invalid("schoolId must be a school id")
    if (kind === "team" && school !== null) return yield* invalid("schoolId is for student groups only")
    if (kind === "student_group" && school === null) return yield* invalid("a student group needs schoolId")
    return { kind: kind as ScimGroupKind, schoolId: school === null ? null : school.toLowerCase() }
  })

/**
 * Reads a Group document.
 * @errors ScimError 400 `invalidSyntax` (not an object), `invalidValue` (no displayName, bad members, bad extension)
 */
const parseGroup = (body: unknown): Effect.Effect<GroupInput, ScimError> =>
  Effect.gen(function* () {
    const obj = asObject(body)
    if (!obj) return yield* scimError(400, "the body must be a JSON object", "invalidSyntax")
    const name = attr(obj, "displayName")
    if (typeof name !== "string" || name.trim() === "" || name.trim().length > 100)
      return yield* invalid("displayName is required (1–100 characters)")
    const ext = attr(obj, "externalId")
    if (ext !== undefined && ext !== null && (typeof ext !== "string" || ext.length > 254))
      return yield* invalid("externalId must be a string of at most 254 characters")
    const raw = attr(obj, "members") ?? []
    if (!Array.isArray(raw)) return yield* invalid("members must be an array")
    if (raw.length > SCIM_LIMITS.maxGroupMembers)
      return yield* invalid(`at most ${SCIM_LIMITS.maxGroupMembers} members`)
    const members = new Set<string>()
    for (const m of raw) {
      const value = attr(asObject(m), "value")
      if (typeof value !== "string" || !UUID.test(value)) return yield* invalid("members[].value must be a user id")
      members.add(value.toLowerCase())
    }
    return {
      displayName: name.trim(),
      externalId: typeof ext === "string" && ext !== "" ? ext : null,
      members: [...members],
      ...(yield* parseExtension(obj))
    }
  })

/** The shared steps of the `/Groups` operations: loading, audit. */
const groupKit = Effect.gen(function* () {
  const repo = yield* ScimRepo
  const audit = yield* Audit
  const events = yield* Events
  const targets = yield* groupTargets

  const commit = (action: string, kind: ScimGroupKind, id: string, data: Record<string, unknown>) =>
    Effect.zipRight(
      audit.record({
        action: `scim.group.${action}`,
        targetType: kind === "team" ? "team" : "student_group",
        targetId: id,
        after: data
      }),
      events.publish({
        type: `signet.scim.group.${action}`,
        subject: id,
        data: kind === "team" ? { team_id: id, ...data } : { student_group_id: id, ...data }
      })
    )

  /** The resource of a linked team or student group, or 404. */
  const load = (id: string, base: string) =>
    Effect.gen(function* () {
      if (!UUID.test(id)) return yield* notFound("Group", id)
      const link = yield* repo.group(id)
      if (Option.isNone(link)) return yield* notFound("Group", id)
      const kind = link.value.kind
      const target = targets[kind]
      const group = yield* target.get(id)
      const members = yield* target.members(id)
      const body: Record<string, unknown> = {
        schemas: kind === "team" ? [GROUP_SCHEMA] : [GROUP_SCHEMA, SIGNET_GROUP_SCHEMA],
        id,
        ...(link.value.external_id === null ? {} : { externalId: link.value.external_id }),
        displayName: group.name,
        members: members.map((m) => ({ value: m, $ref: `${base}/Users/${m}`, type: "User" })),
        ...(kind === "team" ? {} : { [SIGNET_GROUP_SCHEMA]: { kind, schoolId: group.schoolId } })
      }
      const etag = etagOf(body)
      body.meta = {
        resourceType: "Group",
        created: DateTime.formatIso(link.value.created_at),
        lastModified: DateTime.formatIso(DateTime.max(group.updatedAt, link.value.updated_at)),
        location: `${base}/Groups/${id}`,
        version: etag
      }
      return { id, kind, target, schoolId: group.schoolId, link: link.value, members, resource: body, etag }
    })

  const stamp = Effect.map(Clock.currentTimeMillis, instant)
  return { repo, targets, commit, load, stamp } as const
})

/** A group as loaded: its target, link, members, resource and ETag. */
type LoadedGroup = Effect.Effect.Success<ReturnType<Effect.Effect.Success<typeof groupKit>["load"]>>

/** The `/Groups` seam of the SCIM service; see the module comment. */
export const makeGroups = Effect.gen(function* () {
  const { repo, targets, commit, load, stamp } = yield* groupKit

  /**
   * Creates a group with its members — a team, or a student group when
   * Signet's extension says `kind: "student_group"`; 201.
   * @errors ScimError 400, 403, 409 `uniqueness`
   */
  const create = (body: unknown, base: string) =>
    tenantTx(
      Effect.gen(function* () {
        const input = yield* parseGroup(body)
        const target = targets[input.kind]
        const id = yield* target.create(input.displayName, input.schoolId)
        const at = yield* stamp
        yield* repo.upsertGroup({
          team_id: id,
          kind: input.kind,
          external_id: input.externalId,
          created_at: at,
          updated_at: at
        })
        yield* target.sync(id, [], input.members)
        yield* commit("created", input.kind, id, { displayName: input.displayName, members: input.members.length })
        return yield* load(id, base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.createGroup"))

  /** Stores `input` over the linked group `current`; its kind and school never change. */
  const store = (current: LoadedGroup, input: GroupInput, base: string) =>
    Effect.gen(function* () {
      const sameSchool = input.kind === "team" || input.schoolId === current.schoolId
      if (input.kind !== current.kind || !sameSchool)
        return yield* scimError(400, "a group's kind and schoolId cannot change", "mutability")
      if (input.displayName !== current.resource.displayName)
        yield* current.target.rename(current.id, input.displayName)
      const changes = yield* current.target.sync(current.id, current.members, input.members)
      yield* repo.upsertGroup({
        team_id: current.id,
        kind: current.kind,
        external_id: input.externalId,
        created_at: instant(current.link.created_at),
        updated_at: yield* stamp
      })
      yield* commit("updated", current.kind, current.id, { displayName: input.displayName, ...changes })
      return yield* load(current.id, base)
    })

  /** Replaces a group (PUT). @errors ScimError 404, 412, 400, 409 */
  const replace = (id: string, body: unknown, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        return yield* store(current, yield* parseGroup(body), base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.replaceGroup"))

  /** Patches a group: members add/remove, displayName. @errors ScimError 404, 412, 400, 409 */
  const patch = (id: string, body: unknown, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        const patched = yield* applyPatch("Group", current.resource, body)
        return yield* store(current, yield* parseGroup(patched), base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.patchGroup"))

  /** Deletes a group: the team or student group, its memberships and the link. @errors ScimError 404, 412 */
  const remove = (id: string, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        yield* current.target.remove(current.id)
        yield* repo.deleteGroup(current.id)
        yield* commit("deleted", current.kind, current.id, {})
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.deleteGroup"))

  /** One group. @errors ScimError 404 */
  const get = (id: string, base: string) =>
    tenantTx(Effect.map(load(id, base), ({ etag, resource }) => ({ etag, resource }))).pipe(
      Effect.withSpan("Scim.getGroup")
    )

  /** A ListResponse of groups (filter evaluated over at most `maxScan` groups). @errors ScimError 400 */
  const list = (query: ListQuery, base: string) =>
    tenantTx(
      Effect.gen(function* () {
        const q = yield* parseList(query)
        const links = yield* repo.groups(SCIM_LIMITS.maxScan + 1)
        if (links.length > SCIM_LIMITS.maxScan)
          return yield* scimError(400, `the filter would scan more than ${SCIM_LIMITS.maxScan} groups`, "tooMany")
        const resources = yield* Effect.forEach(links, (l) =>
          load(l.team_id, base).pipe(
            Effect.map((g) => Option.some(g.resource)),
            Effect.orElseSucceed(() => Option.none())
          )
        )
        return yield* listResponse(resources.flatMap(Option.toArray), q)
      })
    ).pipe(Effect.withSpan("Scim.listGroups"))

  return { create, replace, patch, remove, get, list } as const
})
