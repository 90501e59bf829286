/**
 * Issue 22 (activities, first slice): notes, tasks, reviews and the
 * timeline through the `ActivitiesAdmin` facade, with each caller's
 * permissions — targets checked through their owning module, tenant
 * isolation, authorship, markdown sanitizing, review figures — on both
 * dialects.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import {
  CreateNote,
  CreateTask,
  PutReview,
  RegisterTargetType,
  UpdateNote,
  UpdateTask
} from "@signet/contracts/activities/Domain"
import {
  ActivitiesAdmin as A,
  Academics,
  Access,
  type Actor,
  mentionTokens,
  policyUse,
  renderMarkdown
} from "@signet/core"
import { ACTIVITIES_TABLES } from "@signet/core/activities/Migrations"
import { ownerQuery, testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { inTenant, onboard, outboxCount, type TenantRef, TestDbUrl, testCore, user } from "./support.js"

const note = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateNote)(input)
const task = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateTask)(input)
const review = (input: Record<string, unknown>) => Schema.decodeUnknownSync(PutReview)(input)

/** A tenant with a school, two teachers, a student and a manager. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const mk = (name: string, type: string, extra: Record<string, unknown> = {}) =>
      user(`${name}@${slug}.example.edu`, type, extra).pipe(inTenant(tenant))
    const teacher = yield* mk("teacher", "teacher", { username: "tina" })
    const other = yield* mk("other", "teacher", { username: "otto" })
    const student = yield* mk("student", "student")
    const school = yield* Academics.use((a) =>
      a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name: "S" }))
    ).pipe(inTenant(tenant))
    const actor = (u: { readonly id: string }, userType: string): Actor => ({ kind: "user", id: u.id, userType })
    return {
      tenant,
      school: { target_type: "school", target_id: school.id } as const,
      teacher: actor(teacher, "teacher"),
      other: actor(other, "teacher"),
      student: actor(student, "student"),
      ids: { teacher: teacher.id, other: other.id, student: student.id },
      /** Runs `eff` in the tenant as `who`. */
      as:
        (who: Actor) =>
        <X, E, R>(eff: Effect.Effect<X, E, R>) =>
          eff.pipe(inTenant(tenant, who))
    }
  })

const write = policyUse("activities:write")
const read = policyUse("activities:read")

describe("mention tokens (issue 22)", () => {
  it("finds @username and @id, not e-mail addresses, without trailing dots or duplicates", () => {
    expect(mentionTokens("hi @tina and @otto. mail a@b.example, @tina again")).toEqual(["tina", "otto"])
  })
})

describe("markdown rendering (issue 22)", () => {
  it("removes <script>, javascript: links and onerror attributes", () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="alert(1)">\n\n![i](javascript:alert(2))\n\n**ok**'
    )
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/href="javascript:/i)
    expect(html).not.toMatch(/<img[^>]*onerror/i)
    expect(html).not.toMatch(/src="javascript:/i)
    expect(html).toContain("<strong>ok</strong>")
  })

  it("keeps https links with rel=nofollow", () => {
    expect(renderMarkdown("[s](https://example.org/a)")).toContain(
      '<a href="https://example.org/a" rel="nofollow noopener noreferrer">s</a>'
    )
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Activities on ${dialect} (issue 22)`, (it) => {
    it.effect("a teacher creates, reads, updates and soft-deletes a note on a school", () =>
      Effect.gen(function* () {
        const w = yield* world("act-note")
        const created = yield* A.createNote(note({ ...w.school, body: "Hello **world**", priority: "high" })).pipe(
          write,
          w.as(w.teacher)
        )
        expect(created).toMatchObject({ author_id: w.ids.teacher, priority: "high", pinned: false })
        expect(created.body_html).toContain("<strong>world</strong>")
        const updated = yield* A.updateNote(created.id, Schema.decodeUnknownSync(UpdateNote)({ pinned: true })).pipe(
          write,
          w.as(w.teacher)
        )
        expect(updated.pinned).toBe(true)
        expect((yield* A.listNotes(w.school).pipe(read, w.as(w.other))).items.map((n) => n.id)).toEqual([created.id])
        yield* A.deleteNote(created.id).pipe(write, w.as(w.teacher))
        expect((yield* A.listNotes(w.school).pipe(read, w.as(w.teacher))).items).toEqual([])
        const gone = yield* A.getNote(created.id).pipe(read, w.as(w.teacher), Effect.flip)
        expect(gone._tag).toBe("ActivityNotFound")
      })
    )

    it.effect("a note stores sanitized HTML only on read: the XSS payload is kept as text, not markup", () =>
      Effect.gen(function* () {
        const w = yield* world("act-xss")
        const n = yield* A.createNote(
          note({ ...w.school, body: "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>" })
        ).pipe(write, w.as(w.teacher))
        expect(n.body).toContain("<script>")
        expect(n.body_html).not.toMatch(/<script|href="javascript:|<img/i)
      })
    )

    it.effect("another teacher cannot change a note they did not write (Forbidden), nothing changes", () =>
      Effect.gen(function* () {
        const w = yield* world("act-author")
        const n = yield* A.createNote(note({ ...w.school, body: "mine" })).pipe(write, w.as(w.teacher))
        const refused = yield* A.updateNote(n.id, Schema.decodeUnknownSync(UpdateNote)({ body: "theirs" })).pipe(
          write,
          w.as(w.other),
          Effect.flip
        )
        expect(refused._tag).toBe("Forbidden")
        expect((yield* A.getNote(n.id).pipe(read, w.as(w.teacher))).body).toBe("mine")
      })
    )

    it.effect("a student cannot write activities (no activities:write)", () =>
      Effect.gen(function* () {
        const w = yield* world("act-student")
        const refused = yield* A.createNote(note({ ...w.school, body: "x" })).pipe(write, w.as(w.student), Effect.flip)
        expect(refused._tag).toBe("Forbidden")
      })
    )

    it.effect("mentions by username and by id publish one note.mentioned event each", () =>
      Effect.gen(function* () {
        const w = yield* world("act-mention")
        const before = yield* outboxCount("signet.activities.note.mentioned")
        const n = yield* A.createNote(
          note({ ...w.school, body: `ping @otto and @${w.ids.student} and @nobody-here` })
        ).pipe(write, w.as(w.teacher))
        expect([...n.mentions].sort()).toEqual([w.ids.other, w.ids.student].sort())
        expect((yield* outboxCount("signet.activities.note.mentioned")) - before).toBe(2)
      })
    )

    it.effect("only the first 40 @-tokens of a note are looked up: a username after them is not mentioned", () =>
      Effect.gen(function* () {
        const w = yield* world("act-mention-cap")
        const ghosts = Array.from({ length: 40 }, (_, i) => `@ghost${i}`).join(" ")
        const late = yield* A.createNote(note({ ...w.school, body: `${ghosts} @otto` })).pipe(write, w.as(w.teacher))
        expect(late.mentions).toEqual([])
        const early = yield* A.createNote(note({ ...w.school, body: `@otto ${ghosts}` })).pipe(write, w.as(w.teacher))
        expect(early.mentions).toEqual([w.ids.other])
      })
    )

    it.effect("an assignee that is not a user of the tenant is refused (400), nothing written", () =>
      Effect.gen(function* () {
        const w = yield* world("act-assignee")
        const refused = yield* A.createNote(
          note({ ...w.school, body: "x", assignee_id: "0190a000-0000-7000-8000-000000000001" })
        ).pipe(write, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("ValidationError")
        expect((yield* A.listNotes(w.school).pipe(read, w.as(w.teacher))).items).toEqual([])
      })
    )

    it.effect("another tenant's school is a 404 target, and its notes are 404", () =>
      Effect.gen(function* () {
        const w = yield* world("act-iso-a")
        const v = yield* world("act-iso-b")
        const n = yield* A.createNote(note({ ...v.school, body: "b" })).pipe(write, v.as(v.teacher))
        const refused = yield* A.createNote(note({ ...v.school, body: "x" })).pipe(write, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("TargetNotFound")
        expect((yield* A.getNote(n.id).pipe(read, w.as(w.teacher), Effect.flip))._tag).toBe("ActivityNotFound")
        const foreignTenant = { target_type: "tenant", target_id: v.tenant.id } as const
        expect((yield* A.timeline(foreignTenant).pipe(read, w.as(w.teacher), Effect.flip))._tag).toBe("TargetNotFound")
      })
    )

    it.effect("a target the caller may not read through its module (academics:read denied) is a 404", () =>
      Effect.gen(function* () {
        const w = yield* world("act-hidden")
        yield* Access.use((a) => a.setUserOverride(w.ids.other as never, "academics:read", "deny")).pipe(
          policyUse("roles:write"),
          inTenant(w.tenant)
        )
        const refused = yield* A.timeline(w.school).pipe(read, w.as(w.other), Effect.flip)
        expect(refused._tag).toBe("TargetNotFound")
        expect((yield* A.timeline(w.school).pipe(read, w.as(w.teacher))).items).toEqual([])
      })
    )

    it.effect("an unregistered custom type is a 404 target; once registered it takes activities", () =>
      Effect.gen(function* () {
        const w = yield* world("act-custom")
        const target = { target_type: "x-invoice", target_id: "INV-42" }
        const refused = yield* A.createNote(note({ ...target, body: "x" })).pipe(write, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("TargetNotFound")
        yield* A.registerTargetType(Schema.decodeUnknownSync(RegisterTargetType)({ name: "x-invoice" })).pipe(
          policyUse("activities:admin"),
          inTenant(w.tenant)
        )
        yield* A.createNote(note({ ...target, body: "x" })).pipe(write, w.as(w.teacher))
        expect((yield* A.listNotes(target).pipe(read, w.as(w.teacher))).items).toHaveLength(1)
      })
    )

    it("a custom type name outside x-[a-z0-9_-] is refused by the contract", () => {
      expect(() => Schema.decodeUnknownSync(RegisterTargetType)({ name: "course" })).toThrow()
      expect(() => Schema.decodeUnknownSync(RegisterTargetType)({ name: "x-Bad!" })).toThrow()
    })

    it.effect("tasks follow the allowed transitions; done sets completed_at", () =>
      Effect.gen(function* () {
        const w = yield* world("act-task")
        const t = yield* A.createTask(
          task({ ...w.school, title: "Call parents", due_at: "2026-12-01T17:00:00Z", due_time_zone: "Europe/Paris" })
        ).pipe(write, w.as(w.teacher))
        expect(t).toMatchObject({ status: "todo", due_time_zone: "Europe/Paris", completed_at: null })
        const upd = (status: string) =>
          A.updateTask(t.id, Schema.decodeUnknownSync(UpdateTask)({ status })).pipe(write, w.as(w.teacher))
        const done = yield* upd("done")
        expect(done.completed_at).not.toBeNull()
        expect((yield* Effect.flip(upd("in_progress")))._tag).toBe("ValidationError")
        expect((yield* upd("todo")).completed_at).toBeNull()
      })
    )

    it.effect("an unknown time zone is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("act-tz")
        const refused = yield* A.createTask(
          task({ ...w.school, title: "x", due_at: "2026-12-01T17:00:00Z", due_time_zone: "Mars/Olympus" })
        ).pipe(write, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("ValidationError")
      })
    )

    it.effect("tasks list by assignee (mine) and by status", () =>
      Effect.gen(function* () {
        const w = yield* world("act-mine")
        const a = yield* A.createTask(task({ ...w.school, title: "a", assignee_id: w.ids.other })).pipe(
          write,
          w.as(w.teacher)
        )
        yield* A.createTask(task({ ...w.school, title: "b" })).pipe(write, w.as(w.teacher))
        const mine = yield* A.listTasks({ mine: true }).pipe(read, w.as(w.other))
        expect(mine.items.map((x) => x.id)).toEqual([a.id])
        // The assignee may move their task along.
        yield* A.updateTask(a.id, Schema.decodeUnknownSync(UpdateTask)({ status: "in_progress" })).pipe(
          write,
          w.as(w.other)
        )
        const progressing = yield* A.listTasks({ status: "in_progress" }).pipe(read, w.as(w.teacher))
        expect(progressing.items.map((x) => x.id)).toEqual([a.id])
      })
    )

    it.effect("one review per reviewer per target: a second replaces the first; figures follow", () =>
      Effect.gen(function* () {
        const w = yield* world("act-review")
        const first = yield* A.putReview(review({ ...w.school, rating: 2 })).pipe(write, w.as(w.teacher))
        const again = yield* A.putReview(review({ ...w.school, rating: 4, comment: "better" })).pipe(
          write,
          w.as(w.teacher)
        )
        expect(again.id).toBe(first.id)
        yield* A.putReview(review({ ...w.school, rating: 5 })).pipe(write, w.as(w.other))
        const s = yield* A.reviewSummary(w.school).pipe(read, w.as(w.teacher))
        expect(s).toMatchObject({ count: 2, average: 4.5, distribution: { "1": 0, "2": 0, "3": 0, "4": 1, "5": 1 } })
      })
    )

    it("a note body over 64 KiB of UTF-8 is refused by the contract", () => {
      const base = { target_type: "tenant", target_id: "t" }
      expect(() => note({ ...base, body: "é".repeat(32_769) })).toThrow(/65536 bytes/)
      expect(note({ ...base, body: "é".repeat(32_768) }).body).toHaveLength(32_768)
    })

    it("a rating outside 1–5 is refused by the contract", () => {
      expect(() => review({ target_type: "school", target_id: "x", rating: 6 })).toThrow()
      expect(() => review({ target_type: "school", target_id: "x", rating: 2.5 })).toThrow()
    })

    it.effect("the timeline merges notes, tasks and reviews newest first, page by page", () =>
      Effect.gen(function* () {
        const w = yield* world("act-timeline")
        const n1 = yield* A.createNote(note({ ...w.school, body: "n1" })).pipe(write, w.as(w.teacher))
        const t1 = yield* A.createTask(task({ ...w.school, title: "t1" })).pipe(write, w.as(w.teacher))
        const r1 = yield* A.putReview(review({ ...w.school, rating: 3 })).pipe(write, w.as(w.teacher))
        const n2 = yield* A.createNote(note({ ...w.school, body: "n2" })).pipe(write, w.as(w.teacher))
        const key = (i: { readonly _tag: string } & Record<string, any>) => `${i._tag}:${i[i._tag].id}`
        const p1 = yield* A.timeline(w.school, { limit: 3 }).pipe(read, w.as(w.teacher))
        expect(p1.items.map(key)).toEqual([`note:${n2.id}`, `review:${r1.id}`, `task:${t1.id}`])
        expect(p1.next_cursor).not.toBeNull()
        const p2 = yield* A.timeline(w.school, { limit: 3, cursor: p1.next_cursor! }).pipe(read, w.as(w.teacher))
        expect(p2.items.map(key)).toEqual([`note:${n1.id}`])
        expect(p2.next_cursor).toBeNull()
      })
    )

    if (dialect === "pg")
      it.effect("every activities table forces row-level security; the app role sees no row without a tenant", () =>
        Effect.gen(function* () {
          const w = yield* world("act-rls")
          yield* A.createNote(note({ ...w.school, body: "x" })).pipe(write, w.as(w.teacher))
          const url = yield* TestDbUrl
          const forced = yield* Effect.promise(() =>
            ownerQuery(url, "SELECT relname FROM pg_class WHERE relforcerowsecurity AND relname = ANY($1)", [
              [...ACTIVITIES_TABLES]
            ])
          )
          expect(forced.map((r: { relname: string }) => r.relname).sort()).toEqual([...ACTIVITIES_TABLES].sort())
          const sql = yield* SqlClient.SqlClient
          expect(yield* sql.unsafe("SELECT * FROM activity_notes")).toHaveLength(0)
        })
      )

    it.effect("a page size over 100 is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("act-limit")
        const refused = yield* A.timeline(w.school, { limit: 101 }).pipe(read, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("ValidationError")
      })
    )
  })
}
