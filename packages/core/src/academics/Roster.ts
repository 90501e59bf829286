/**
 * Applying a OneRoster import plan (see `OneRoster.ts` for parsing):
 * orgs → schools, classes → student groups (with their course title and
 * location), users → tenant users (through the identity service), student
 * enrollments → group memberships, teacher enrollments → group teachers.
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
  DEFAULT_PREFERENCES,
  ImportCounts,
  ImportMessage,
  RosterImportFailed,
  RosterSummary
} from "@signet/contracts/academics/Domain"
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Data, Effect } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { tenantTx } from "../kernel/Database.js"
import { bool, instant } from "../kernel/Sql.js"
import { Academics } from "./Academics.js"
import type { ImportIssue, ImportPlan } from "./OneRoster.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: RosterSummary }> {}

const message = (i: ImportIssue) => new ImportMessage({ file: i.file, line: i.line, code: i.code, message: i.message })
const zero = () => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 })

/** The roster import service. */
export class Roster extends Effect.Service<Roster>()("Signet/Roster", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const academics = yield* Academics
    const access = yield* Access

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
        if (plan.errors.length > 0) {
          return yield* new RosterImportFailed({
            message: `${plan.errors.length} error(s) in the roster files; nothing was imported`,
            errors: plan.errors.map(message),
            warnings
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
        const run = Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const tid = tenant.id
          const at = instant(yield* Clock.currentTimeMillis)

          // Schools (orgs).
          const schoolCounts = zero()
          const schoolIds = new Map<string, string>()
          const existingSchools = yield* sql<{
            id: string
            source_id: string
            name: string
            code: string | null
            deleted_at: string | null
          }>`
            SELECT id, source_id, name, code, deleted_at FROM schools WHERE tenant_id = ${tid} AND source_id IS NOT NULL`
          const bySource = new Map(existingSchools.map((s) => [s.source_id, s]))
          for (const s of plan.schools) {
            const found = bySource.get(s.sourcedId)
            if (!found) {
              if (s.deleted) continue
              const id = yield* newUuid
              yield* sql`INSERT INTO schools (tenant_id, id, name, code, timezone, source_id, created_at, updated_at)
                VALUES (${tid}, ${id}, ${s.name}, ${null}, 'UTC', ${s.sourcedId}, ${at}, ${at})`
              const p = DEFAULT_PREFERENCES
              yield* sql`INSERT INTO school_preferences (tenant_id, school_id, default_signature_closing_delay_minutes,
                  teacher_can_modify_closing_delay, students_can_sign_before_teacher, enable_flash,
                  disable_course_modification_from_ui, enable_nfc, updated_at)
                VALUES (${tid}, ${id}, ${p.default_signature_closing_delay_minutes}, ${bool(p.teacher_can_modify_closing_delay)},
                  ${bool(p.students_can_sign_before_teacher)}, ${bool(p.enable_flash)},
                  ${bool(p.disable_course_modification_from_ui)}, ${bool(p.enable_nfc)}, ${at})`
              schoolIds.set(s.sourcedId, id)
              schoolCounts.created++
              continue
            }
            schoolIds.set(s.sourcedId, found.id)
            if (s.deleted) {
              if (found.deleted_at === null) {
                yield* sql`UPDATE schools SET deleted_at = ${at} WHERE tenant_id = ${tid} AND id = ${found.id}`
                schoolCounts.deleted++
              } else schoolCounts.unchanged++
            } else if (found.name !== s.name || found.deleted_at !== null) {
              yield* sql`UPDATE schools SET name = ${s.name}, deleted_at = NULL, updated_at = ${at} WHERE tenant_id = ${tid} AND id = ${found.id}`
              schoolCounts.updated++
            } else schoolCounts.unchanged++
          }

          // Users, through the identity module.
          const users = yield* identity.rosterUpsert(
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
          )

          // Groups (classes).
          const groupCounts = zero()
          const groupIds = new Map<string, string>()
          const existingGroups = yield* sql<{
            id: string
            source_id: string
            school_id: string
            name: string
            code: string | null
            course_title: string | null
            location: string | null
            deleted_at: string | null
          }>`SELECT id, source_id, school_id, name, code, course_title, location, deleted_at FROM student_groups
            WHERE tenant_id = ${tid} AND source_id IS NOT NULL`
          const groupsBySource = new Map(existingGroups.map((g) => [g.source_id, g]))
          for (const g of plan.groups) {
            const schoolId = schoolIds.get(g.schoolSourcedId)
            const found = groupsBySource.get(g.sourcedId)
            if (!found) {
              if (g.deleted || !schoolId) continue
              const id = yield* newUuid
              yield* sql`INSERT INTO student_groups (tenant_id, id, school_id, name, code, course_title, location, source_id, created_at, updated_at)
                VALUES (${tid}, ${id}, ${schoolId}, ${g.title}, ${g.classCode}, ${g.courseTitle}, ${g.location}, ${g.sourcedId}, ${at}, ${at})`
              groupIds.set(g.sourcedId, id)
              groupCounts.created++
              continue
            }
            groupIds.set(g.sourcedId, found.id)
            if (g.deleted) {
              if (found.deleted_at === null) {
                yield* sql`UPDATE student_groups SET deleted_at = ${at} WHERE tenant_id = ${tid} AND id = ${found.id}`
                groupCounts.deleted++
              } else groupCounts.unchanged++
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
              groupCounts.unchanged++
              continue
            }
            yield* sql`UPDATE student_groups SET name = ${g.title}, code = ${g.classCode}, course_title = ${g.courseTitle},
                location = ${g.location}, school_id = ${schoolId ?? found.school_id}, deleted_at = NULL, updated_at = ${at}
              WHERE tenant_id = ${tid} AND id = ${found.id}`
            groupCounts.updated++
          }

          // Enrollments: the file's live enrollments become each listed group's membership and teachers.
          const wanted = new Map<string, { students: Set<string>; teachers: Set<string> }>()
          for (const g of plan.groups) {
            const id = groupIds.get(g.sourcedId)
            if (id && !g.deleted) wanted.set(id, { students: new Set(), teachers: new Set() })
          }
          for (const e of plan.enrollments) {
            if (e.deleted) continue
            const groupId = groupIds.get(e.classSourcedId)
            const userId = users.ids.get(e.userSourcedId)
            const target = groupId ? wanted.get(groupId) : undefined
            if (!target || !userId) continue
            ;(e.role === "student" ? target.students : target.teachers).add(userId)
          }
          const memberships = { added: 0, removed: 0 }
          const teachers = { added: 0, removed: 0 }
          const sync = (
            table: "group_members" | "group_teachers",
            column: "student_id" | "teacher_id",
            groupId: string,
            want: Set<string>,
            tally: { added: number; removed: number }
          ) =>
            Effect.gen(function* () {
              const current = new Set(
                (yield* sql<{ ref: string }>`SELECT ${sql(column)} AS ref FROM ${sql(table)} WHERE tenant_id = ${tid}
                  AND group_id = ${groupId}`).map((r) => r.ref)
              )
              const add = [...want].filter((u) => !current.has(u))
              const remove = [...current].filter((u) => !want.has(u))
              for (let i = 0; i < add.length; i += 200) {
                const chunk = add.slice(i, i + 200)
                yield* sql`INSERT INTO ${sql(table)} ${sql.insert(chunk.map((u) => ({ tenant_id: tid, group_id: groupId, [column]: u, created_at: at })))}`
              }
              for (const u of remove) {
                yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${tid} AND group_id = ${groupId} AND ${sql(column)} = ${u}`
              }
              tally.added += add.length
              tally.removed += remove.length
            })
          for (const [groupId, want] of wanted) {
            yield* sync("group_members", "student_id", groupId, want.students, memberships)
            yield* sync("group_teachers", "teacher_id", groupId, want.teachers, teachers)
          }

          const summary = new RosterSummary({
            version: plan.version,
            dry_run: options.dryRun === true,
            schools: new ImportCounts(schoolCounts),
            users: new ImportCounts({
              created: users.created,
              updated: users.updated,
              deleted: users.deleted,
              unchanged: users.unchanged
            }),
            groups: new ImportCounts(groupCounts),
            memberships,
            teacher_assignments: teachers,
            warnings,
            errors: []
          })
          yield* sql`INSERT INTO academics_versions (tenant_id, version) VALUES (${tid}, 1)
            ON CONFLICT (tenant_id) DO UPDATE SET version = academics_versions.version + 1`
          const { warnings: _w, ...counts } = summary
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
          if (options.dryRun) return yield* new DryRun({ summary })
          return summary
        }).pipe(Effect.catchTag("SqlError", Effect.die))
        return yield* tenantTx(run).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)),
          Effect.ensuring(Effect.flatMap(CurrentTenant, (t) => academics.invalidate(t.id)))
        )
      }).pipe(Effect.withSpan("Roster.importPlan"))

    return { importPlan } as const
  })
}) {}
