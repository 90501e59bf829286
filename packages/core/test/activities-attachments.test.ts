/**
 * Issue 22 (activities, attachments) through the `ActivitiesAdmin` facade
 * on both dialects: upload typed by its bytes, de-duplication by SHA-256,
 * versions and downloads, the 413 and 415 refusals (nothing written),
 * another tenant's attachment and invisible targets (404), delete, rights.
 */

import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import { MAX_ACTIVITY_ATTACHMENT_BYTES, MAX_ATTACHMENT_VERSIONS } from "@signet/contracts/activities/Attachments"
import { CreateNote } from "@signet/contracts/activities/Domain"
import {
  ActivitiesAdmin as A,
  Academics,
  type Actor,
  BillingAdmin,
  BillingPlatform,
  CreateSubscription,
  Db,
  policyUse
} from "@signet/core"
import { sniffType, storedFilename } from "@signet/core/activities/AttachmentFiles"
import { ATTACHMENT_STORAGE_LIMIT } from "@signet/core/activities/Attachments"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asOperator, planBody } from "./billing-support.js"
import { inTenant, onboard, outboxCount, type TenantRef, testCore, user } from "./support.js"

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"))
const PDF = bytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
/** A Windows executable's header (`MZ`), renamed `.pdf` by the client. */
const EXE = bytes("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.")

/** A tenant with a school and two teachers. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const teacher = yield* user(`teacher@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const other = yield* user(`other@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const school = yield* Academics.use((a) =>
      a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name: "S" }))
    ).pipe(inTenant(tenant))
    const actor = (id: string): Actor => ({ kind: "user", id, userType: "teacher" })
    return {
      tenant,
      school: { target_type: "school", target_id: school.id } as const,
      run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor(teacher.id))),
      runOther: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor(other.id)))
    }
  })

const write = policyUse("attachments:write")
const read = policyUse("attachments:read")

/** Rows of one of the tenant's attachment tables. */
const rows = (tenant: TenantRef, table: string) =>
  Db.tenantTx(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`SELECT COUNT(*) AS n FROM ${sql(table)} WHERE tenant_id = ${tenant.id}`
    ).pipe(
      Effect.map((r) => Number((r[0] as { n: unknown }).n)),
      Effect.orDie
    )
  ).pipe(inTenant(tenant))

describe("attachment types by their bytes (issue 22)", () => {
  it("recognises PDF, PNG, GIF, text and CSV, and refuses an executable named .pdf", () => {
    expect(sniffType(Buffer.from(PDF), "a.pdf")).toBe("application/pdf")
    expect(sniffType(Buffer.from(PNG), "a.bin")).toBe("image/png")
    expect(sniffType(Buffer.from("GIF89a...."), "a")).toBe("image/gif")
    expect(sniffType(Buffer.from("a,b\n1,2\n"), "marks.CSV")).toBe("text/csv")
    expect(sniffType(Buffer.from("hello\n"), "readme")).toBe("text/plain")
    expect(sniffType(Buffer.from(EXE), "invoice.pdf")).toBeUndefined()
  })

  it("stores a safe base name ending in the checked type's extension", () => {
    expect(storedFilename("../../etc/pass\u202ewd.pdf", "application/pdf")).toBe("passwd.pdf")
    expect(storedFilename("photo.exe", "image/png")).toBe("photo.exe.png")
    expect(storedFilename("...", "text/plain")).toBe("attachment.txt")
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Attachments on ${dialect} (issue 22)`, (it) => {
    it.effect("an upload is typed by its bytes, version 1, and downloads as uploaded", () =>
      Effect.gen(function* () {
        const w = yield* world("att-upload")
        const before = yield* outboxCount("signet.activities.attachment.created")
        const a = yield* A.uploadAttachment({ ...w.school, filename: "Plan 2026.pdf" }, PDF).pipe(write, w.run)
        expect(a).toMatchObject({ version: 1, content_type: "application/pdf", filename: "Plan 2026.pdf" })
        expect(a.size_bytes).toBe(PDF.length)
        expect(a.sha256).toMatch(/^[0-9a-f]{64}$/)
        const file = yield* A.attachmentContent(a.id).pipe(read, w.run)
        expect(Buffer.from(file.bytes).equals(Buffer.from(PDF))).toBe(true)
        expect(file.content_type).toBe("application/pdf")
        expect((yield* outboxCount("signet.activities.attachment.created")) - before).toBe(1)
      })
    )

    it.effect("the same bytes uploaded twice are stored once (one blob per hash in the tenant)", () =>
      Effect.gen(function* () {
        const w = yield* world("att-dedup")
        const one = yield* A.uploadAttachment({ ...w.school, filename: "a.png" }, PNG).pipe(write, w.run)
        const two = yield* A.uploadAttachment({ ...w.school, filename: "b.png" }, PNG).pipe(write, w.run)
        expect(one.id).not.toBe(two.id)
        expect(one.sha256).toBe(two.sha256)
        expect(yield* rows(w.tenant, "activity_attachment_blobs")).toBe(1)
        expect((yield* A.listAttachments(w.school).pipe(read, w.run)).items.map((x) => x.id)).toEqual([two.id, one.id])
      })
    )

    it.effect("a new version keeps the earlier one; downloads take the latest or a given version", () =>
      Effect.gen(function* () {
        const w = yield* world("att-versions")
        const a = yield* A.uploadAttachment({ ...w.school, filename: "scan.pdf" }, PDF).pipe(write, w.run)
        const v2 = yield* A.uploadAttachmentVersion(a.id, PNG, "scan.png").pipe(write, w.run)
        expect(v2).toMatchObject({ id: a.id, version: 2, content_type: "image/png", filename: "scan.png" })
        const versions = yield* A.listAttachmentVersions(a.id).pipe(read, w.run)
        expect(versions.items.map((v) => [v.version, v.content_type])).toEqual([
          [2, "image/png"],
          [1, "application/pdf"]
        ])
        expect(Buffer.from((yield* A.attachmentContent(a.id).pipe(read, w.run)).bytes).equals(Buffer.from(PNG))).toBe(
          true
        )
        const first = yield* A.attachmentContent(a.id, 1).pipe(read, w.run)
        expect([first.content_type, first.filename]).toEqual(["application/pdf", "scan.pdf"])
        expect((yield* A.attachmentContent(a.id, 3).pipe(read, w.run, Effect.flip))._tag).toBe("ActivityNotFound")
      })
    )

    it.effect("a file over 10 MiB is refused with 413 AttachmentTooLarge and nothing is written", () =>
      Effect.gen(function* () {
        const w = yield* world("att-413")
        const big = new Uint8Array(MAX_ACTIVITY_ATTACHMENT_BYTES + 1).fill(0x61)
        const refused = yield* A.uploadAttachment({ ...w.school, filename: "big.txt" }, big).pipe(
          write,
          w.run,
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "AttachmentTooLarge", limit: "file" })
        expect(yield* rows(w.tenant, "activity_attachments")).toBe(0)
        expect(yield* rows(w.tenant, "activity_attachment_blobs")).toBe(0)
      })
    )

    it.effect("an executable renamed .pdf is refused with 415 and nothing is written", () =>
      Effect.gen(function* () {
        const w = yield* world("att-415")
        const refused = yield* A.uploadAttachment({ ...w.school, filename: "invoice.pdf" }, EXE).pipe(
          write,
          w.run,
          Effect.flip
        )
        expect(refused._tag).toBe("UnsupportedAttachmentType")
        expect(yield* rows(w.tenant, "activity_attachments")).toBe(0)
      })
    )

    it.effect("a PDF carrying an HTML script is refused with 415", () =>
      Effect.gen(function* () {
        const w = yield* world("att-active")
        const polyglot = bytes("%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF")
        const refused = yield* A.uploadAttachment({ ...w.school, filename: "x.pdf" }, polyglot).pipe(
          write,
          w.run,
          Effect.flip
        )
        expect(refused._tag).toBe("UnsupportedAttachmentType")
      })
    )

    it.effect("another tenant's attachment answers 404, and so does an upload to its school", () =>
      Effect.gen(function* () {
        const w = yield* world("att-tenant-a")
        const a = yield* A.uploadAttachment({ ...w.school, filename: "a.pdf" }, PDF).pipe(write, w.run)
        const b = yield* world("att-tenant-b")
        expect((yield* A.getAttachment(a.id).pipe(read, b.run, Effect.flip))._tag).toBe("ActivityNotFound")
        expect((yield* A.attachmentContent(a.id).pipe(read, b.run, Effect.flip))._tag).toBe("ActivityNotFound")
        expect((yield* A.deleteAttachment(a.id).pipe(write, b.run, Effect.flip))._tag).toBe("ActivityNotFound")
        const foreign = yield* A.uploadAttachment({ ...w.school, filename: "x.pdf" }, PDF).pipe(
          write,
          b.run,
          Effect.flip
        )
        expect(foreign._tag).toBe("TargetNotFound")
      })
    )

    it.effect("an unknown or unregistered target answers 404 TargetNotFound", () =>
      Effect.gen(function* () {
        const w = yield* world("att-invisible")
        const missing = { target_type: "school", target_id: crypto.randomUUID() } as const
        const custom = { target_type: "x-invoice", target_id: "INV-1" } as const
        for (const target of [missing, custom]) {
          const refused = yield* A.uploadAttachment({ ...target, filename: "a.pdf" }, PDF).pipe(
            write,
            w.run,
            Effect.flip
          )
          expect(refused._tag).toBe("TargetNotFound")
        }
      })
    )

    it.effect("a deleted attachment leaves the list and answers 404; its blob stays for its versions", () =>
      Effect.gen(function* () {
        const w = yield* world("att-delete")
        const a = yield* A.uploadAttachment({ ...w.school, filename: "a.pdf" }, PDF).pipe(write, w.run)
        yield* A.deleteAttachment(a.id).pipe(write, w.run)
        expect((yield* A.listAttachments(w.school).pipe(read, w.run)).items).toEqual([])
        expect((yield* A.getAttachment(a.id).pipe(read, w.run, Effect.flip))._tag).toBe("ActivityNotFound")
        expect(yield* rows(w.tenant, "activity_attachment_blobs")).toBe(1)
      })
    )

    it.effect(`the version after ${MAX_ATTACHMENT_VERSIONS} is refused (400) and stores nothing`, () =>
      Effect.gen(function* () {
        const w = yield* world("att-max-versions")
        const text = (i: number) => bytes(`version ${i}\n`)
        const a = yield* A.uploadAttachment({ ...w.school, filename: "v.txt" }, text(1)).pipe(write, w.run)
        for (let i = 2; i <= MAX_ATTACHMENT_VERSIONS; i++)
          yield* A.uploadAttachmentVersion(a.id, text(i)).pipe(write, w.run)
        const refused = yield* A.uploadAttachmentVersion(a.id, text(0)).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "version" }] })
        expect(yield* rows(w.tenant, "activity_attachment_blobs")).toBe(MAX_ATTACHMENT_VERSIONS)
      })
    )

    it.effect("the timeline shows an attachment beside a note, newest first", () =>
      Effect.gen(function* () {
        const w = yield* world("att-timeline")
        yield* A.createNote(Schema.decodeUnknownSync(CreateNote)({ ...w.school, body: "n" })).pipe(
          policyUse("activities:write"),
          w.run
        )
        const a = yield* A.uploadAttachment({ ...w.school, filename: "a.pdf" }, PDF).pipe(write, w.run)
        const page = yield* A.timeline(w.school).pipe(policyUse("activities:read"), w.run)
        expect(page.items.map((i) => i._tag)).toEqual(["attachment", "note"])
        expect(page.items[0]).toMatchObject({ attachment: { id: a.id } })
      })
    )

    it.effect("another teacher may not add a version or delete it (403)", () =>
      Effect.gen(function* () {
        const w = yield* world("att-rights")
        const a = yield* A.uploadAttachment({ ...w.school, filename: "a.pdf" }, PDF).pipe(write, w.run)
        expect((yield* A.uploadAttachmentVersion(a.id, PNG).pipe(write, w.runOther, Effect.flip))._tag).toBe(
          "Forbidden"
        )
        expect((yield* A.deleteAttachment(a.id).pipe(write, w.runOther, Effect.flip))._tag).toBe("Forbidden")
      })
    )

    it.effect(
      "a plan's attachments.storage_bytes refuses an upload past it (402 QuotaExceeded, nothing stored); a known file is free",
      () =>
        Effect.gen(function* () {
          const w = yield* world("att-quota")
          yield* Effect.gen(function* () {
            if ((yield* Effect.either(BillingPlatform.getPlan("att_tiny")))._tag === "Right") return
            yield* BillingPlatform.createPlan(
              planBody("att_tiny", 0, {
                entitlements: { features: {}, limits: { [ATTACHMENT_STORAGE_LIMIT]: PDF.length + 4 } }
              })
            )
          }).pipe(asOperator)
          yield* BillingAdmin.createSubscription(
            Schema.decodeUnknownSync(CreateSubscription)({ plan_code: "att_tiny" })
          ).pipe(policyUse("billing:write"), inTenant(w.tenant))
          yield* A.uploadAttachment({ ...w.school, filename: "a.pdf" }, PDF).pipe(write, w.run)
          // The same bytes again: de-duplicated, no new storage, admitted.
          yield* A.uploadAttachment({ ...w.school, filename: "copy.pdf" }, PDF).pipe(write, w.run)
          const refused = yield* A.uploadAttachment({ ...w.school, filename: "b.png" }, PNG).pipe(
            write,
            w.run,
            Effect.flip
          )
          expect(refused).toMatchObject({ _tag: "QuotaExceeded", limit: ATTACHMENT_STORAGE_LIMIT })
          expect(yield* rows(w.tenant, "activity_attachments")).toBe(2)
          expect(yield* rows(w.tenant, "activity_attachment_blobs")).toBe(1)
        })
    )
  })
}
