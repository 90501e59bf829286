import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { expect, it } from "vitest"
// @ts-expect-error — a plain ES module shared with bench/replicas.mjs (no type declarations)
import { haproxyPath, replicaRun } from "../../../bench/replicas-driver.mjs"

// Issue 23 goal 5: three `signet serve` replicas on one Postgres behind a real HAProxy. A replica is
// killed with SIGKILL mid-burst and restarted: no acknowledged signature lost or duplicated; every
// signature event enqueued once for a webhook endpoint and received; a per-account login limit holds
// across the replicas; courses ending during the run are closed once by the job's leader; tokens work
// across replicas, also after a key rotation. Postgres only (SQLite is one replica by design); .ci/run
// installs Debian's haproxy, and with CI set a missing haproxy fails rather than skips.
const pg = testDialects().includes("pg")
const haproxy = haproxyPath() !== null
if (process.env.CI && pg && !haproxy)
  throw new Error("haproxy is missing: .ci/run installs it (apt-get install haproxy)")

it.runIf(pg && haproxy)(
  "three replicas behind HAProxy, one killed and restarted mid-burst: nothing lost, duplicated or doubled",
  async () => {
    const db = await makeTestDatabase("pg")
    try {
      const r = await replicaRun({ databaseUrl: db.url, students: 150 })
      expect(r.violations).toEqual([])
      expect(r.acknowledged).toBe(150)
      expect(r.killedAt).toBeGreaterThan(0) // the kill happened mid-burst
      expect(r.restartedAt).toBeGreaterThan(r.killedAt)
      expect(r.loginAdmitted).toBe(r.loginLimit)
      expect(r.closed).toEqual([1, 1, 1])
      expect(r.leaderKilled).toBe(true) // the close job's leader was the one killed, and another took over
      expect(r.rotatedKid).toBe(true)
    } finally {
      await db.dispose()
    }
  },
  300_000
)
