/**
 * Audit log domain (seed 001 "audit_logs"; ARCHITECTURE §5 "Audit log").
 *
 * @module
 */
import { Schema } from "effect"
import { ActorKind, TenantId } from "../kernel/Context.js"

/** Branded audit-entry id (UUIDv7; seed 001 "audit_logs"). Entries are also numbered per tenant by `seq`. */
export const AuditEntryId = Schema.UUID.pipe(
  Schema.brand("AuditEntryId"),
  Schema.annotations({ identifier: "AuditEntryId" })
)
/** @see AuditEntryId */
export type AuditEntryId = typeof AuditEntryId.Type

/** One audit row as exposed by the API (before/after already redacted). */
export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: AuditEntryId,
  tenant_id: TenantId,
  seq: Schema.Number,
  actor_kind: ActorKind,
  actor_id: Schema.NullOr(Schema.String),
  action: Schema.String,
  target_type: Schema.String,
  target_id: Schema.NullOr(Schema.String),
  before: Schema.Unknown,
  after: Schema.Unknown,
  ip: Schema.NullOr(Schema.String),
  user_agent: Schema.NullOr(Schema.String),
  request_id: Schema.NullOr(Schema.String),
  occurred_at: Schema.DateTimeUtc,
  prev_hash: Schema.String,
  hash: Schema.String
}) {}

/** Result of walking a tenant's hash chain. */
export class ChainVerification extends Schema.Class<ChainVerification>("ChainVerification")({
  tenant_id: TenantId,
  ok: Schema.Boolean,
  checked: Schema.Number.annotations({ description: "Rows walked" }),
  head_seq: Schema.Number,
  broken: Schema.NullOr(
    Schema.Struct({
      seq: Schema.Number,
      id: Schema.String,
      reason: Schema.Literal("hash_mismatch", "prev_hash_mismatch", "sequence_gap", "head_mismatch")
    })
  )
}) {}

/** What a service passes to `Audit.record`. */
export interface AuditInput {
  /** Dotted verb, e.g. `tenant.create`, `settings.update`. */
  readonly action: string
  readonly targetType: string
  readonly targetId: string | null
  readonly before?: unknown
  readonly after?: unknown
}
