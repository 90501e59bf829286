/**
 * Job leases belong to the kernel (issue 14 §2, "leases through their
 * owners"): `leaseMigrations` creates `job_leases` without the attendance
 * module, and leaves the table of an existing database (and its leases) as
 * they are, in either order of the migration sets.
 */
import type { SqlClient } from "@effect/sql"
import { expect, it } from "@effect/vitest"
import { Core, Db, Leases, Migrations } from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect } from "effect"

/** A fresh database of the dialect for one test, dropped afterwards. */
const freshDatabase = (dialect: "sqlite" | "pg") =>
  Effect.acquireRelease(
    Effect.promise(() => makeTestDatabase(dialect)),
    (d) => Effect.promise(() => d.dispose())
  )

/** Runs `effect` on the database `url` after applying `sets` (as the owner on Postgres). */
const onDatabase = <A, E>(
  url: string,
  sets: ReadonlyArray<Migrations.ModuleMigrations>,
  effect: Effect.Effect<A, E, SqlClient.SqlClient>
) => effect.pipe(Effect.provide(Db.layer({ url, pgPoolSize: 2, beforeStart: Migrations.runAll(sets) })))

for (const dialect of testDialects()) {
  it.scoped(
    `issue 14: on ${dialect}, the kernel's lease migration creates job_leases without the attendance module`,
    () =>
      Effect.gen(function* () {
        const db = yield* freshDatabase(dialect)
        const held = yield* onDatabase(
          db.url,
          [Migrations.kernelMigrations(), Leases.leaseMigrations],
          Leases.acquireLease("t.job", "A", 60_000)
        )
        expect(held).toBe(true)
      })
  )

  it.scoped(`issue 14: on ${dialect}, an existing database keeps job_leases and its leases, in either order`, () =>
    Effect.gen(function* () {
      const db = yield* freshDatabase(dialect)
      // Created by the attendance module's first migration, as databases made before the kernel owned it.
      expect(yield* onDatabase(db.url, Core.allMigrations(), Leases.acquireLease("t.job", "A", 60_000))).toBe(true)
      const sets = [...Core.allMigrations(), Leases.leaseMigrations]
      expect(yield* onDatabase(db.url, sets, Leases.acquireLease("t.job", "B", 60_000))).toBe(false)
      // The lease set right after the kernel's on a fresh database: attendance's creation is then a no-op.
      const fresh = yield* freshDatabase(dialect)
      const [kernel, ...modules] = Core.allMigrations()
      const first = [kernel!, Leases.leaseMigrations, ...modules]
      expect(yield* onDatabase(fresh.url, first, Leases.acquireLease("t.job", "B", 60_000))).toBe(true)
    })
  )
}
