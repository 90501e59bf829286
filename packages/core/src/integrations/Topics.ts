/**
 * Topic families of the broker relay (issue 21 §2): every Signet CloudEvent
 * type maps to one family named after the seeds' Kafka topics
 * (`core.tenant.events`, `core.user.events` — seed 000; `billing.subscription.events`
 * — seed 002) and to a subject carrying the tenant and the type:
 * `<family>.<tenantId | "platform">.<type>`.
 *
 * | CloudEvent type prefix | family |
 * |---|---|
 * | `signet.tenant.` | `core.tenant.events` |
 * | `signet.user.`, `signet.auth.`, `signet.apikey.`, `signet.accounts.` | `core.user.events` |
 * | `signet.access.` | `core.access.events` |
 * | `signet.academics.` | `academics.course.events` |
 * | `signet.attendance.` | `attendance.signature.events` |
 * | `signet.beacon.` | `beacon.device.events` |
 * | `signet.billing.` | `billing.subscription.events` |
 * | `signet.integrations.` | `core.integrations.events` |
 * | anything else | `core.other.events` |
 *
 * JetStream stream names may not contain dots: a family's stream is its
 * name upper-cased with `_` for `.` (`CORE_TENANT_EVENTS`) and takes the
 * subjects `<family>.>`. An optional prefix (operators sharing a NATS
 * account, parallel test runs) goes before both: stream `P_CORE_TENANT_EVENTS`,
 * subjects `p.core.tenant.events.>`.
 *
 * @module
 */

/** Every topic family, in the order streams are created. */
export const TOPIC_FAMILIES = [
  "core.tenant.events",
  "core.user.events",
  "core.access.events",
  "academics.course.events",
  "attendance.signature.events",
  "beacon.device.events",
  "billing.subscription.events",
  "core.integrations.events",
  "core.other.events"
] as const

/** One topic family; see the module comment. */
export type TopicFamily = (typeof TOPIC_FAMILIES)[number]

/** The module segment of a CloudEvent type (`signet.<module>.…`) → its family. */
const FAMILY_OF_MODULE: Readonly<Record<string, TopicFamily>> = {
  tenant: "core.tenant.events",
  user: "core.user.events",
  auth: "core.user.events",
  apikey: "core.user.events",
  accounts: "core.user.events",
  access: "core.access.events",
  academics: "academics.course.events",
  attendance: "attendance.signature.events",
  beacon: "beacon.device.events",
  billing: "billing.subscription.events",
  integrations: "core.integrations.events"
}

/** The family of a CloudEvent type (`signet.attendance.signature.created` → `attendance.signature.events`). */
export const familyOf = (type: string): TopicFamily => {
  const [ns, module] = type.split(".")
  return (ns === "signet" && module !== undefined ? FAMILY_OF_MODULE[module] : undefined) ?? "core.other.events"
}

/** A subject/stream prefix: lowercase letters, digits, `_` and `-`, at most 32 characters (or empty). */
export const PREFIX_PATTERN = /^[a-z0-9_-]{0,32}$/

/** Subject tokens may not hold spaces, `*`, `>` or empty parts: anything else in a type becomes `_`. */
const token = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_") || "_"

/**
 * The subject of an event: `[prefix.]<family>.<tenantId | platform>.<type>`,
 * the type's dot-separated parts kept as subject tokens.
 */
export const subjectOf = (prefix: string, type: string, tenantId: string | null): string =>
  [
    ...(prefix ? [prefix] : []),
    familyOf(type),
    tenantId === null ? "platform" : token(tenantId),
    ...type.split(".").map(token)
  ].join(".")

/** A family's JetStream stream name: `[PREFIX_]CORE_TENANT_EVENTS`. */
export const streamName = (prefix: string, family: TopicFamily): string =>
  `${prefix ? `${prefix}.` : ""}${family}`.toUpperCase().replace(/[.-]/g, "_")

/** A family's stream subjects: `[prefix.]<family>.>`. */
export const streamSubjects = (prefix: string, family: TopicFamily): string =>
  `${prefix ? `${prefix}.` : ""}${family}.>`
