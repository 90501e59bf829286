import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { expect, it } from "vitest"
// @ts-expect-error — a plain ES module shared with bench/crash.mjs (no type declarations)
import { crashRun } from "../../../bench/crash-driver.mjs"

// Issue 8 §1: kill `signet serve` with SIGKILL at random moments while students sign; every
// acknowledged signature must survive exactly once and nothing may be half-written.
for (const dialect of testDialects()) {
  it(`SIGKILL during CreateSignatureAttempt, 20 times on ${dialect}: nothing acknowledged is lost or duplicated`, async () => {
    const db = await makeTestDatabase(dialect)
    try {
      const r = await crashRun({ databaseUrl: db.url, kills: 20, perCycle: 30 })
      expect(r.violations).toEqual([])
      expect(r.acknowledged).toBe(r.students)
      expect(r.rows).toBe(r.students)
      expect(r.lostConnections).toBeGreaterThan(0) // the kills did interrupt requests
    } finally {
      await db.dispose()
    }
  }, 240_000)
}
