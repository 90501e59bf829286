/**
 * Issue 22 retention ("deleted with their target's retention rules"): the
 * purge deletes soft-deleted activities past the tenant's
 * `activities.deleted_retention_days` (default 30) for good, with their
 * attachment versions and the blobs no other version references; recent
 * deletions stay restorable, live activities and shared blobs stay, and
 * another tenant's rows are untouched. Audited once per run. A deleted
 * school's activities are soft-deleted (events subscriber), then purged.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import { CreateNote, CreateTask } from "@signet/contracts/activities/Domain"
import { CreateCalendarEvent, CreateCallLog } from "@signet/contracts/activities/Schedule"
import {
  ActivitiesAdmin as A,
  Academics,
  Activities,
  AttachmentStore,
  Core,
  Crypto,
  Db,
  Events,
  policyUse,
  Tenancy
} from "@signet/core"
import { makeTestDatabase, type TestDialect, testDialects } from "@signet/core/testing"
import { Effect, Layer, Option, Schema, TestClock } from "effect"
import { inTenant, onboard, type TenantRef } from "./support.js"

const write = policyUse("activities:write")
const writeFiles = policyUse("attachments:write")
const readFiles = policyUse("attachments:read")
const PDF = new Uint8Array(
  Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
)
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

/** The core on a fresh database with an in-memory blob store the tests can look into. */
const testCoreWithStore = (dialect: TestDialect) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => makeTestDatabase(dialect)),
        (d) => Effect.promise(() => d.dispose())
      )
      const store = Layer.succeed(
        AttachmentStore,
        Effect.runSync(Effect.provide(AttachmentStore, AttachmentStore.memory))
      )
      return Layer.merge(
        Core.layer({ databaseUrl: db.url, pgPoolSize: 4, envelope: Crypto.EnvelopeEphemeral, attachmentStore: store }),
        store
      )
    })
  )

/** A fresh tenant; `run` runs an effect in it (as the test operator); `target` is the tenant itself. */
const tenantOf = (slug: string) =>
  Effect.map(onboard(slug), (raw) => {
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    return {
      tenant,
      target: { target_type: "tenant", target_id: tenant.id as string },
      run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant))
    }
  })

type World = Effect.Effect.Success<ReturnType<typeof tenantOf>>

/** The purge of the current tenant with the default 30-day window. */
const purge = Activities.use((a) => a.purge.purgeDeleted(30))

/** Rows of `table` of the tenant, deleted ones included. */
const count = (w: World, table: string) =>
  w.run(
    Db.tenantTx(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`SELECT COUNT(*) AS n FROM ${sql(table)} WHERE tenant_id = ${w.tenant.id}`
      ).pipe(
        Effect.map((r) => Number((r[0] as { n: unknown }).n)),
        Effect.orDie
      )
    )
  )

/** Whether the store holds the tenant's blob `sha256`. */
const hasBlob = (w: World, sha256: string) =>
  Effect.flatMap(AttachmentStore, (s) => s.get({ tenant_id: w.tenant.id, sha256 })).pipe(Effect.map(Option.isSome))

/** Live notes of `target_id` in the tenant. */
const liveNotes = (w: World, targetId: string) =>
  w.run(
    Db.tenantTx(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`SELECT COUNT(*) AS n FROM activity_notes WHERE tenant_id = ${w.tenant.id}
          AND target_id = ${targetId} AND deleted_at IS NULL`
      ).pipe(
        Effect.map((r) => Number((r[0] as { n: unknown }).n)),
        Effect.orDie
      )
    )
  )

/** Delivers every pending event to its subscribers. */
const drain = Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 }))

/** A school of the tenant with a note on it. */
const schoolWithNote = (w: World, name: string) =>
  w.run(
    Effect.gen(function* () {
      const school = yield* Academics.use((a) => a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name })))
      const target = { target_type: "school", target_id: school.id as string }
      yield* A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...target, body: name })).pipe(write)
      return { school, target }
    })
  )

/** A note, task, call and event on the tenant, then deleted. */
const deleteOneOfEach = (w: World) =>
  w.run(
    Effect.gen(function* () {
      const n = yield* A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...w.target, body: "old" })).pipe(write)
      const t = yield* A.createTask(Schema.decodeUnknownSync(CreateTask)({ ...w.target, title: "old" })).pipe(write)
      const c = yield* A.createCall(
        Schema.decodeUnknownSync(CreateCallLog)({
          ...w.target,
          direction: "inbound",
          participants: [{ name: "Parent" }],
          started_at: "2026-03-02T09:00:00Z",
          outcome: "connected",
          note_id: n.id
        })
      ).pipe(write)
      const e = yield* A.createEvent(
        Schema.decodeUnknownSync(CreateCalendarEvent)({
          ...w.target,
          title: "old",
          starts_at: "2026-03-02T09:00:00Z",
          ends_at: "2026-03-02T10:00:00Z"
        })
      ).pipe(write)
      yield* Effect.all([A.deleteNote(n.id), A.deleteTask(t.id), A.deleteCall(c.id), A.deleteEvent(e.id)]).pipe(write)
      return { n, t, c, e }
    })
  )

for (const dialect of testDialects()) {
  layer(testCoreWithStore(dialect), { timeout: 120_000 })(
    `Purging soft-deleted activities on ${dialect} (issue 22)`,
    (it) => {
      it.effect("notes, tasks, calls and events deleted past the window are deleted for good", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-kinds")
          yield* deleteOneOfEach(w)
          yield* TestClock.adjust("31 days")
          const counts = yield* w.run(purge)
          expect(counts).toMatchObject({ notes: 1, tasks: 1, calls: 1, events: 1 })
          for (const table of ["activity_notes", "activity_tasks", "activity_calls", "activity_events"])
            expect(yield* count(w, table)).toBe(0)
        })
      )

      it.effect("a run that purged is audited once with its counts", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-audit")
          yield* deleteOneOfEach(w)
          yield* TestClock.adjust("31 days")
          yield* w.run(purge)
          yield* w.run(purge)
          const rows = yield* w.run(
            Db.tenantTx(
              Effect.flatMap(
                SqlClient.SqlClient,
                (sql) =>
                  sql<{ after: unknown }>`SELECT after FROM audit_logs WHERE tenant_id = ${w.tenant.id}
                  AND action = 'activities.purged'`
              ).pipe(Effect.orDie)
            )
          )
          expect(rows).toHaveLength(1)
          const after = typeof rows[0]!.after === "string" ? JSON.parse(rows[0]!.after) : rows[0]!.after
          expect(after).toMatchObject({ notes: 1, tasks: 1, calls: 1, events: 1, retention_days: 30 })
        })
      )

      it.effect("a deletion inside the window stays restorable", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-recent")
          const { n } = yield* deleteOneOfEach(w)
          yield* TestClock.adjust("29 days")
          expect(yield* w.run(purge)).toMatchObject({ notes: 0, tasks: 0, calls: 0, events: 0 })
          yield* w.run(A.restore("notes", n.id).pipe(write))
          expect((yield* w.run(A.getNote(n.id).pipe(policyUse("activities:read")))).id).toBe(n.id)
        })
      )

      it.effect("live activities stay however old they are", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-live")
          yield* w.run(A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...w.target, body: "keep" })).pipe(write))
          yield* TestClock.adjust("400 days")
          yield* w.run(purge)
          expect(yield* count(w, "activity_notes")).toBe(1)
        })
      )

      it.effect("an expired attachment goes with its versions and the blobs only it used", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-files")
          const a = yield* w.run(A.uploadAttachment({ ...w.target, filename: "a.pdf" }, PDF).pipe(writeFiles))
          const v2 = yield* w.run(A.uploadAttachmentVersion(a.id, PNG, "a.png").pipe(writeFiles))
          yield* w.run(A.deleteAttachment(a.id).pipe(writeFiles))
          yield* TestClock.adjust("31 days")
          expect(yield* w.run(purge)).toMatchObject({ attachments: 1, blobs: 2 })
          for (const table of ["activity_attachments", "activity_attachment_versions", "activity_attachment_blobs"])
            expect(yield* count(w, table)).toBe(0)
          expect(yield* hasBlob(w, a.sha256)).toBe(false)
          expect(yield* hasBlob(w, v2.sha256)).toBe(false)
        })
      )

      it.effect("a blob shared with a live attachment stays", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-shared")
          const gone = yield* w.run(A.uploadAttachment({ ...w.target, filename: "a.pdf" }, PDF).pipe(writeFiles))
          const live = yield* w.run(A.uploadAttachment({ ...w.target, filename: "b.pdf" }, PDF).pipe(writeFiles))
          yield* w.run(A.deleteAttachment(gone.id).pipe(writeFiles))
          yield* TestClock.adjust("31 days")
          expect(yield* w.run(purge)).toMatchObject({ attachments: 1, blobs: 0 })
          expect(yield* hasBlob(w, live.sha256)).toBe(true)
          const content = yield* w.run(A.attachmentContent(live.id).pipe(readFiles))
          expect(Buffer.from(content.bytes).equals(Buffer.from(PDF))).toBe(true)
        })
      )

      it.effect("a blob shared with a recently deleted attachment stays, so it can be restored", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-shared-del")
          const old = yield* w.run(A.uploadAttachment({ ...w.target, filename: "a.pdf" }, PDF).pipe(writeFiles))
          yield* w.run(A.deleteAttachment(old.id).pipe(writeFiles))
          yield* TestClock.adjust("20 days")
          const recent = yield* w.run(A.uploadAttachment({ ...w.target, filename: "b.pdf" }, PDF).pipe(writeFiles))
          yield* w.run(A.deleteAttachment(recent.id).pipe(writeFiles))
          yield* TestClock.adjust("11 days")
          expect(yield* w.run(purge)).toMatchObject({ attachments: 1, blobs: 0 })
          yield* w.run(A.restoreAttachment(recent.id).pipe(writeFiles))
          const content = yield* w.run(A.attachmentContent(recent.id).pipe(readFiles))
          expect(Buffer.from(content.bytes).equals(Buffer.from(PDF))).toBe(true)
        })
      )

      it.effect("another tenant's deleted activities are untouched by a tenant's purge", () =>
        Effect.gen(function* () {
          const a = yield* tenantOf("purge-iso-a")
          const b = yield* tenantOf("purge-iso-b")
          yield* deleteOneOfEach(a)
          const theirs = yield* deleteOneOfEach(b)
          const file = yield* b.run(A.uploadAttachment({ ...b.target, filename: "b.pdf" }, PDF).pipe(writeFiles))
          yield* b.run(A.deleteAttachment(file.id).pipe(writeFiles))
          yield* TestClock.adjust("31 days")
          expect(yield* a.run(purge)).toMatchObject({ notes: 1 })
          expect(yield* count(b, "activity_notes")).toBe(1)
          expect(yield* count(b, "activity_attachments")).toBe(1)
          expect(yield* hasBlob(b, file.sha256)).toBe(true)
          yield* b.run(A.restore("notes", theirs.n.id).pipe(write))
        })
      )

      it.effect("a deleted school's activities are soft-deleted, then purged after the window", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-target")
          const { school, target } = yield* schoolWithNote(w, "Closing school")
          const file = yield* w.run(A.uploadAttachment({ ...target, filename: "a.pdf" }, PDF).pipe(writeFiles))
          yield* w.run(Academics.use((a) => a.deleteSchool(school.id)))
          yield* drain
          expect(yield* liveNotes(w, school.id)).toBe(0)
          expect(yield* count(w, "activity_notes")).toBe(1)
          yield* TestClock.adjust("31 days")
          expect(yield* w.run(purge)).toMatchObject({ notes: 1, attachments: 1, blobs: 1 })
          expect(yield* hasBlob(w, file.sha256)).toBe(false)
        })
      )

      it.effect("another school's activities stay live when a school is deleted", () =>
        Effect.gen(function* () {
          const w = yield* tenantOf("purge-target-other")
          const gone = yield* schoolWithNote(w, "Closing school")
          const kept = yield* schoolWithNote(w, "Open school")
          yield* w.run(Academics.use((a) => a.deleteSchool(gone.school.id)))
          yield* drain
          expect(yield* liveNotes(w, kept.school.id)).toBe(1)
        })
      )

      it.effect("the run over all tenants uses each tenant's window", () =>
        Effect.gen(function* () {
          const short = yield* tenantOf("purge-all-short")
          const long = yield* tenantOf("purge-all-long")
          yield* long.run(Tenancy.use((t) => t.putSetting(long.tenant.slug, "activities.deleted_retention_days", 90)))
          yield* deleteOneOfEach(short)
          yield* deleteOneOfEach(long)
          yield* TestClock.adjust("31 days")
          yield* Effect.flatMap(Tenancy, (t) => Activities.use((a) => a.purge.purgeAllTenants(t)))
          expect(yield* count(short, "activity_notes")).toBe(0)
          expect(yield* count(long, "activity_notes")).toBe(1)
        })
      )
    }
  )
}
