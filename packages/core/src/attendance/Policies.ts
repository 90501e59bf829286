/**
 * School attendance policies (issue 5 §3): per school, the late policy
 * after the closing delay (`late` or `refuse`), the grace around the course
 * window, the QR step and the IP allow-list of student-initiated signatures.
 * A school without its own row uses the tenant settings
 * (`attendance.late_policy`, `attendance.window_grace_minutes`,
 * `attendance.qr_step_seconds`) and no allow-list.
 *
 * @module
 */
import { BlockList, isIP } from "node:net"
import type { SchoolId } from "@signet/contracts/academics/Domain"
import { AttendancePolicy, type UpdateAttendancePolicy } from "@signet/contracts/attendance/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Effect, Option } from "effect"
import { makeSingleFlight } from "../kernel/SingleFlight.js"
import { instant } from "../kernel/Sql.js"
import { notFound, type Shared } from "./Shared.js"

/** How long a cached school policy is trusted before re-reading (ms). */
const CACHE_TTL_MS = 1000

/** Parses an IP allow-list (IPv4/IPv6 addresses or CIDR ranges). Answers the bad entry on failure. */
export const blockListOf = (entries: ReadonlyArray<string>): BlockList | string => {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.trim().split("/")
    const family = isIP(address ?? "")
    if (!address || family === 0) return entry
    const type = family === 4 ? "ipv4" : "ipv6"
    if (prefix === undefined) list.addAddress(address, type)
    else {
      const bits = Number(prefix)
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return entry
      list.addSubnet(address, bits, type)
    }
  }
  return list
}

/** Whether `ip` is in the allow-list `ips` (no allow-list: everyone; no address: no one). */
export const ipAllowed = (ips: BlockList | null, ip: string | undefined): boolean =>
  ips === null || (ip !== undefined && ips.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4"))

/** A school's policy as the rules read it, with its parsed allow-list. */
export interface PolicyEntry {
  readonly at: number
  readonly policy: AttendancePolicy
  readonly ips: BlockList | null
}

/** The policy operations of the attendance service. */
export const makePolicies = (s: Shared) => {
  const policies = new Map<string, PolicyEntry>()
  // Requests that find the entry stale at once (every second under load) wait for one read.
  const policyLoads = makeSingleFlight<PolicyEntry, never>()
  // Policy changes made in this process: a load begun before one neither serves nor caches after it.
  let changes = 0

  /** A school's attendance policy: its row, else the tenant's settings (cached for a second). */
  const policyOf = (schoolId: SchoolId) =>
    Effect.gen(function* () {
      const tid = yield* s.tenantId
      const cacheKey = `${tid}:${schoolId}`
      const nowMs = yield* Clock.currentTimeMillis
      const hit = policies.get(cacheKey)
      if (hit && nowMs - hit.at < CACHE_TTL_MS) return hit
      return yield* policyLoads(`${cacheKey}:${changes}`, loadPolicy(tid, cacheKey, schoolId))
    })
  /** Reads a school's policy and caches it (one read at a time per school: see `policyOf`). */
  const loadPolicy = (tid: Effect.Effect.Success<typeof s.tenantId>, cacheKey: string, schoolId: SchoolId) =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const seen = changes
      const row = yield* s.inTx(s.repo.findPolicy(schoolId))
      const policy = Option.isSome(row)
        ? row.value
        : new AttendancePolicy({
            school_id: schoolId,
            late_policy: yield* s.tenancy.settingValue<"late" | "refuse">(tid, "attendance.late_policy"),
            window_grace_minutes: yield* s.tenancy.settingValue<number>(tid, "attendance.window_grace_minutes"),
            qr_step_seconds: yield* s.tenancy.settingValue<number>(tid, "attendance.qr_step_seconds"),
            ip_allowlist: []
          })
      const list = policy.ip_allowlist.length > 0 ? blockListOf(policy.ip_allowlist) : null
      const entry: PolicyEntry = { at: nowMs, policy, ips: typeof list === "string" ? null : list }
      if (policies.size > 5000) policies.clear()
      if (seen === changes) policies.set(cacheKey, entry)
      return entry
    })

  /** `GET …/schools/{id}/attendance-policy`. @errors AttendanceNotFound (school) */
  const getPolicy = (schoolId: SchoolId) =>
    Effect.gen(function* () {
      yield* s.academics
        .getSchool(schoolId)
        .pipe(Effect.catchTag("AcademicsNotFound", () => notFound("school", schoolId)))
      return (yield* policyOf(schoolId)).policy
    })

  /**
   * `PUT …/schools/{id}/attendance-policy` (partial). Audit row `attendance.policy.updated`.
   * @errors AttendanceNotFound (school), ValidationError (an allow-list entry that is not an IP or CIDR range)
   */
  const updatePolicy = (schoolId: SchoolId, patch: UpdateAttendancePolicy) =>
    s.inTx(
      Effect.gen(function* () {
        const before = yield* getPolicy(schoolId)
        if (patch.ip_allowlist) {
          const list = blockListOf(patch.ip_allowlist)
          if (typeof list === "string")
            return yield* ValidationError.field("ip_allowlist", `"${list}" is not an IP address or CIDR range`)
        }
        const after = new AttendancePolicy({
          school_id: schoolId,
          late_policy: patch.late_policy ?? before.late_policy,
          window_grace_minutes: patch.window_grace_minutes ?? before.window_grace_minutes,
          qr_step_seconds: patch.qr_step_seconds ?? before.qr_step_seconds,
          ip_allowlist: patch.ip_allowlist ?? before.ip_allowlist
        })
        const tid = yield* s.tenantId
        yield* s.repo.upsertPolicy(after, instant(yield* Clock.currentTimeMillis))
        policies.delete(`${tid}:${schoolId}`)
        changes++
        yield* s.audit.record({
          action: "attendance.policy.updated",
          targetType: "school",
          targetId: schoolId,
          before,
          after
        })
        return after
      })
    )

  return { policyOf, getPolicy, updatePolicy } as const
}

/** The policy seam's operations. */
export type Policies = ReturnType<typeof makePolicies>
