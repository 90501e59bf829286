/**
 * Migration status (`Migrations.status`, read by `/ready`, `signet doctor`
 * and the start-up check): per module, the latest applied id against the
 * latest known one, on a database where some modules are not migrated yet
 * and on one where all are.
 */
import { it } from "@effect/vitest"
import { Core, Db, Migrations } from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect, Layer } from "effect"
import { describe, expect } from "vitest"

for (const dialect of testDialects()) {
  describe(`migration status on ${dialect}`, () => {
    it.live(
      "reports applied against latest per module, whether or not every module's table exists",
      () =>
        Effect.gen(function* () {
          const db = yield* Effect.acquireRelease(
            Effect.promise(() => makeTestDatabase(dialect)),
            (d) => Effect.promise(() => d.dispose())
          )
          const sets = Core.allMigrations()
          const statusAfter = (migrate: ReadonlyArray<Migrations.ModuleMigrations>) =>
            Effect.scoped(
              Layer.build(
                Db.layer({ url: db.url, pgPoolSize: 1, beforeStart: Effect.asVoid(Migrations.runAll(migrate)) })
              ).pipe(Effect.flatMap((ctx) => Effect.provide(Migrations.status(sets), ctx)))
            )
          const partial = yield* statusAfter(sets.slice(0, 2))
          expect(partial.map((s) => s.module)).toEqual(sets.map((s) => s.module))
          expect(partial.slice(0, 2).every((s) => s.applied === s.latest && s.latest > 0)).toBe(true)
          expect(partial.slice(2).every((s) => s.applied === 0 && s.latest > 0)).toBe(true)
          expect(Migrations.isCurrent(partial)).toBe(false)

          const full = yield* statusAfter(sets)
          expect(full.map((s) => [s.module, s.applied])).toEqual(sets.map((s) => [s.module, Migrations.latestId(s)]))
          expect(Migrations.isCurrent(full)).toBe(true)
        }).pipe(Effect.scoped),
      60_000
    )
  })
}
