/**
 * Issue 22 "Full-text search" and "restore" through the Promise facade
 * (`client.activities`): a task is found by `search`, disappears when
 * deleted and comes back with `restore`.
 */
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "correct horse battery staple"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "client.activities search and restore against a real server",
  (it) => {
    it.effect("search finds a task; after removeTask it does not; restore brings it back", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-fts",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-fts",
            name: "Fts",
            admin: {
              email: "admin@fts.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const admin = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-fts",
          credentials: { login: "admin@fts.example.edu", password: PASSWORD }
        })
        const school = yield* run(() => admin.academics.createSchool({ name: "Hugo", code: "HUGO" }))
        const target = { target_type: "school", target_id: school.id }
        const task = yield* run(() => admin.activities.createTask({ ...target, title: "Book the planetarium" }))
        const hits = yield* run(() => admin.activities.search("planet", { kinds: ["task"] }))
        expect(hits.items.map((h) => h.id)).toEqual([task.id])
        yield* run(() => admin.activities.removeTask(task.id))
        expect((yield* run(() => admin.activities.search("planetarium"))).items).toEqual([])
        expect(yield* run(() => admin.activities.restore("tasks", task.id))).toMatchObject({ kind: "tasks" })
        expect((yield* run(() => admin.activities.search("planetarium", { target }))).items).toHaveLength(1)
      })
    )
  }
)
