/**
 * Issue 22 "soft delete and restore": a deleted note, task, call log or
 * event becomes live again (audited, `signet.activities.<kind>.restored`,
 * searchable again); a live one answers Conflict (409); another tenant's,
 * an unknown or malformed id answers ActivityNotFound; only its author or
 * `activities:admin` may restore it.
 */
import { expect, layer } from "@effect/vitest"
import { CreateNote, CreateTask } from "@signet/contracts/activities/Domain"
import { CreateCalendarEvent, CreateCallLog } from "@signet/contracts/activities/Schedule"
import { ActivitiesAdmin as A, type Actor, policyUse } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { inTenant, onboard, outboxCount, type TenantRef, testCore, user } from "./support.js"

const write = policyUse("activities:write")
const read = policyUse("activities:read")
const writeFiles = policyUse("attachments:write")
const readFiles = policyUse("attachments:read")
const PDF = new Uint8Array(
  Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
)

/** A tenant with two teachers; `as(who)` runs an effect in it as `who`. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const mk = (name: string) => user(`${name}@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const actor = (u: { readonly id: string }): Actor => ({ kind: "user", id: u.id, userType: "teacher" })
    const teacher = actor(yield* mk("teacher"))
    const other = actor(yield* mk("other"))
    return {
      target: { target_type: "user", target_id: teacher.id as string },
      teacher,
      other,
      as:
        (who: Actor) =>
        <X, E, R>(eff: Effect.Effect<X, E, R>) =>
          eff.pipe(inTenant(tenant, who))
    }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Restoring soft-deleted activities on ${dialect} (issue 22)`, (it) => {
    it.effect("a deleted note, task, call and event come back, once, audited and published", () =>
      Effect.gen(function* () {
        const w = yield* world("rst-kinds")
        const me = w.as(w.teacher)
        const n = yield* A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...w.target, body: "zebra" })).pipe(
          write,
          me
        )
        const t = yield* A.createTask(Schema.decodeUnknownSync(CreateTask)({ ...w.target, title: "zebra" })).pipe(
          write,
          me
        )
        const c = yield* A.createCall(
          Schema.decodeUnknownSync(CreateCallLog)({
            ...w.target,
            direction: "inbound",
            participants: [{ name: "Parent" }],
            started_at: "2026-03-02T09:00:00Z",
            outcome: "connected"
          })
        ).pipe(write, me)
        const e = yield* A.createEvent(
          Schema.decodeUnknownSync(CreateCalendarEvent)({
            ...w.target,
            title: "zebra",
            starts_at: "2026-03-02T09:00:00Z",
            ends_at: "2026-03-02T10:00:00Z"
          })
        ).pipe(write, me)
        yield* Effect.all([A.deleteNote(n.id), A.deleteTask(t.id), A.deleteCall(c.id), A.deleteEvent(e.id)]).pipe(
          write,
          me
        )
        expect((yield* A.search("zebra").pipe(read, me)).items).toEqual([])
        const restored = yield* Effect.all([
          A.restore("notes", n.id),
          A.restore("tasks", t.id),
          A.restore("calls", c.id),
          A.restore("events", e.id)
        ]).pipe(write, me)
        expect(restored.map((r) => r.kind)).toEqual(["notes", "tasks", "calls", "events"])
        expect((yield* A.getNote(n.id).pipe(read, me)).body_html).toContain("zebra")
        expect((yield* A.getCall(c.id).pipe(read, me)).outcome).toBe("connected")
        expect((yield* A.getEvent(e.id).pipe(read, me)).title).toBe("zebra")
        expect((yield* A.search("zebra").pipe(read, me)).items).toHaveLength(3)
        for (const kind of ["note", "task", "call", "event"])
          expect(yield* outboxCount(`signet.activities.${kind}.restored`)).toBeGreaterThanOrEqual(1)
        const again = yield* Effect.flip(A.restore("tasks", t.id).pipe(write, me))
        expect(again._tag).toBe("Conflict")
      })
    )

    it.effect("another tenant's, an unknown or a malformed id answers ActivityNotFound; nothing is restored", () =>
      Effect.gen(function* () {
        const w = yield* world("rst-iso")
        const v = yield* world("rst-iso-b")
        const n = yield* A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...w.target, body: "x" })).pipe(
          write,
          w.as(w.teacher)
        )
        yield* A.deleteNote(n.id).pipe(write, w.as(w.teacher))
        for (const id of [n.id, "00000000-0000-7000-8000-000000000000", "nope"])
          expect((yield* Effect.flip(A.restore("notes", id).pipe(write, v.as(v.teacher))))._tag).toBe(
            "ActivityNotFound"
          )
        expect((yield* Effect.flip(A.restore("tasks", n.id).pipe(write, w.as(w.teacher))))._tag).toBe(
          "ActivityNotFound"
        )
        expect((yield* Effect.flip(A.getNote(n.id).pipe(read, w.as(w.teacher))))._tag).toBe("ActivityNotFound")
      })
    )

    it.effect("only its author (or activities:admin) may restore it", () =>
      Effect.gen(function* () {
        const w = yield* world("rst-who")
        const t = yield* A.createTask(Schema.decodeUnknownSync(CreateTask)({ ...w.target, title: "t" })).pipe(
          write,
          w.as(w.teacher)
        )
        yield* A.deleteTask(t.id).pipe(write, w.as(w.teacher))
        expect((yield* Effect.flip(A.restore("tasks", t.id).pipe(write, w.as(w.other))))._tag).toBe("Forbidden")
        expect((yield* Effect.flip(A.getTask(t.id).pipe(read, w.as(w.teacher))))._tag).toBe("ActivityNotFound")
        yield* A.restore("tasks", t.id).pipe(write, w.as(w.teacher))
        expect((yield* A.getTask(t.id).pipe(read, w.as(w.teacher))).title).toBe("t")
      })
    )
    it.effect("a deleted attachment comes back with its versions; a live one is a Conflict", () =>
      Effect.gen(function* () {
        const w = yield* world("rst-files")
        const me = w.as(w.teacher)
        const a = yield* A.uploadAttachment({ ...w.target, filename: "plan.pdf" }, PDF).pipe(writeFiles, me)
        yield* A.uploadAttachmentVersion(a.id, PDF, "plan-v2.pdf").pipe(writeFiles, me)
        yield* A.deleteAttachment(a.id).pipe(writeFiles, me)
        expect((yield* Effect.flip(A.getAttachment(a.id).pipe(readFiles, me)))._tag).toBe("ActivityNotFound")
        expect(yield* A.restoreAttachment(a.id).pipe(writeFiles, me)).toMatchObject({ kind: "attachments", id: a.id })
        const back = yield* A.getAttachment(a.id).pipe(readFiles, me)
        expect([back.version, back.filename]).toEqual([2, "plan-v2.pdf"])
        expect((yield* A.listAttachmentVersions(a.id).pipe(readFiles, me)).items.map((v) => v.version)).toEqual([2, 1])
        expect((yield* Effect.flip(A.restoreAttachment(a.id).pipe(writeFiles, me)))._tag).toBe("Conflict")
      })
    )

    it.effect("only an attachment's author (or activities:admin) may restore it", () =>
      Effect.gen(function* () {
        const w = yield* world("rst-files-who")
        const a = yield* A.uploadAttachment({ ...w.target, filename: "x.pdf" }, PDF).pipe(writeFiles, w.as(w.teacher))
        yield* A.deleteAttachment(a.id).pipe(writeFiles, w.as(w.teacher))
        expect((yield* Effect.flip(A.restoreAttachment(a.id).pipe(writeFiles, w.as(w.other))))._tag).toBe("Forbidden")
        expect((yield* Effect.flip(A.getAttachment(a.id).pipe(readFiles, w.as(w.teacher))))._tag).toBe(
          "ActivityNotFound"
        )
      })
    )
  })
}
