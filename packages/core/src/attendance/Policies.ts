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
import { instant } from "../kernel/Sql.js"
import { makeTtlCache } from "../kernel/TtlCache.js"
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
  readonly policy: AttendancePolicy
  readonly ips: BlockList | null
}

/** The policy operations of the attendance service. */
export const makePolicies = (s: Shared) => {
  // Read on every sign attempt; trusted for a second (other replicas' changes), dropped at once
  // by a change in this process; concurrent misses read once (kernel/TtlCache.ts).
  const policies = makeTtlCache<PolicyEntry>({ ttlMs: CACHE_TTL_MS, maxEntries: 5000 })

  /** A school's attendance policy: its row, else the tenant's settings (cached for a second). */
  const policyOf = (schoolId: SchoolId) =>
    Effect.flatMap(s.tenantId, (tid) => policies.get(`${tid}:${schoolId}`, loadPolicy(tid, schoolId)))
  /** Reads a school's policy: its row, else the tenant's settings. */
  const loadPolicy = (tid: Effect.Effect.Success<typeof s.tenantId>, schoolId: SchoolId) =>
    Effect.gen(function* () {
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
      return { policy, ips: typeof list === "string" ? null : list } satisfies PolicyEntry
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
    s
      .inTx(
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
          yield* policies.invalidate(`${tid}:${schoolId}`)
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
      .pipe(
        // Again after the commit: a read that began between the first drop and the commit saw the old row.
        Effect.ensuring(Effect.flatMap(s.tenantId, (tid) => policies.invalidate(`${tid}:${schoolId}`)))
      )

  return { policyOf, getPolicy, updatePolicy } as const
}

/** The policy seam's operations. */
export type Policies = ReturnType<typeof makePolicies>
