/**
 * Operator settings of outgoing webhooks (issue 21 §1): the SSRF allowance,
 * the request timeout, the retry schedule, automatic disabling and the
 * secret overlap. Set by the operator (`SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS`,
 * or `Webhooks.configure` in-process) — never by a tenant or a request.
 *
 * @module
 */
import { Duration } from "effect"
import type { TargetOptions } from "./Target.js"

/** Webhook tuning; see the module comment. */
export interface WebhookOptions extends TargetOptions {
  /** Time allowed for one attempt (connect, headers, excerpt), ms (default 15 000). */
  readonly timeoutMs: number
  /** Attempts of one delivery before it fails (default 15: about 2.7 days with the default delays). */
  readonly maxAttempts: number
  /** Delay after the first failed attempt, ms (default 60 000); doubles per attempt. */
  readonly baseDelayMs: number
  /** Longest delay between attempts, ms (default 12 h). */
  readonly maxDelayMs: number
  /** Deliveries attempted per tenant per round of the job (default 50). */
  readonly batchSize: number
  /**
   * Deliveries of one round sent at once (default 8). Order holds: an
   * ordered endpoint has at most one delivery due at a time.
   */
  readonly concurrency: number
  /** How long the previous secret still signs after a rotation, ms (default 24 h). */
  readonly secretOverlapMs: number
  /** Idle poll interval of the delivery job, ms (default 1 000). */
  readonly pollIntervalMs: number
  /** How long finished deliveries and their attempts are kept, ms (default 30 days); the job prunes hourly. */
  readonly retentionMs: number
}

/** Default webhook tuning. */
export const defaultWebhookOptions: WebhookOptions = {
  allowPrivateTargets: false,
  timeoutMs: 15_000,
  maxAttempts: 15,
  baseDelayMs: 60_000,
  maxDelayMs: Duration.toMillis(Duration.hours(12)),
  batchSize: 50,
  concurrency: 8,
  secretOverlapMs: Duration.toMillis(Duration.hours(24)),
  pollIntervalMs: 1_000,
  retentionMs: Duration.toMillis(Duration.days(30))
}

/**
 * Delay before attempt `failed + 1` after `failed` failed attempts, ms:
 * `baseDelayMs · 2^(failed−1)`, capped at `maxDelayMs`, ±20 % jitter
 * (`random` in [0, 1)).
 */
export const retryDelayMs = (failed: number, options: WebhookOptions, random = Math.random()): number => {
  const base = options.baseDelayMs * 2 ** Math.max(0, failed - 1)
  return Math.round(Math.min(base, options.maxDelayMs) * (0.8 + 0.4 * random))
}
