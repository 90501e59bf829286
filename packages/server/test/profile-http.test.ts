/**
 * Profiles (issue 18 "Profiles", seed 002): a user changes their own
 * display name, locale, time zone and picture (`PATCH …/me`, RPC
 * `UpdateMyProfile`), within the tenant's `profile.self_edit` policy; bad
 * values answer 400 and change nothing; admins set the same fields through
 * `PATCH …/users/{id}`.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, loginToken, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** A tenant `slug` with one teacher; answers the admin's and the teacher's tokens and the teacher's id. */
const withTeacher = (slug: string) =>
  Effect.gen(function* () {
    const admin = yield* onboardTenant(slug)
    const email = `teacher@${slug}.example.edu`
    const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      auth: admin,
      body: { email, given_name: "Ada", family_name: "Lovelace", user_type: "teacher", password: TEST_PASSWORD }
    })
    expect(created.status, created.text).toBe(201)
    return { admin, teacher: yield* loginToken(slug, email), id: created.body.id as string }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Profiles on ${dialect} (issue 18)`,
    (it) => {
      it.scoped("a user sets their display name, locale, time zone and picture; null clears one", () =>
        Effect.gen(function* () {
          yield* TestServer
          const { teacher } = yield* withTeacher("profile-own")
          const me = "/api/v1/tenants/profile-own/me"
          const changed = yield* call("PATCH", me, {
            auth: teacher,
            body: {
              display_name: "Ada L.",
              locale: "fr",
              time_zone: "Europe/Paris",
              avatar_url: "https://cdn.example/ada.png"
            }
          })
          expect(changed.status, changed.text).toBe(200)
          expect(changed.body).toMatchObject({
            display_name: "Ada L.",
            locale: "fr",
            time_zone: "Europe/Paris",
            avatar_url: "https://cdn.example/ada.png",
            given_name: "Ada"
          })
          const cleared = yield* call("PATCH", me, { auth: teacher, body: { avatar_url: null } })
          expect(cleared.body).toMatchObject({ avatar_url: null, locale: "fr" })
          expect((yield* call("GET", me, { auth: teacher })).body).toMatchObject({
            display_name: "Ada L.",
            avatar_url: null
          })
        })
      )

      it.scoped("a bad locale, time zone or picture URL answers 400 and changes nothing", () =>
        Effect.gen(function* () {
          yield* TestServer
          const { teacher } = yield* withTeacher("profile-bad")
          const me = "/api/v1/tenants/profile-bad/me"
          for (const body of [
            { locale: "not a locale" },
            { time_zone: "Mars/Olympus" },
            { avatar_url: "javascript:alert(1)" },
            { avatar_url: "http://cdn.example/a.png" },
            { display_name: "x".repeat(101) },
            { given_name: "Not mine to change" }
          ]) {
            const refused = yield* call("PATCH", me, { auth: teacher, body })
            expect(refused.status, JSON.stringify(body)).toBe(400)
          }
          expect((yield* call("GET", me, { auth: teacher })).body).toMatchObject({
            locale: null,
            time_zone: null,
            avatar_url: null,
            display_name: null,
            given_name: "Ada"
          })
        })
      )

      it.scoped("a field the tenant keeps for admins (profile.self_edit) answers 403; admins still set it", () =>
        Effect.gen(function* () {
          yield* TestServer
          const { admin, teacher, id } = yield* withTeacher("profile-policy")
          const put = yield* call("PUT", "/api/v1/tenants/profile-policy/settings/profile.self_edit", {
            body: { value: ["locale", "time_zone"] }
          })
          expect(put.status, put.text).toBe(200)
          const me = "/api/v1/tenants/profile-policy/me"
          const refused = yield* call("PATCH", me, { auth: teacher, body: { locale: "fr", display_name: "Ada L." } })
          expect(refused.status, refused.text).toBe(403)
          expect(refused.text).toContain("profile:display_name")
          expect((yield* call("GET", me, { auth: teacher })).body).toMatchObject({ locale: null })
          expect((yield* call("PATCH", me, { auth: teacher, body: { locale: "fr" } })).status).toBe(200)
          const byAdmin = yield* call("PATCH", `/api/v1/tenants/profile-policy/users/${id}`, {
            auth: admin,
            body: { display_name: "Ada L." }
          })
          expect(byAdmin.status, byAdmin.text).toBe(200)
          expect(byAdmin.body).toMatchObject({ display_name: "Ada L.", locale: "fr" })
        })
      )

      it.scoped("over RPC: GetMyProfile and UpdateMyProfile act on the caller only", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const { teacher, id } = yield* withTeacher("profile-rpc")
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: teacher })
          const updated = yield* rpc.UpdateMyProfile({ patch: { time_zone: "America/Montreal" } })
          expect(updated).toMatchObject({ id, time_zone: "America/Montreal" })
          expect((yield* rpc.GetMyProfile()).time_zone).toBe("America/Montreal")
        })
      )
    }
  )
}
