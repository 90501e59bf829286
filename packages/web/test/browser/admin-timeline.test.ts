/**
 * A course's timeline in a real browser (issue 22 "web app pages (a timeline
 * panel on users, courses and groups)"): from the school-structure page the
 * admin opens the timeline of today's course, adds a Markdown note (shown
 * rendered), adds a task and marks it done; uploads a PDF, sees it listed,
 * downloads the same bytes, and is refused a mistyped file with the 415
 * message; uploads a new version and deletes the file. Each effect is checked through
 * the REST API; axe finds no serious or critical violation and no request
 * leaves the server. Chromium on a phone, SQLite and Postgres.
 */
import * as Fs from "node:fs/promises"
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

/** A small valid PDF (no active content), made here: /work/shared/data holds none. */
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", "latin1")
/** A Windows executable's header, named `.pdf`. */
const EXE = Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00This program cannot be run in DOS mode.", "latin1")

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
              // The form is ready for the next note, at normal priority again.
              expect(await t.page.locator('select[name="priority"]').inputValue()).toBe("normal")
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

        it.scoped(
          "an admin uploads a PDF to a course's timeline, downloads the same bytes, and a mistyped file is refused",
          () =>
            Effect.gen(function* () {
              const slug = `wa-timeline-f-${dialect}`
              const day = yield* schoolDay(slug)
              const t = yield* openPage("phone")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* step(async () => {
                await t.page.goto(`/t/${slug}/admin/timeline/course/${day.course.id}?name=Maths`)
                await t.page.getByRole("heading", { level: 1, name: "Timeline of Maths" }).waitFor()
                await t.page
                  .getByLabel("File (PDF, image, text or CSV; at most 10 MB)")
                  .setInputFiles({ name: "syllabus.pdf", mimeType: "application/pdf", buffer: PDF })
                await t.page.getByRole("button", { name: "Add a file" }).click()
                await t.page.getByText("“syllabus.pdf” is added.").waitFor()
                await t.page.locator("ol.timeline strong", { hasText: "syllabus.pdf" }).waitFor()
              })
              const files = (yield* day.get(`/activities/attachments?target_type=course&target_id=${day.course.id}`))
                .body
              expect(files.items.map((f: { filename: string }) => f.filename)).toEqual(["syllabus.pdf"])
              const downloaded = yield* step(async () => {
                const [download] = await Promise.all([
                  t.page.waitForEvent("download"),
                  t.page.getByRole("button", { name: "Download “syllabus.pdf”" }).click()
                ])
                expect(download.suggestedFilename()).toBe("syllabus.pdf")
                return Fs.readFile(await download.path())
              })
              expect(downloaded.equals(PDF)).toBe(true)
              yield* step(async () => {
                await t.page
                  .getByLabel("File (PDF, image, text or CSV; at most 10 MB)")
                  .setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: EXE })
                await t.page.getByRole("button", { name: "Add a file" }).click()
                await t.page.getByRole("alert").getByText("This file is not accepted", { exact: false }).waitFor()
              })
              const after = (yield* day.get(`/activities/attachments?target_type=course&target_id=${day.course.id}`))
                .body
              expect(after.items).toHaveLength(1)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
              expect(t.errors).toEqual([])
            })
        )

        it.scoped("an admin uploads a new version of a file, then deletes it", () =>
          Effect.gen(function* () {
            const slug = `wa-timeline-v-${dialect}`
            const day = yield* schoolDay(slug)
            const list = `/activities/attachments?target_type=course&target_id=${day.course.id}`
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/timeline/course/${day.course.id}?name=Maths`)
              await t.page
                .getByLabel("File (PDF, image, text or CSV; at most 10 MB)")
                .setInputFiles({ name: "syllabus.pdf", mimeType: "application/pdf", buffer: PDF })
              await t.page.getByRole("button", { name: "Add a file" }).click()
              await t.page.getByText("“syllabus.pdf” is added.").waitFor()
              await t.page.getByLabel("New version of “syllabus.pdf”", { exact: true }).setInputFiles({
                name: "syllabus.txt",
                mimeType: "text/plain",
                buffer: Buffer.from("Week 1: limits\n")
              })
              await t.page.getByRole("button", { name: "Upload a new version of “syllabus.pdf”" }).click()
              await t.page.getByText("“syllabus.txt” is now version 2.").waitFor()
            })
            const versioned = (yield* day.get(list)).body
            expect(versioned.items.map((f: { filename: string; version: number }) => [f.filename, f.version])).toEqual([
              ["syllabus.txt", 2]
            ])
            yield* step(async () => {
              await t.page.getByRole("button", { name: "Delete “syllabus.txt”" }).click()
              await t.page.locator("ol.timeline li[data-kind=attachment]").waitFor({ state: "detached" })
            })
            expect((yield* day.get(list)).body.items).toEqual([])
            expect(t.errors).toEqual([])
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
