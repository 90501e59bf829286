/**
 * A course's timeline in a real browser (issue 22 "web app pages (a timeline
 * panel on users, courses and groups)"): from the school-structure page the
 * admin opens the timeline of today's course, adds a Markdown note (shown
 * rendered), adds a task and marks it done. Each effect is checked through
 * the REST API; axe finds no serious or critical violation and no request
 * leaves the server. Chromium on a phone, SQLite and Postgres.
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
  step
} from "./harness.js"

describe.runIf(browserAvailable())("web app: admin timeline", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `timeline on ${dialect}`,
      (it) => {
        it.scoped("an admin adds a note and a task to a course's timeline and marks the task done", () =>
          Effect.gen(function* () {
            const slug = `wa-timeline-${dialect}`
            const day = yield* schoolDay(slug)
            const target = `target_type=course&target_id=${day.course.id}`
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/academics`)
              await t.page.getByRole("link", { name: "Timeline of Maths" }).click()
              await t.page.getByRole("heading", { level: 1, name: "Timeline of Maths" }).waitFor()
              await t.page.getByText("Nothing yet: no note, task, review, call, event or file.").waitFor()
            })
            yield* step(async () => {
              await t.page.getByLabel("Note (Markdown: **bold**, lists, links)").fill("**Bring** calculators")
              await t.page.getByRole("button", { name: "Add a note" }).click()
              await t.page.getByText("The note is added.").waitFor()
              await t.page.locator("ol.timeline strong", { hasText: "Bring" }).waitFor()
            })
            const notes = (yield* day.get(`/activities/notes?${target}`)).body
            expect(notes.items.map((n: { body: string; priority: string }) => [n.body, n.priority])).toEqual([
              ["**Bring** calculators", "normal"]
            ])

            yield* step(async () => {
              await t.page.getByLabel("Task", { exact: true }).fill("Collect permission slips")
              await t.page.getByLabel("Due (your time zone)").fill("2027-01-15T17:00")
              await t.page.getByRole("button", { name: "Add a task" }).click()
              await t.page.getByText("The task “Collect permission slips” is added.").waitFor()
              await t.page.getByLabel("Status of “Collect permission slips”").selectOption("done")
              await t.page.getByText("“Collect permission slips” is now Done.").waitFor()
            })
            const tasks = (yield* day.get(`/activities/tasks?${target}`)).body
            expect(tasks.items.map((x: { title: string; status: string }) => [x.title, x.status])).toEqual([
              ["Collect permission slips", "done"]
            ])
            expect(tasks.items[0].due_at).not.toBeNull()
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
            yield* screenshot(t, "admin-timeline", "phone", dialect)
          })
        )

        it.scoped("a timeline of another tenant's course answers as not found and shows nothing of it", () =>
          Effect.gen(function* () {
            const slug = `wa-timeline-x-${dialect}`
            const other = yield* schoolDay(`${slug}-o`)
            yield* schoolDay(slug)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/timeline/course/${other.course.id}?name=Maths`)
              await t.page.getByRole("heading", { level: 1, name: "Timeline of Maths" }).waitFor()
              await t.page.getByRole("alert").waitFor()
            })
            expect(yield* Effect.promise(() => t.page.locator("ol.timeline li").count())).toBe(0)
          })
        )
      }
    )
  }
})
