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
 * @module
 */
import type { TeamId } from "@signet/contracts/access/Domain"
import type { ScimError } from "@signet/contracts/federation/ScimDomain"
import type { UserId } from "@signet/contracts/identity/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import { Access } from "../../access/Access.js"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { tenantTx } from "../../kernel/Database.js"
import { instant } from "../../kernel/Sql.js"
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
  scimError
} from "./Kit.js"
import { applyPatch } from "./Patch.js"
import { ScimRepo } from "./Repo.js"
import { toScimError } from "./Users.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A Group body as Signet keeps it. */
interface GroupInput {
  readonly displayName: string
  readonly externalId: string | null
  readonly members: ReadonlyArray<string>
}

const invalid = (detail: string) => scimError(400, detail, "invalidValue")

/**
 * Reads a Group document.
 * @errors ScimError 400 `invalidSyntax` (not an object), `invalidValue` (no displayName, bad members)
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
      members: [...members]
    }
  })

/** The shared steps of the `/Groups` operations: loading, member sync, audit. */
const groupKit = Effect.gen(function* () {
  const repo = yield* ScimRepo
  const access = yield* Access
  const audit = yield* Audit
  const events = yield* Events

  const commit = (action: string, teamId: string, data: Record<string, unknown>) =>
    Effect.zipRight(
      audit.record({ action: `scim.group.${action}`, targetType: "team", targetId: teamId, after: data }),
      events.publish({ type: `signet.scim.group.${action}`, subject: teamId, data: { team_id: teamId, ...data } })
    )

  /** Every member of a team (by pages of 100). */
  const membersOf = (teamId: TeamId) =>
    Effect.gen(function* () {
      const out: Array<string> = []
      let cursor: string | undefined
      do {
        const page = yield* access.listTeamMembers(teamId, { limit: 100, cursor })
        out.push(...page.items.map((m) => m.user_id as string))
        cursor = page.next_cursor ?? undefined
      } while (cursor !== undefined && out.length <= SCIM_LIMITS.maxGroupMembers)
      return out
    })

  /** The resource of a linked team, or 404. */
  const load = (id: string, base: string) =>
    Effect.gen(function* () {
      if (!UUID.test(id)) return yield* notFound("Group", id)
      const link = yield* repo.group(id)
      if (Option.isNone(link)) return yield* notFound("Group", id)
      const teamId = id as TeamId
      const team = yield* access.getTeam(teamId).pipe(Effect.mapError(() => notFound("Group", id)))
      const members = yield* membersOf(teamId).pipe(Effect.mapError(() => notFound("Group", id)))
      const body: Record<string, unknown> = {
        schemas: [GROUP_SCHEMA],
        id: team.id,
        ...(link.value.external_id === null ? {} : { externalId: link.value.external_id }),
        displayName: team.name,
        members: members.map((m) => ({ value: m, $ref: `${base}/Users/${m}`, type: "User" }))
      }
      const etag = etagOf(body)
      body.meta = {
        resourceType: "Group",
        created: DateTime.formatIso(link.value.created_at),
        lastModified: DateTime.formatIso(DateTime.max(team.updated_at, link.value.updated_at)),
        location: `${base}/Groups/${team.id}`,
        version: etag
      }
      return { teamId, link: link.value, members, resource: body, etag }
    })

  /** Adds and removes members so the team holds exactly `wanted`. */
  const syncMembers = (teamId: TeamId, current: ReadonlyArray<string>, wanted: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const have = new Set(current)
      const want = new Set(wanted)
      for (const u of wanted)
        if (!have.has(u))
          yield* access
            .addTeamMember(teamId, u as UserId)
            .pipe(Effect.catchTag("NotFound", () => Effect.fail(invalid(`member ${u} is not a user of this tenant`))))
      for (const u of current) if (!want.has(u)) yield* access.removeTeamMember(teamId, u as UserId)
      return { added: wanted.filter((u) => !have.has(u)).length, removed: current.filter((u) => !want.has(u)).length }
    })

  const stamp = Effect.map(Clock.currentTimeMillis, instant)
  return { repo, access, commit, load, syncMembers, stamp } as const
})

/** A group as loaded: its team, link, members, resource and ETag. */
type LoadedGroup = Effect.Effect.Success<ReturnType<Effect.Effect.Success<typeof groupKit>["load"]>>

/** The `/Groups` seam of the SCIM service; see the module comment. */
export const makeGroups = Effect.gen(function* () {
  const { repo, access, commit, load, syncMembers, stamp } = yield* groupKit

  /** Creates a group (a team) with its members; 201. @errors ScimError 400, 409 `uniqueness` */
  const create = (body: unknown, base: string) =>
    tenantTx(
      Effect.gen(function* () {
        const input = yield* parseGroup(body)
        const team = yield* access.createTeam({ name: input.displayName })
        const at = yield* stamp
        yield* repo.upsertGroup({ team_id: team.id, external_id: input.externalId, created_at: at, updated_at: at })
        yield* syncMembers(team.id, [], input.members)
        yield* commit("created", team.id, { displayName: input.displayName, members: input.members.length })
        return yield* load(team.id, base)
      }).pipe(Effect.mapError(toScimError))
    ).pipe(Effect.withSpan("Scim.createGroup"))

  /** Stores `input` over the linked group `current`. */
  const store = (current: LoadedGroup, input: GroupInput, base: string) =>
    Effect.gen(function* () {
      if (input.displayName !== current.resource.displayName)
        yield* access.updateTeam(current.teamId, { name: input.displayName })
      const changes = yield* syncMembers(current.teamId, current.members, input.members)
      yield* repo.upsertGroup({
        team_id: current.teamId,
        external_id: input.externalId,
        created_at: instant(current.link.created_at),
        updated_at: yield* stamp
      })
      yield* commit("updated", current.teamId, { displayName: input.displayName, ...changes })
      return yield* load(current.teamId, base)
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

  /** Deletes a group: the team, its memberships and the link. @errors ScimError 404, 412 */
  const remove = (id: string, base: string, ifMatch?: string) =>
    tenantTx(
      Effect.gen(function* () {
        const current = yield* load(id, base)
        yield* checkIfMatch(ifMatch, current.etag)
        yield* access.deleteTeam(current.teamId)
        yield* repo.deleteGroup(current.teamId)
        yield* commit("deleted", current.teamId, {})
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
