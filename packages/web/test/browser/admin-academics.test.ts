/**
 * Editing the school structure in a real browser (issue 17 "Admin:
 * schools/classrooms/groups/courses"): rename a classroom, delete a group
 * after the inline confirmation, add a student to a group and remove one.
 * Each effect is checked through the REST API afterwards; axe finds no
 * serious or critical violation and no request leaves the server.
 * Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  schoolDay,
  screenshot,
  signIn,
  step,
  type TestPage
} from "./harness.js"

/** Signs the admin in and opens the school-structure page. */
const academicsPage = (t: TestPage, slug: string) =>
  Effect.gen(function* () {
    yield* signIn(t, slug, `admin@${slug}.example.edu`)
    yield* step(async () => {
      await t.page.goto(`/t/${slug}/admin/academics`)
      await t.page.getByRole("heading", { level: 1, name: "School" }).waitFor({ timeout: 30_000 })
      await t.page.waitForLoadState("networkidle")
    })
  })

describe.runIf(browserAvailable())("web app: admin school structure", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `school structure editing on ${dialect}`,
      (it) => {
        it.scoped("renaming a classroom changes it on the server", () =>
          Effect.gen(function* () {
            const slug = `wa-rename-${dialect}`
            const day = yield* schoolDay(slug)
            const room = (yield* day.post("/classrooms", { school_id: day.school.id, name: "Room 12", code: "R12" }))
              .body
            const t = yield* openPage("phone")
            yield* academicsPage(t, slug)
            yield* step(() => t.page.getByRole("button", { name: "Rename Room 12" }).click())
            yield* step(() => t.page.getByLabel("New name").fill("Physics lab"))
            yield* step(() => t.page.getByRole("button", { name: "Save" }).click())
            yield* step(() => t.page.getByText("Renamed to Physics lab.").waitFor())
            expect((yield* day.get(`/classrooms/${room.id}`)).body.name).toBe("Physics lab")
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            yield* screenshot(t, "admin-academics-edit", "phone", dialect)
          })
        )

        it.scoped("deleting a group asks first, then it is gone from the page and the server", () =>
          Effect.gen(function* () {
            const slug = `wa-delete-${dialect}`
            const day = yield* schoolDay(slug)
            const spare = (yield* day.post("/groups", { school_id: day.school.id, name: "Spare group" })).body
            const t = yield* openPage("desktop")
            yield* academicsPage(t, slug)
            yield* step(() => t.page.getByRole("button", { name: "Delete Spare group" }).click())
            yield* step(() => t.page.getByText("Delete Spare group? This cannot be undone.").waitFor())
            expect((yield* day.get(`/groups/${spare.id}`)).status).toBe(200)
            yield* step(() => t.page.getByRole("button", { name: "Yes, delete" }).click())
            // The row leaves the list once the server has deleted the group and the list is read again.
            yield* step(() => t.page.locator("li.row", { hasText: "Spare group" }).waitFor({ state: "detached" }))
            expect((yield* day.get(`/groups/${spare.id}`)).status).toBe(404)
            expect(yield* axeViolations(t)).toEqual([])
          })
        )

        it.scoped("a student found by name is added to a group, and one is removed", () =>
          Effect.gen(function* () {
            const slug = `wa-members-${dialect}`
            const day = yield* schoolDay(slug)
            const other = (yield* day.post("/groups", { school_id: day.school.id, name: "Choir" })).body
            const t = yield* openPage("phone")
            yield* academicsPage(t, slug)
            const choir = t.page.locator("li.row", { hasText: "Choir" })
            yield* step(() => choir.getByRole("button", { name: "0 members" }).click())
            yield* step(() => t.page.getByText("No student in this group.").waitFor())
            yield* step(() => t.page.getByLabel("Find a student of the school").fill("Bruno"))
            yield* step(() => t.page.getByRole("button", { name: "Search" }).click())
            yield* step(() => t.page.getByRole("button", { name: "Add Bruno S2 to the group" }).click())
            yield* step(() => t.page.getByText("Bruno S2 was added.").waitFor())
            expect((yield* day.get(`/groups/${other.id}/members`)).body).toEqual([day.s2.id])
            yield* step(() => choir.getByRole("button", { name: "1 member" }).waitFor())

            yield* step(() => t.page.getByRole("button", { name: "Remove Bruno S2 from the group" }).click())
            yield* step(() => t.page.getByText("Bruno S2 was removed.").waitFor())
            expect((yield* day.get(`/groups/${other.id}/members`)).body).toEqual([])
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
          })
        )
      }
    )
  }
})
