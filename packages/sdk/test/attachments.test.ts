/**
 * Issue 22 "Attachments" through the Promise facade (`client.activities`):
 * the tenant admin uploads a PNG to a school, adds a text version, lists
 * the versions and downloads each version's bytes; a renamed executable is
 * rejected with the tagged 415 error.
 */
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "correct horse battery staple"
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "client.activities attachments against a real server",
  (it) => {
    it.effect("upload, uploadVersion, attachmentVersions, download (latest and v1), a renamed .exe refused", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-att",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-att",
            name: "Att",
            admin: {
              email: "admin@att.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const admin = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-att",
          credentials: { login: "admin@att.example.edu", password: PASSWORD }
        })
        const school = yield* run(() => admin.academics.createSchool({ name: "Hugo", code: "HUGO" }))
        const target = { target_type: "school", target_id: school.id }
        const created = yield* run(() => admin.activities.upload(target, "logo.png", PNG))
        expect(created).toMatchObject({ version: 1, content_type: "image/png" })
        const v2 = yield* run(() =>
          admin.activities.uploadVersion(created.id, new TextEncoder().encode("v2\n"), "n.txt")
        )
        expect(v2).toMatchObject({ version: 2, content_type: "text/plain" })
        const versions = yield* run(() => admin.activities.attachmentVersions(created.id))
        expect(versions.items.map((v) => v.version)).toEqual([2, 1])
        expect(new TextDecoder().decode(yield* run(() => admin.activities.download(created.id)))).toBe("v2\n")
        expect(Array.from(yield* run(() => admin.activities.download(created.id, 1)))).toEqual(Array.from(PNG))
        const refused = yield* run(() =>
          admin.activities.upload(target, "x.pdf", new TextEncoder().encode("MZ\u0000\u0001binary")).then(
            () => undefined,
            (e: { _tag?: string }) => e._tag
          )
        )
        expect(refused).toBe("UnsupportedAttachmentType")
        const page = yield* run(() => admin.activities.attachments(target))
        expect(page.items.map((a) => a.id)).toEqual([created.id])
      })
    )
  }
)
