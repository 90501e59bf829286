/**
 * Issue 22 (activities, attachments) over `@effect/rpc`: upload, get, list,
 * versions and download (bytes, checked type and name) act as their REST
 * twins; a mistyped file answers `UnsupportedAttachmentType` and nothing
 * is listed; another tenant's attachment answers `ActivityNotFound` and
 * another tenant's target `TargetNotFound`.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"))
const PDF = bytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
/** A Windows executable's header, named `.pdf` by the client. */
const EXE = bytes("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.")

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

/** A tenant's admin token and a school of it as the attachments' target. */
const schoolOf = (slug: string) =>
  Effect.flatMap(onboardTenant(slug), (admin) =>
    Effect.map(call("POST", `/api/v1/tenants/${slug}/schools`, { auth: admin, body: { name: "S" } }), (school) => ({
      admin,
      target: { target_type: "school", target_id: school.body.id as string }
    }))
  )

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Attachments over RPC on ${dialect} (issue 22)`,
    (it) => {
      it.scoped("an upload is listed, read and downloaded with its bytes, type and name", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-att-up")
          const rpc = yield* rpcAs(admin)
          const up = yield* rpc.UploadAttachment({ ...target, filename: "Plan 2026.pdf", bytes: PDF })
          expect(up).toMatchObject({ version: 1, content_type: "application/pdf", size_bytes: PDF.length })
          expect((yield* rpc.GetAttachment({ id: up.id })).sha256).toBe(up.sha256)
          expect((yield* rpc.ListAttachments(target)).items.map((a) => a.id)).toEqual([up.id])
          const file = yield* rpc.DownloadAttachment({ id: up.id })
          expect(file.content_type).toBe("application/pdf")
          expect(file.filename).toBe(up.filename)
          expect(same(file.bytes, PDF)).toBe(true)
        })
      )

      it.scoped("a new version is the latest; the first stays downloadable", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-att-ver")
          const rpc = yield* rpcAs(admin)
          const up = yield* rpc.UploadAttachment({ ...target, filename: "scan.pdf", bytes: PDF })
          const v2 = yield* rpc.UploadAttachmentVersion({ id: up.id, bytes: PNG, filename: "scan.png" })
          expect(v2.version).toBe(2)
          expect((yield* rpc.ListAttachmentVersions({ id: up.id })).items.map((v) => v.version)).toEqual([2, 1])
          expect(same((yield* rpc.DownloadAttachment({ id: up.id })).bytes, PNG)).toBe(true)
          expect(same((yield* rpc.DownloadAttachment({ id: up.id, version: 1 })).bytes, PDF)).toBe(true)
        })
      )

      it.scoped("a deleted attachment answers ActivityNotFound", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-att-del")
          const rpc = yield* rpcAs(admin)
          const up = yield* rpc.UploadAttachment({ ...target, filename: "a.pdf", bytes: PDF })
          yield* rpc.DeleteAttachment({ id: up.id })
          expect((yield* Effect.flip(rpc.DownloadAttachment({ id: up.id })))._tag).toBe("ActivityNotFound")
          expect((yield* rpc.ListAttachments(target)).items).toEqual([])
        })
      )

      it.scoped("a mistyped file answers UnsupportedAttachmentType and nothing is stored", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-att-415")
          const rpc = yield* rpcAs(admin)
          const refused = yield* Effect.flip(rpc.UploadAttachment({ ...target, filename: "invoice.pdf", bytes: EXE }))
          expect(refused._tag).toBe("UnsupportedAttachmentType")
          expect((yield* rpc.ListAttachments(target)).items).toEqual([])
        })
      )

      it.scoped("another tenant's attachment and target answer 404s", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-att-iso-a")
          const up = yield* (yield* rpcAs(admin)).UploadAttachment({ ...target, filename: "a.pdf", bytes: PDF })
          const other = yield* rpcAs(yield* onboardTenant("rpc-att-iso-b"))
          expect((yield* Effect.flip(other.GetAttachment({ id: up.id })))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.DownloadAttachment({ id: up.id })))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.DeleteAttachment({ id: up.id })))._tag).toBe("ActivityNotFound")
          const refused = yield* Effect.flip(other.UploadAttachment({ ...target, filename: "b.pdf", bytes: PDF }))
          expect(refused._tag).toBe("TargetNotFound")
        })
      )
    }
  )
}
