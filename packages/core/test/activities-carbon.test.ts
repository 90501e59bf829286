/**
 * Issue 22 "Carbon footprints": kg CO₂e computed from units converted by
 * the library, unknown or incompatible units refused (400) with nothing
 * written, totals by scope and category per target and tenant (by
 * period), tenant isolation of targets, `carbon:write` required, soft
 * delete and restore — through the `ActivitiesAdmin` facade on both
 * dialects.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import { CreateFootprint, UpdateFootprint } from "@signet/contracts/activities/Carbon"
import { ActivitiesAdmin as A, Academics, Access, type Actor, policyUse } from "@signet/core"
import { convertQuantity } from "@signet/core/activities/CarbonUnits"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { inTenant, onboard, outboxCount, type TenantRef, testCore, user } from "./support.js"

const write = policyUse("carbon:write")
const read = policyUse("carbon:read")

/** A valid footprint body on `target`, overridden by `extra`. */
const footprint = (target: { target_type: string; target_id: string }, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(CreateFootprint)({
    ...target,
    scope: 2,
    category: "energy",
    quantity: 2,
    unit: "MWh",
    factor_kg_per_unit: 0.2,
    factor_unit: "kWh",
    factor_source: "DEFRA 2024",
    period_start: "2026-01-01",
    period_end: "2026-01-31",
    ...extra
  })

/** A tenant with a school, an admin (carbon:*) and a teacher (carbon:read only). */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const admin = yield* user(`admin@${slug}.example.edu`, "admin").pipe(inTenant(tenant))
    const teacher = yield* user(`teacher@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const school = yield* Academics.use((a) =>
      a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name: "S" }))
    ).pipe(inTenant(tenant))
    const actor = (u: { readonly id: string }, userType: string): Actor => ({ kind: "user", id: u.id, userType })
    return {
      tenant,
      school: { target_type: "school", target_id: school.id } as const,
      admin: actor(admin, "admin"),
      teacher: actor(teacher, "teacher"),
      as:
        (who: Actor) =>
        <X, E, R>(eff: Effect.Effect<X, E, R>) =>
          eff.pipe(inTenant(tenant, who))
    }
  })

describe("carbon units (issue 22, convert-units)", () => {
  it.effect("converts within a dimension; t is the metric tonne", () =>
    Effect.gen(function* () {
      expect(yield* convertQuantity(2, "MWh", "kWh")).toBe(2000)
      expect(yield* convertQuantity(1, "t", "kg")).toBe(1000)
      expect(yield* convertQuantity(10, "mi", "km")).toBeCloseTo(16.0934, 3)
      expect(yield* convertQuantity(1, "gal", "l")).toBeCloseTo(3.7854, 3)
    })
  )

  it.effect("refuses incompatible and unknown units", () =>
    Effect.gen(function* () {
      const a = yield* Effect.flip(convertQuantity(1, "kWh", "km"))
      expect(a).toMatchObject({ _tag: "UnitConversionError", reason: "incompatible_units" })
      const b = yield* Effect.flip(convertQuantity(1, "furlong", "km"))
      expect(b).toMatchObject({ _tag: "UnitConversionError", reason: "unknown_unit" })
      const c = yield* Effect.flip(convertQuantity(1, "C", "K"))
      expect(c.reason).toBe("unknown_unit")
    })
  )
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Carbon footprints on ${dialect} (issue 22)`, (it) => {
    it.effect(
      "create computes co2e_kg from the converted quantity (2 MWh × 0.2 kg/kWh = 400 kg), audited and published",
      () =>
        Effect.gen(function* () {
          const w = yield* world("co2-create")
          const before = yield* outboxCount("signet.activities.footprint.created")
          const f = yield* A.createFootprint(footprint(w.school)).pipe(write, w.as(w.admin))
          expect(f).toMatchObject({ scope: 2, unit: "MWh", factor_unit: "kWh", co2e_kg: 400, author_id: w.admin.id })
          expect((yield* outboxCount("signet.activities.footprint.created")) - before).toBe(1)
          expect(yield* A.getFootprint(f.id).pipe(read, w.as(w.teacher))).toMatchObject({ id: f.id, co2e_kg: 400 })
          const miles = yield* A.createFootprint(
            footprint(w.school, {
              scope: 3,
              category: "transport",
              quantity: 100,
              unit: "mi",
              factor_kg_per_unit: 0.17,
              factor_unit: "km"
            })
          ).pipe(write, w.as(w.admin))
          expect(miles.co2e_kg).toBeCloseTo(27.359, 3)
          const updated = yield* A.updateFootprint(
            f.id,
            Schema.decodeUnknownSync(UpdateFootprint)({ quantity: 1 })
          ).pipe(write, w.as(w.admin))
          expect(updated.co2e_kg).toBe(200)
        })
    )

    it.effect("an incompatible unit (kWh vs km) is a 400 UnitConversionError and nothing is written", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-units")
        const events = yield* outboxCount("signet.activities.footprint.created")
        const refused = yield* A.createFootprint(footprint(w.school, { unit: "kWh", factor_unit: "km" })).pipe(
          write,
          w.as(w.admin),
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "UnitConversionError", reason: "incompatible_units" })
        const unknown = yield* A.createFootprint(footprint(w.school, { unit: "parsec" })).pipe(
          write,
          w.as(w.admin),
          Effect.flip
        )
        expect(unknown._tag).toBe("UnitConversionError")
        const period = yield* A.createFootprint(
          footprint(w.school, { period_start: "2026-02-01", period_end: "2026-01-01" })
        ).pipe(write, w.as(w.admin), Effect.flip)
        expect(period._tag).toBe("ValidationError")
        expect((yield* A.listFootprints(w.school).pipe(read, w.as(w.admin))).items).toEqual([])
        expect(yield* outboxCount("signet.activities.footprint.created")).toBe(events)
      })
    )

    it.effect("totals group kg CO₂e by scope and category, per target and tenant, within a period", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-totals")
        const tenantTarget = { target_type: "tenant", target_id: w.tenant.id } as const
        const add = (target: typeof w.school | typeof tenantTarget, extra: Record<string, unknown>) =>
          A.createFootprint(footprint(target, extra)).pipe(write, w.as(w.admin))
        yield* add(w.school, {}) // 400 kg, scope 2 energy, January
        yield* add(w.school, { quantity: 500, unit: "kWh", period_start: "2026-02-01", period_end: "2026-02-28" }) // 100
        yield* add(w.school, { scope: 3, category: "transport", quantity: 10, unit: "km", factor_unit: "km" }) // 2
        yield* add(tenantTarget, { scope: 1, category: "heating", quantity: 1, unit: "t", factor_unit: "kg" }) // 200
        const school = yield* A.carbonTotals(w.school).pipe(read, w.as(w.teacher))
        expect(school.total_kg).toBe(502)
        expect(school.by_scope).toEqual({ "1": 0, "2": 500, "3": 2 })
        expect(school.groups.map((g) => [g.scope, g.category, g.co2e_kg, g.count])).toEqual([
          [2, "energy", 500, 2],
          [3, "transport", 2, 1]
        ])
        const tenant = yield* A.carbonTotals().pipe(read, w.as(w.teacher))
        expect(tenant.total_kg).toBe(702)
        expect(tenant.target).toBeNull()
        const january = yield* A.carbonTotals({ ...w.school, from: "2026-01-01", to: "2026-01-31" }).pipe(
          read,
          w.as(w.teacher)
        )
        expect(january.total_kg).toBe(402)
      })
    )

    it.effect("another tenant's target is a 404 and its footprints are 404", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-iso-a")
        const v = yield* world("co2-iso-b")
        const theirs = yield* A.createFootprint(footprint(v.school)).pipe(write, v.as(v.admin))
        const refused = yield* A.createFootprint(footprint(v.school)).pipe(write, w.as(w.admin), Effect.flip)
        expect(refused._tag).toBe("TargetNotFound")
        expect((yield* A.getFootprint(theirs.id).pipe(read, w.as(w.admin), Effect.flip))._tag).toBe("ActivityNotFound")
        expect((yield* A.carbonTotals(v.school).pipe(read, w.as(w.admin), Effect.flip))._tag).toBe("TargetNotFound")
        expect((yield* A.carbonTotals().pipe(read, w.as(w.admin))).total_kg).toBe(0)
        const missing = { target_type: "school", target_id: "0190a000-0000-7000-8000-000000000001" }
        const none = yield* A.createFootprint(footprint(missing)).pipe(write, w.as(w.admin), Effect.flip)
        expect(none._tag).toBe("TargetNotFound")
      })
    )

    it.effect("without carbon:write (a teacher) recording is Forbidden and nothing is written", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-perm")
        const refused = yield* A.createFootprint(footprint(w.school)).pipe(write, w.as(w.teacher), Effect.flip)
        expect(refused._tag).toBe("Forbidden")
        expect((yield* A.listFootprints(w.school).pipe(read, w.as(w.teacher))).items).toEqual([])
      })
    )

    it.effect("a footprint is in its target's timeline for holders of carbon:read, not for others", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-timeline")
        const f = yield* A.createFootprint(footprint(w.school)).pipe(write, w.as(w.admin))
        const timeline = A.timeline(w.school).pipe(policyUse("activities:read"))
        const seen = yield* timeline.pipe(w.as(w.teacher))
        expect(seen.items.map((i) => (i._tag === "footprint" ? i.footprint.id : i._tag))).toEqual([f.id])
        yield* Access.use((a) => a.setUserOverride(w.teacher.id as never, "carbon:read", "deny")).pipe(
          policyUse("roles:write"),
          inTenant(w.tenant)
        )
        expect((yield* timeline.pipe(w.as(w.teacher))).items).toEqual([])
      })
    )

    it.effect("a deleted footprint leaves the totals and comes back on restore (409 when live)", () =>
      Effect.gen(function* () {
        const w = yield* world("co2-restore")
        const f = yield* A.createFootprint(footprint(w.school)).pipe(write, w.as(w.admin))
        yield* A.deleteFootprint(f.id).pipe(write, w.as(w.admin))
        expect((yield* A.carbonTotals(w.school).pipe(read, w.as(w.admin))).total_kg).toBe(0)
        expect((yield* A.getFootprint(f.id).pipe(read, w.as(w.admin), Effect.flip))._tag).toBe("ActivityNotFound")
        const restored = yield* A.restoreFootprint(f.id).pipe(write, w.as(w.admin))
        expect(restored).toMatchObject({ kind: "footprints", id: f.id })
        expect((yield* A.carbonTotals(w.school).pipe(read, w.as(w.admin))).total_kg).toBe(400)
        const again = yield* A.restoreFootprint(f.id).pipe(write, w.as(w.admin), Effect.flip)
        expect(again._tag).toBe("Conflict")
      })
    )
  })
}
