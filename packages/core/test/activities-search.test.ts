/**
 * Issue 22 "Full-text search across notes, tasks and events (SQLite FTS5
 * and Postgres tsvector, one interface)": `ActivitiesAdmin.search` on both
 * dialects — matches in each kind, accents, prefix, soft delete, tenant
 * isolation, targets the caller cannot see, hostile query text, paging.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import { CreateNote, CreateTask, PutReview } from "@signet/contracts/activities/Domain"
import { CreateCalendarEvent, CreateCallLog } from "@signet/contracts/activities/Schedule"
import { MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_TERMS } from "@signet/contracts/activities/Search"
import { ActivitiesAdmin as A, Academics, Access, type Actor, policyUse } from "@signet/core"
import { snippetOf } from "@signet/core/activities/Search"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { inTenant, onboard, type TenantRef, testCore, user } from "./support.js"

const note = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateNote)(input)
const task = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateTask)(input)
const event = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateCalendarEvent)(input)
const callLog = (input: Record<string, unknown>) =>
  Schema.decodeUnknownSync(CreateCallLog)({
    direction: "outbound",
    participants: [{ name: "A parent" }],
    started_at: "2026-03-02T09:00:00Z",
    outcome: "connected",
    ...input
  })
const review = (input: Record<string, unknown>) => Schema.decodeUnknownSync(PutReview)(input)
const write = policyUse("activities:write")
const read = policyUse("activities:read")
const hour = { starts_at: "2026-03-02T09:00:00Z", ends_at: "2026-03-02T10:00:00Z" }

/** A tenant with two schools and two teachers. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const teacher = yield* user(`teacher@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const other = yield* user(`other@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const mkSchool = (name: string) =>
      Academics.use((a) => a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name }))).pipe(inTenant(tenant))
    const [s1, s2] = [yield* mkSchool("S1"), yield* mkSchool("S2")]
    const actor = (id: string): Actor => ({ kind: "user", id, userType: "teacher" })
    return {
      tenant,
      otherId: other.id,
      school: { target_type: "school", target_id: s1.id } as const,
      school2: { target_type: "school", target_id: s2.id } as const,
      /** Runs `eff` in the tenant as the teacher. */
      run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor(teacher.id))),
      /** Runs `eff` in the tenant as the other teacher. */
      asOther: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor(other.id)))
    }
  })

describe("search snippets (issue 22)", () => {
  it("marks the matched words, accents folded, and cuts long text with …", () => {
    const text = `${"mot ".repeat(30)}la réunion des élèves ${"fin ".repeat(30)}`
    const s = snippetOf(text, { terms: ["eleves"], prefix: false })
    expect(s.snippet.startsWith("…")).toBe(true)
    expect(s.snippet.endsWith("…")).toBe(true)
    expect(s.highlights.map(([a, b]) => s.snippet.slice(a, b))).toEqual(["élèves"])
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Activities full-text search on ${dialect} (issue 22)`, (it) => {
    it.effect("finds a note, a task and an event by a word of their text", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-kinds")
        const n = yield* A.createNote(note({ ...w.school, body: "Parents asked about the **aquarium** trip" })).pipe(
          write,
          w.run
        )
        const t = yield* A.createTask(task({ ...w.school, title: "Book the aquarium bus" })).pipe(write, w.run)
        const e = yield* A.createEvent(event({ ...w.school, ...hour, title: "Trip", location: "City Aquarium" })).pipe(
          write,
          w.run
        )
        yield* A.createNote(note({ ...w.school, body: "unrelated" })).pipe(write, w.run)
        const page = yield* A.search("aquarium").pipe(read, w.run)
        expect(page.items.map((h) => `${h.kind}:${h.id}`).sort()).toEqual(
          [`note:${n.id}`, `task:${t.id}`, `event:${e.id}`].sort()
        )
        const onlyTasks = yield* A.search("aquarium", { kinds: ["task"] }).pipe(read, w.run)
        expect(onlyTasks.items.map((h) => h.id)).toEqual([t.id])
      })
    )

    it.effect("finds a call by its summary and a review by its comment (migration 0007)", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-calls-reviews")
        const c = yield* A.createCall(callLog({ ...w.school, summary: "Discussed the greenhouse project" })).pipe(
          write,
          w.run
        )
        const r = yield* A.putReview(review({ ...w.school, rating: 5, comment: "Lovely greenhouse" })).pipe(
          write,
          w.run
        )
        const page = yield* A.search("greenhouse").pipe(read, w.run)
        expect(page.items.map((h) => `${h.kind}:${h.id}`).sort()).toEqual([`call:${c.id}`, `review:${r.id}`].sort())
        const hit = page.items.find((h) => h.kind === "call")!
        expect(hit.title).toBeNull()
        expect(hit.highlights.map(([a, b]) => hit.snippet.slice(a, b))).toEqual(["greenhouse"])
        const onlyReviews = yield* A.search("greenhouse", { kinds: ["review"] }).pipe(read, w.run)
        expect(onlyReviews.items.map((h) => h.id)).toEqual([r.id])
      })
    )

    it.effect("a deleted call, a deleted review and a review's replaced comment are not found", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-calls-gone")
        const c = yield* A.createCall(callLog({ ...w.school, summary: "platypus" })).pipe(write, w.run)
        yield* A.putReview(review({ ...w.school, rating: 2, comment: "platypus" })).pipe(write, w.run)
        yield* A.putReview(review({ ...w.school, rating: 4, comment: "wombat" })).pipe(write, w.run)
        yield* A.deleteCall(c.id).pipe(write, w.run)
        expect((yield* A.search("platypus").pipe(read, w.run)).items).toEqual([])
        const r = (yield* A.search("wombat").pipe(read, w.run)).items
        expect(r.map((h) => h.kind)).toEqual(["review"])
        yield* A.deleteReview(r[0]!.id).pipe(write, w.run)
        expect((yield* A.search("wombat").pipe(read, w.run)).items).toEqual([])
      })
    )

    it.effect("matches without accents or case, and the last word as a prefix", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-accents")
        const n = yield* A.createNote(note({ ...w.school, body: "Réunion des Élèves à Noël" })).pipe(write, w.run)
        for (const q of ["eleves", "ÉLÈVES", "reunion noel", "réunion élè"]) {
          const page = yield* A.search(q).pipe(read, w.run)
          expect(page.items.map((h) => h.id)).toEqual([n.id])
        }
        const hit = (yield* A.search("eleves").pipe(read, w.run)).items[0]!
        expect(hit.highlights.map(([a, b]) => hit.snippet.slice(a, b))).toEqual(["Élèves"])
      })
    )

    it.effect("a soft-deleted note or task is not found; an edited note is found by its new text only", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-deleted")
        const n = yield* A.createNote(note({ ...w.school, body: "zeppelin" })).pipe(write, w.run)
        const t = yield* A.createTask(task({ ...w.school, title: "zeppelin" })).pipe(write, w.run)
        yield* A.deleteNote(n.id).pipe(write, w.run)
        yield* A.deleteTask(t.id).pipe(write, w.run)
        expect((yield* A.search("zeppelin").pipe(read, w.run)).items).toEqual([])
        const m = yield* A.createNote(note({ ...w.school, body: "walrus" })).pipe(write, w.run)
        yield* A.updateNote(m.id, { body: "narwhal" }).pipe(write, w.run)
        expect((yield* A.search("walrus").pipe(read, w.run)).items).toEqual([])
        expect((yield* A.search("narwhal").pipe(read, w.run)).items.map((h) => h.id)).toEqual([m.id])
      })
    )

    it.effect("another tenant's activities are never returned", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-iso-a")
        const v = yield* world("fts-iso-b")
        yield* A.createNote(note({ ...v.school, body: "confidential platypus" })).pipe(write, v.run)
        expect((yield* A.search("platypus").pipe(read, w.run)).items).toEqual([])
        const foreign = yield* A.search("platypus", v.school).pipe(read, w.run, Effect.flip)
        expect(foreign._tag).toBe("TargetNotFound")
      })
    )

    it.effect("hits on a target the caller cannot see are left out; searching that target is a 404", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-hidden")
        yield* A.createNote(note({ ...w.school, body: "hidden ocelot" })).pipe(write, w.run)
        const mine = yield* A.createNote(
          note({ target_type: "tenant", target_id: w.tenant.id, body: "public ocelot" })
        ).pipe(write, w.run)
        yield* Access.use((a) => a.setUserOverride(w.otherId as never, "academics:read", "deny")).pipe(
          policyUse("roles:write"),
          inTenant(w.tenant)
        )
        expect((yield* A.search("ocelot").pipe(read, w.asOther)).items.map((h) => h.id)).toEqual([mine.id])
        const refused = yield* A.search("ocelot", w.school).pipe(read, w.asOther, Effect.flip)
        expect(refused._tag).toBe("TargetNotFound")
        expect((yield* A.search("ocelot").pipe(read, w.run)).items).toHaveLength(2)
      })
    )

    it.effect("a search bound to one target returns only that target's hits", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-target")
        const n = yield* A.createNote(note({ ...w.school, body: "llama" })).pipe(write, w.run)
        yield* A.createNote(note({ ...w.school2, body: "llama" })).pipe(write, w.run)
        const page = yield* A.search("llama", w.school).pipe(read, w.run)
        expect(page.items.map((h) => h.id)).toEqual([n.id])
        // The target's own words are not searchable text.
        expect((yield* A.search("school").pipe(read, w.run)).items).toEqual([])
      })
    )

    it.effect("hostile query text is a 400 or plain words, never a defect", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-hostile")
        yield* A.createNote(note({ ...w.school, body: "near and or not" })).pipe(write, w.run)
        const hostile = [
          '"',
          "*",
          "NEAR(",
          "AND OR",
          "-",
          "'",
          "\\",
          "a:b",
          "😀",
          "col:",
          "^x",
          "(x",
          "ǅ ﷽ ١٢٣",
          "'; DROP TABLE x; --"
        ]
        for (const q of hostile) {
          const answer = yield* A.search(q).pipe(read, w.run, Effect.either)
          if (answer._tag === "Left") expect(answer.left._tag).toBe("ValidationError")
        }
        expect((yield* A.search("NEAR( AND OR").pipe(read, w.run)).items).toHaveLength(1)
      })
    )

    it.effect("an empty, too long or too wordy query, an unknown kind and a bad cursor are 400", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-bounds")
        const bad = [
          A.search(""),
          A.search("   "),
          A.search("a".repeat(MAX_SEARCH_QUERY_CHARS + 1)),
          A.search(Array.from({ length: MAX_SEARCH_TERMS + 1 }, (_, i) => `w${i}`).join(" ")),
          A.search("x", { kinds: ["attachment"] }),
          A.search("x", { cursor: "nonsense" }),
          A.search("x", { target_type: "school" })
        ]
        for (const q of bad) expect((yield* q.pipe(read, w.run, Effect.flip))._tag).toBe("ValidationError")
      })
    )

    it.effect("pages through every hit once, best first, with the cursor", () =>
      Effect.gen(function* () {
        const w = yield* world("fts-paging")
        const ids: Array<string> = []
        for (let i = 0; i < 7; i++)
          ids.push((yield* A.createNote(note({ ...w.school, body: `kiwi number ${i}` })).pipe(write, w.run)).id)
        const seen: Array<string> = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = yield* A.search("kiwi", { limit: 3, ...(cursor ? { cursor } : {}) }).pipe(read, w.run)
          seen.push(...page.items.map((h) => h.id))
          cursor = page.next_cursor ?? undefined
          pages++
        } while (cursor !== undefined)
        expect(pages).toBe(3)
        expect(seen.sort()).toEqual(ids.sort())
      })
    )
  })
}
