/**
 * Issue 22 (activities, attachments) over HTTP: a raw-body upload to a
 * school typed by its bytes, de-duplication, versions, the download's
 * headers (Content-Disposition per RFC 6266/5987, the checked type,
 * nosniff), 413 over 10 MiB, 415 for an executable renamed `.pdf`, an
 * invisible target and another tenant's attachment (404), delete.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const PDF = new Uint8Array(Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "latin1"))
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
const EXE = new Uint8Array(Buffer.from("MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.", "latin1"))
const octets = { "content-type": "application/octet-stream" }

/** A tenant with a school; `upload` posts raw bytes to its attachments. */
const fixture = (slug: string) =>
  Effect.gen(function* () {
    const admin = yield* onboardTenant(slug)
    const school = yield* call("POST", `/api/v1/tenants/${slug}/schools`, { auth: admin, body: { name: "S" } })
    const A = `/api/v1/tenants/${slug}/activities/attachments`
    const q = `target_type=school&target_id=${school.body.id}`
    const upload = (filename: string, raw: Uint8Array, target = q) =>
      call("POST", `${A}?${target}&filename=${encodeURIComponent(filename)}`, { auth: admin, raw, headers: octets })
    return { admin, A, q, upload }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, { maxUploadBytes: 16 * 1024 * 1024 }), { timeout: 120_000, excludeTestServices: true })(
    `Attachments over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.effect("upload, dedup, a new version, list and versions", () =>
        Effect.gen(function* () {
          const t = yield* fixture("http-att")
          const first = yield* t.upload("plan.pdf", PDF)
          expect(first.status, first.text).toBe(201)
          expect(first.body).toMatchObject({ version: 1, content_type: "application/pdf", filename: "plan.pdf" })
          const again = yield* t.upload("copy.pdf", PDF)
          expect(again.body.sha256).toBe(first.body.sha256)
          const v2 = yield* call("POST", `${t.A}/${first.body.id}/versions?filename=plan.png`, {
            auth: t.admin,
            raw: PNG,
            headers: octets
          })
          expect(v2.status, v2.text).toBe(201)
          expect(v2.body).toMatchObject({ version: 2, content_type: "image/png" })
          const list = yield* call("GET", `${t.A}?${t.q}`, { auth: t.admin })
          expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([again.body.id, first.body.id])
          const versions = yield* call("GET", `${t.A}/${first.body.id}/versions`, { auth: t.admin })
          expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1])
        })
      )

      it.effect("a download carries the checked type, Content-Disposition attachment with filename*, nosniff", () =>
        Effect.gen(function* () {
          const t = yield* fixture("http-att-dl")
          const up = yield* t.upload("Résumé «final».pdf", PDF)
          expect(up.status, up.text).toBe(201)
          const res = yield* call("GET", `${t.A}/${up.body.id}/content`, { auth: t.admin })
          expect(res.status).toBe(200)
          expect(res.headers.get("content-type")).toBe("application/pdf")
          expect(res.headers.get("x-content-type-options")).toBe("nosniff")
          const disposition = res.headers.get("content-disposition") ?? ""
          expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/)
          expect(disposition).toContain("filename*=UTF-8''R%C3%A9sum%C3%A9%20%C2%ABfinal%C2%BB.pdf")
          expect(res.text).toContain("%PDF-1.4")
          const old = yield* call("GET", `${t.A}/${up.body.id}/content?version=2`, { auth: t.admin })
          expectProblem(old, 404)
        })
      )

      it.effect("over 10 MiB answers 413 and an .exe renamed .pdf 415, both problem+json, nothing listed", () =>
        Effect.gen(function* () {
          const t = yield* fixture("http-att-limits")
          const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61)
          expect(expectProblem(yield* t.upload("big.txt", big), 413).code).toBe("AttachmentTooLarge")
          expect(expectProblem(yield* t.upload("invoice.pdf", EXE), 415).code).toBe("UnsupportedAttachmentType")
          expect((yield* call("GET", `${t.A}?${t.q}`, { auth: t.admin })).body.items).toEqual([])
        })
      )

      it.effect("an invisible target and another tenant's attachment answer 404; delete answers 204 then 404", () =>
        Effect.gen(function* () {
          const t = yield* fixture("http-att-iso")
          const up = yield* t.upload("a.pdf", PDF)
          const other = yield* fixture("http-att-iso-b")
          expectProblem(yield* other.upload("a.pdf", PDF, t.q), 404)
          expectProblem(yield* other.upload("a.pdf", PDF, `target_type=school&target_id=${crypto.randomUUID()}`), 404)
          const B = other.A
          for (const path of [`${B}/${up.body.id}`, `${B}/${up.body.id}/content`, `${B}/${up.body.id}/versions`])
            expectProblem(yield* call("GET", path, { auth: other.admin }), 404)
          expectProblem(yield* call("DELETE", `${B}/${up.body.id}`, { auth: other.admin }), 404)
          expect((yield* call("DELETE", `${t.A}/${up.body.id}`, { auth: t.admin })).status).toBe(204)
          expectProblem(yield* call("GET", `${t.A}/${up.body.id}`, { auth: t.admin }), 404)
        })
      )
    }
  )
}
