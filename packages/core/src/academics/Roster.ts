/**
 * Applying a OneRoster import plan (see `OneRoster.ts` for parsing):
 * orgs → schools (`identifier` → `code`), academic sessions → the school's
 * sessions (issue 16), classes → student groups (with their course title and
 * location), users → tenant users (through the identity service), student
 * enrollments → group memberships, teacher enrollments → group teachers.
 * The summary groups the warnings by code (`warning_groups`).
 *
 * All-or-nothing: the whole plan is written in one transaction, and a plan
 * with errors writes nothing. Upserts go by `sourcedId`, so importing the same
 * files again changes nothing; `tobedeleted` rows soft-delete; a user whose
 * `role` changes (student → teacher) takes the new type's default role in
 * place of the old one's, and a former student's registered devices are
 * removed (roles an admin added stay). A bulk file is
 * authoritative for the groups it lists: their membership becomes exactly the
 * enrollments of the file. One audit row and one CloudEvent
 * (`signet.academics.roster.imported`) summarise the import; `dryRun` runs
 * everything and rolls it back, returning the same summary.
 *
 * No escalation through a roster: every live user of the plan holds the
 * default role of their type once imported (an `admin` user — OneRoster
 * administrator, principal, … — the `admin` role, `*:*`), so the actor must
 * hold each of those roles; otherwise the import is refused as a whole (403,
 * nothing written, dry runs included).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  AcademicSessionId,
  DEFAULT_PREFERENCES,
  GroupId,
  ImportCounts,
  ImportMessage,
  RosterImportFailed,
  RosterSummary,
  School,
  SchoolId,
  SchoolPreferences
} from "@signet/contracts/academics/Domain"
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { newId } from "@signet/contracts/kernel/Ids"
import { Data, DateTime, Effect } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import type { RosterUser } from "../identity/users/Kit.js"
import { tenantTx } from "../kernel/Database.js"
import { Academics } from "./Academics.js"
import { groupMessages } from "./Kit.js"
import type { ImportIssue, ImportPlan, PlanSchool } from "./OneRoster.js"
import { AcademicsRepo, type GroupPeople, type SessionColumns } from "./Repo.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: RosterSummary }> {}

const message = (i: ImportIssue) => new ImportMessage({ file: i.file, line: i.line, code: i.code, message: i.message })
const zero = () => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 })
type Counts = ReturnType<typeof zero>
type Tally = { added: number; removed: number }

/**
 * The school codes of an import (issue 16: `code` from OneRoster `orgs.identifier`, on
 * create and update). Codes are unique among a tenant's live schools: a code another
 * school holds is not taken (warning `school-code-taken`, the school keeps its code); an
 * empty identifier leaves the code as it is (an admin may have set it).
 */
const schoolCodes = (taken: ReadonlyMap<string, string>, warnings: Array<ImportMessage>) => {
  const owner = new Map([...taken].map(([id, code]) => [code, id]))
  return (schoolId: string, s: PlanSchool, current: string | null): string | null => {
    const keep = current !== null && (owner.get(current) ?? schoolId) === schoolId ? current : null
    const wanted = s.identifier
    if (wanted === null || wanted === keep) return keep
    const holder = owner.get(wanted)
    if (holder !== undefined && holder !== schoolId) {
      warnings.push(
        new ImportMessage({
          file: s.at.file,
          line: s.at.line,
          code: "school-code-taken",
          message: `${s.at.file}:${s.at.line}: identifier '${wanted}' is already the code of another school; the code of '${s.sourcedId}' is left ${keep === null ? "empty" : `'${keep}'`}`
        })
      )
      return keep
    }
    if (keep !== null) owner.delete(keep)
    owner.set(wanted, schoolId)
    return wanted
  }
}

/**
 * Applies the plan's orgs to the tenant's schools (by source id): creates the
 * new ones (with the default preferences), soft-deletes the `tobedeleted`
 * ones, renames, re-codes or restores the changed ones. A school's `code` is
 * the org's `identifier` (see {@link schoolCodes}). Answers the counts and the
 * school id of each source id.
 */
const applySchools = (repo: AcademicsRepo, plan: ImportPlan, at: DateTime.Utc, warnings: Array<ImportMessage>) =>
  Effect.gen(function* () {
    const counts = zero()
    const ids = new Map<string, SchoolId>()
    const bySource = new Map((yield* repo.sourcedSchools).map((s) => [s.source_id, s]))
    const codeOf = schoolCodes(yield* repo.schoolCodes, warnings)
    for (const s of plan.schools) {
      const found = bySource.get(s.sourcedId)
      if (!found) {
        if (s.deleted) continue
        const id = yield* newId(SchoolId)
        yield* repo
          .insertSchool(
            new School({
              id,
              name: s.name,
              code: codeOf(id, s, null),
              timezone: "UTC",
              source_id: s.sourcedId,
              created_at: at,
              updated_at: at
            })
          )
          .pipe(Effect.orDie)
        yield* repo.insertPreferences(new SchoolPreferences({ id, ...DEFAULT_PREFERENCES }), at)
        ids.set(s.sourcedId, id)
        counts.created++
        continue
      }
      ids.set(s.sourcedId, found.id)
      if (s.deleted) {
        if (found.deleted_at === null) {
          yield* repo.softDelete("schools", found.id, at)
          counts.deleted++
        } else counts.unchanged++
        continue
      }
      const code = codeOf(found.id, s, found.code)
      if (found.name !== s.name || found.code !== code || found.deleted_at !== null) {
        yield* repo.restoreSchool(found.id, s.name, code, at)
        counts.updated++
      } else counts.unchanged++
    }
    return { counts, ids }
  })

/**
 * Applies the plan's academic sessions (by source id, issue 16): creates, rewrites,
 * restores or soft-deletes them, each in the school of its org (`PlanSession.orgSourcedId`;
 * none: tenant-wide). Sessions absent from the file stay as they are.
 */
const applySessions = (
  repo: AcademicsRepo,
  plan: ImportPlan,
  schoolIds: ReadonlyMap<string, SchoolId>,
  at: DateTime.Utc
) =>
  Effect.gen(function* () {
    const counts = zero()
    const bySource = new Map((yield* repo.sourcedSessions).map((s) => [s.source_id, s]))
    for (const s of plan.sessions) {
      const found = bySource.get(s.sourcedId)
      if (s.deleted) {
        if (found && found.deleted_at === null) {
          yield* repo.deleteSession(found.id, at)
          counts.deleted++
        } else if (found) counts.unchanged++
        continue
      }
      const columns: SessionColumns = {
        school_id: (s.orgSourcedId === null ? undefined : schoolIds.get(s.orgSourcedId)) ?? null,
        source_id: s.sourcedId,
        type: s.type,
        title: s.title,
        start_date: s.startDate,
        end_date: s.endDate,
        parent_source_id: s.parentSourcedId,
        school_year: s.schoolYear
      }
      if (!found) {
        yield* repo.insertSession(yield* newId(AcademicSessionId), columns, at)
        counts.created++
        continue
      }
      const same =
        found.deleted_at === null &&
        (Object.keys(columns) as Array<keyof SessionColumns>).every((k) => found[k] === columns[k])
      if (same) counts.unchanged++
      else {
        yield* repo.updateSession(found.id, columns, at)
        counts.updated++
      }
    }
    return counts
  })

/** The plan's users as the identity module's roster upsert takes them (schools resolved). */
const rosterUsers = (plan: ImportPlan, schoolIds: ReadonlyMap<string, string>): Array<RosterUser> =>
  plan.users.map((u) => ({
    sourceId: u.sourcedId,
    userType: u.userType,
    // SDS exports put the address in the username; prefer a real address over a synthesized one.
    email: u.email ?? (u.username && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.username) ? u.username : null),
    username: u.username,
    givenName: u.givenName || "-",
    familyName: u.familyName || "-",
    studentNumber: u.userType === "student" ? u.identifier : null,
    schoolId: u.schoolSourcedIds.map((id) => schoolIds.get(id)).find((id) => id !== undefined) ?? null,
    enabled: u.enabled,
    deleted: u.deleted
  }))

/**
 * Applies the plan's classes to the tenant's student groups (by source id):
 * creates, soft-deletes, rewrites or restores them (a class of an unknown
 * school is skipped). Answers the counts and the group id of each source id.
 */
const applyGroups = (
  repo: AcademicsRepo,
  plan: ImportPlan,
  schoolIds: ReadonlyMap<string, SchoolId>,
  at: DateTime.Utc
) =>
  Effect.gen(function* () {
    const counts = zero()
    const ids = new Map<string, GroupId>()
    const bySource = new Map((yield* repo.sourcedGroups).map((g) => [g.source_id, g]))
    for (const g of plan.groups) {
      const schoolId = schoolIds.get(g.schoolSourcedId)
      const found = bySource.get(g.sourcedId)
      const columns = { name: g.title, code: g.classCode, course_title: g.courseTitle, location: g.location }
      if (!found) {
        if (g.deleted || !schoolId) continue
        const id = yield* newId(GroupId)
        yield* repo
          .insertGroup({
            id,
            school_id: schoolId,
            ...columns,
            source_id: g.sourcedId,
            created_at: at,
            updated_at: at
          })
          .pipe(Effect.orDie)
        ids.set(g.sourcedId, id)
        counts.created++
        continue
      }
      ids.set(g.sourcedId, found.id)
      if (g.deleted) {
        if (found.deleted_at === null) {
          yield* repo.softDelete("student_groups", found.id, at)
          counts.deleted++
        } else counts.unchanged++
        continue
      }
      const same =
        found.deleted_at === null &&
        found.name === g.title &&
        found.code === g.classCode &&
        found.course_title === g.courseTitle &&
        found.location === g.location &&
        (!schoolId || found.school_id === schoolId)
      if (same) {
        counts.unchanged++
        continue
      }
      yield* repo.restoreGroup(found.id, { ...columns, school_id: schoolId ?? found.school_id }, at)
      counts.updated++
    }
    return { counts, ids }
  })

/** The students and teachers each listed live group should have: the file's live enrollments. */
const wantedPeople = (
  plan: ImportPlan,
  groupIds: ReadonlyMap<string, string>,
  userIds: ReadonlyMap<string, string>
) => {
  const wanted = new Map<string, { students: Set<string>; teachers: Set<string> }>()
  for (const g of plan.groups) {
    const id = groupIds.get(g.sourcedId)
    if (id && !g.deleted) wanted.set(id, { students: new Set(), teachers: new Set() })
  }
  for (const e of plan.enrollments) {
    if (e.deleted) continue
    const groupId = groupIds.get(e.classSourcedId)
    const userId = userIds.get(e.userSourcedId)
    const target = groupId ? wanted.get(groupId) : undefined
    if (!target || !userId) continue
    ;(e.role === "student" ? target.students : target.teachers).add(userId)
  }
  return wanted
}

/**
 * Makes each listed group's members and teachers exactly the file's live
 * enrollments; answers what was added and removed.
 */
const applyEnrollments = (
  repo: AcademicsRepo,
  wanted: ReadonlyMap<string, { students: Set<string>; teachers: Set<string> }>,
  at: DateTime.Utc
) =>
  Effect.gen(function* () {
    const memberships: Tally = { added: 0, removed: 0 }
    const teachers: Tally = { added: 0, removed: 0 }
    const sync = (kind: GroupPeople, groupId: string, want: Set<string>, tally: Tally) =>
      Effect.gen(function* () {
        const current = new Set(yield* repo.people(kind, groupId))
        const add = [...want].filter((u) => !current.has(u))
        const remove = [...current].filter((u) => !want.has(u))
        yield* repo.addPeople(kind, groupId, add, at)
        yield* repo.removePeople(kind, groupId, remove)
        tally.added += add.length
        tally.removed += remove.length
      })
    for (const [groupId, want] of wanted) {
      yield* sync("members", groupId, want.students, memberships)
      yield* sync("teachers", groupId, want.teachers, teachers)
    }
    return { memberships, teachers }
  })

/** The import's summary. */
const summarise = (
  plan: ImportPlan,
  dryRun: boolean,
  counts: {
    readonly schools: Counts
    readonly users: Counts
    readonly groups: Counts
    readonly sessions: Counts
  },
  people: { readonly memberships: Tally; readonly teachers: Tally },
  warnings: ReadonlyArray<ImportMessage>
) =>
  new RosterSummary({
    version: plan.version,
    dry_run: dryRun,
    schools: new ImportCounts(counts.schools),
    users: new ImportCounts(counts.users),
    groups: new ImportCounts(counts.groups),
    memberships: people.memberships,
    teacher_assignments: people.teachers,
    warnings,
    errors: [],
    warning_groups: groupMessages(warnings),
    sessions: new ImportCounts(counts.sessions)
  })

/** The roster import service. */
export class Roster extends Effect.Service<Roster>()("Signet/Roster", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* AcademicsRepo
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const academics = yield* Academics
    const access = yield* Access

    /**
     * Refuses a plan with errors (422), then checks that the actor holds the
     * default role of every type of live user of the plan (and the step-up
     * for `admin` users) — before anything is written.
     */
    const admit = (plan: ImportPlan, warnings: ReadonlyArray<ImportMessage>) =>
      Effect.gen(function* () {
        if (plan.errors.length > 0) {
          return yield* new RosterImportFailed({
            message: `${plan.errors.length} error(s) in the roster files; nothing was imported`,
            errors: plan.errors.map(message),
            warnings,
            warning_groups: groupMessages(warnings)
          })
        }
        // Every live user gets the default role of their type (created, retyped or restored):
        // the actor must hold each such role — admins and devs: `*:*` — checked before anything
        // is written, so a refusal is a 403 for the whole import, dry run or not.
        const types = [...new Set(plan.users.filter((u) => !u.deleted).map((u) => u.userType))].sort()
        // Issue 15 §4: importing administrators hands out administrator power, so a user actor needs
        // the step-up too (operators, the system and API keys are not asked).
        if (types.includes("admin")) yield* access.requireStepUp
        for (const type of types) {
          const count = plan.users.filter((u) => !u.deleted && u.userType === type).length
          yield* access.requireHeldRole(DEFAULT_ROLE_OF_TYPE[type], `importing ${count} user(s) of type ${type}`)
        }
      })

    /** Writes the plan (caller's transaction), records it, and answers its summary. */
    const apply = (plan: ImportPlan, dryRun: boolean, planWarnings: ReadonlyArray<ImportMessage>) =>
      Effect.gen(function* () {
        const at = yield* DateTime.now
        // The plan's warnings, then those of applying it (a school code already taken…).
        const warnings = [...planWarnings]
        const schools = yield* applySchools(repo, plan, at, warnings)
        const users = yield* identity.rosterUpsert(rosterUsers(plan, schools.ids))
        const sessions = yield* applySessions(repo, plan, schools.ids, at)
        const groups = yield* applyGroups(repo, plan, schools.ids, at)
        const people = yield* applyEnrollments(repo, wantedPeople(plan, groups.ids, users.ids), at)
        const { ids: _ids, ...userCounts } = users
        const summary = summarise(
          plan,
          dryRun,
          { schools: schools.counts, users: userCounts, groups: groups.counts, sessions },
          people,
          warnings
        )
        yield* repo.bumpVersion
        const { warnings: _w, warning_groups: _g, ...counts } = summary
        yield* audit.record({
          action: "academics.roster.imported",
          targetType: "roster",
          targetId: null,
          after: { ...counts, warnings: warnings.length }
        })
        yield* events.publish({
          type: "signet.academics.roster.imported",
          data: { ...counts, warnings: warnings.length }
        })
        return summary
      })

    /**
     * Applies a plan to the current tenant as the `CurrentActor`.
     *
     * Every live (not `tobedeleted`) user of the plan ends up holding the
     * default role of their type (`DEFAULT_ROLE_OF_TYPE`, through the identity
     * module's creation, retype and restore steps: `admin` and `dev` get the
     * `admin` role, `*:*`). So the actor must hold every permission of each
     * such role (`Access.requireHeldRole`; operators and the system do),
     * checked before anything is written. The check does not look up which
     * users already exist unchanged (identity offers no lookup by source id):
     * any live row counts. A plan with live `admin` users also needs
     * the step-up of a user actor (`Access.requireStepUp`).
     * @errors RosterImportFailed (422) when the plan has errors — nothing is
     * written; Forbidden (403, naming the first permission of a default role
     * not held, or `mfa:step-up`) — nothing is written, dry run or not
     */
    const importPlan = (plan: ImportPlan, options: { readonly dryRun?: boolean } = {}) =>
      Effect.gen(function* () {
        const warnings = plan.warnings.map(message)
        yield* admit(plan, warnings)
        const dryRun = options.dryRun === true
        const run = Effect.flatMap(apply(plan, dryRun, warnings), (summary) =>
          dryRun ? Effect.fail(new DryRun({ summary })) : Effect.succeed(summary)
        )
        return yield* tenantTx(run).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)),
          Effect.ensuring(Effect.flatMap(CurrentTenant, (t) => academics.invalidate(t.id)))
        )
      }).pipe(Effect.withSpan("Roster.importPlan"))

    return { importPlan } as const
  }),
  dependencies: [AcademicsRepo.Default]
}) {}
