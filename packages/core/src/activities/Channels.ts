/**
 * Channel configs (issue 22 "Channel configs"; seed 001 `channel_configs`):
 * the tenant's e-mail, SMS, webhook and chat channels. Internal to
 * `Activities.ts`; permissions are on the facade (`ChannelsAdmin.ts`).
 *
 * - Settings are validated per kind (`CHANNEL_SETTINGS`, unknown keys
 *   refused); a `url` must pass the outgoing-URL rules of
 *   `kernel/OutboundUrl.ts`: `https`, no credentials or fragment, no
 *   loopback / private / link-local literal host — unless the operator
 *   allows private targets (`SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS=true`, or
 *   {@link ChannelTargetPolicy} provided in-process). Names resolving to
 *   private addresses are refused at connection time by the sender's
 *   guarded agent.
 * - Credentials are envelope-encrypted (AES-256-GCM, AAD naming tenant,
 *   table and channel: `channelCredentialsColumn`) and never answered:
 *   reads carry `has_credentials` and the last four characters when the
 *   secret is at least 12 long. Only {@link makeChannels}' `resolve`
 *   decrypts, for senders in this process (never over REST or RPC).
 * - Every change writes one audit row (`activities.channel.<action>`,
 *   before and after without credentials) and one CloudEvent
 *   `signet.activities.channel.created|updated|deleted|restored`.
 *
 * @module
 */
import {
  CHANNEL_SETTINGS,
  ChannelConfig,
  ChannelConfigId,
  type ChannelKind,
  ChannelNotFound,
  type CreateChannelConfig,
  MAX_CHANNELS_PER_TENANT,
  type UpdateChannelConfig
} from "@signet/contracts/activities/Channels"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { type Context, DateTime, Effect, Option, ParseResult, Redacted, Schema } from "effect"
import type { Envelope } from "../kernel/Crypto.js"
import { ChannelTargetPolicy, checkEndpointUrl } from "../kernel/OutboundUrl.js"
import type { ChannelFields, ChannelRow } from "./ChannelRepo.js"
import { type ActivityDeps, changeRecorder } from "./Kit.js"
import { channelCredentialsAad } from "./Migrations.js"

/**
 * A channel as a sender in this process receives it from `resolve`: the
 * public config (settings validated for its kind) and the decrypted
 * credentials, `Redacted` so they never reach a log.
 */
export interface ResolvedChannel {
  readonly config: ChannelConfig
  readonly credentials: Option.Option<Redacted.Redacted<string>>
}

/** The shortest secret whose last four characters are shown as a hint. */
const HINT_MIN_CHARS = 12

const hintOf = (secret: string) => (secret.length >= HINT_MIN_CHARS ? secret.slice(-4) : null)

/** A stored row as answered: no ciphertext. */
const present = (row: ChannelRow) =>
  new ChannelConfig({
    id: row.id,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    event_types: row.event_types,
    has_credentials: row.credentials_enc !== null,
    credentials_hint: row.credentials_hint,
    created_at: row.created_at,
    updated_at: row.updated_at
  })

const notFound = (id: string) => new ChannelNotFound({ message: `no channel ${id}`, id })

/** Whether a channel with these event types serves `eventType` (`*` serves every event). */
export const servesEvent = (eventTypes: ReadonlyArray<string>, eventType: string) =>
  eventTypes.includes("*") || eventTypes.includes(eventType)

/**
 * A channel's settings for `kind`, decoded (unknown keys refused) and its
 * `url`, if any, checked by the outgoing-URL rules.
 * @errors ValidationError (settings, settings.url)
 */
export const checkChannelSettings = (kind: ChannelKind, raw: unknown, envAllowPrivate: boolean) =>
  Effect.gen(function* () {
    const schema: Schema.Schema<Readonly<Record<string, unknown>>, unknown> = CHANNEL_SETTINGS[kind] as never
    const settings = yield* Schema.decodeUnknown(schema, { onExcessProperty: "error" })(raw).pipe(
      Effect.mapError((e) =>
        ValidationError.field("settings", ParseResult.TreeFormatter.formatErrorSync(e).replace(/\s+/g, " "))
      )
    )
    if (typeof settings.url === "string") {
      const policy = yield* ChannelTargetPolicy
      const checked = checkEndpointUrl(settings.url, {
        allowPrivateTargets: envAllowPrivate || policy.allowPrivateTargets
      })
      if (typeof checked === "string") return yield* ValidationError.field("settings.url", checked)
    }
    return settings
  })

/** The channel operations over `deps`, encrypting with `envelope`. */
export const makeChannels = (
  { audit, events, inTx, repo }: ActivityDeps,
  envelope: Context.Tag.Service<Envelope>,
  envAllowPrivate: boolean
) => {
  const changed = changeRecorder({ audit, events }, "channel")

  const encrypt = (id: string, secret: Redacted.Redacted<string>) =>
    Effect.flatMap(CurrentTenant, (t) => envelope.encrypt(Redacted.value(secret), channelCredentialsAad(t.id, id)))

  const requireFreeName = (name: string, except: string | null) =>
    Effect.flatMap(repo.channelNameTaken(name, except), (taken) =>
      taken ? new Conflict({ message: `a channel named ${name} exists`, field: "name" }) : Effect.void
    )

  const findRow = (id: string, deleted = false) =>
    Effect.flatMap(
      Schema.is(ChannelConfigId)(id) ? repo.findChannel(id, deleted) : Effect.succeed(Option.none<ChannelRow>()),
      Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
    )

  /** Adds a channel. @errors ValidationError, Conflict (name taken, or the tenant's limit) */
  const create = (input: CreateChannelConfig) =>
    Effect.gen(function* () {
      const settings = yield* checkChannelSettings(input.kind, input.settings, envAllowPrivate)
      const id = yield* newId(ChannelConfigId)
      const secret = input.credentials
      const credentials_enc = secret === undefined ? null : yield* encrypt(id, secret)
      const fields: ChannelFields = {
        name: input.name,
        enabled: input.enabled ?? true,
        settings,
        credentials_enc,
        credentials_hint: secret === undefined ? null : hintOf(Redacted.value(secret)),
        event_types: [...new Set(input.event_types ?? [])]
      }
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* repo.countChannels()) >= MAX_CHANNELS_PER_TENANT)
            return yield* new Conflict({ message: `at most ${MAX_CHANNELS_PER_TENANT} channels per tenant` })
          yield* requireFreeName(fields.name, null)
          yield* repo.insertChannel(id, input.kind, fields, yield* DateTime.now)
          const after = present(Option.getOrThrow(yield* repo.findChannel(id)))
          yield* changed("created", after)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.createChannel"))

  /** The tenant's live channels, oldest first. */
  const list = () => Effect.map(inTx(repo.listChannels()), (rows) => rows.map(present))

  /** One live channel. @errors ChannelNotFound */
  const get = (id: string) => Effect.map(inTx(findRow(id)), present)

  /** Changes a channel. @errors ChannelNotFound, ValidationError, Conflict (name taken) */
  const update = (id: string, patch: UpdateChannelConfig) =>
    Effect.gen(function* () {
      const current = yield* inTx(findRow(id))
      const settings =
        patch.settings === undefined
          ? current.settings
          : yield* checkChannelSettings(current.kind, patch.settings, envAllowPrivate)
      const secret = patch.credentials
      const fields: ChannelFields = {
        name: patch.name ?? current.name,
        enabled: patch.enabled ?? current.enabled,
        settings,
        credentials_enc:
          secret === undefined ? current.credentials_enc : secret === null ? null : yield* encrypt(current.id, secret),
        credentials_hint:
          secret === undefined ? current.credentials_hint : secret === null ? null : hintOf(Redacted.value(secret)),
        event_types: patch.event_types === undefined ? current.event_types : [...new Set(patch.event_types)]
      }
      return yield* inTx(
        Effect.gen(function* () {
          const before = present(yield* findRow(id))
          if (fields.name !== before.name) yield* requireFreeName(fields.name, before.id)
          yield* repo.updateChannel(before.id, fields, yield* DateTime.now)
          const after = present(Option.getOrThrow(yield* repo.findChannel(before.id)))
          yield* changed("updated", after, before)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateChannel"))

  /** Soft-deletes a channel. @errors ChannelNotFound */
  const remove = (id: string) =>
    inTx(
      Effect.gen(function* () {
        const before = present(yield* findRow(id))
        yield* repo.deleteChannel(before.id, yield* DateTime.now)
        yield* changed("deleted", before)
      })
    ).pipe(Effect.withSpan("Activities.deleteChannel"))

  /** Restores a soft-deleted channel. @errors ChannelNotFound, Conflict (live already, or its name taken) */
  const restore = (id: string) =>
    inTx(
      Effect.gen(function* () {
        const live = Schema.is(ChannelConfigId)(id) ? yield* repo.findChannel(id) : Option.none()
        if (Option.isSome(live)) return yield* new Conflict({ message: `channel ${id} is not deleted` })
        const row = yield* findRow(id, true)
        yield* requireFreeName(row.name, row.id)
        if ((yield* repo.countChannels()) >= MAX_CHANNELS_PER_TENANT)
          return yield* new Conflict({ message: `at most ${MAX_CHANNELS_PER_TENANT} channels per tenant` })
        if (!(yield* repo.restoreChannel(row.id, yield* DateTime.now)))
          return yield* new Conflict({ message: `channel ${id} is not deleted` })
        const after = present(Option.getOrThrow(yield* repo.findChannel(row.id)))
        yield* changed("restored", after)
        return after
      })
    ).pipe(Effect.withSpan("Activities.restoreChannel"))

  /**
   * The enabled live channel of `kind` serving `eventType` in the current
   * tenant (the oldest when several do), with its credentials decrypted —
   * for senders in this process (accounts' SMS and mail, integrations);
   * never exposed over REST or RPC. None when the tenant has no such
   * channel. A credentials ciphertext that fails to decrypt (wrong master
   * key, tampering) is a defect.
   */
  const resolve = (kind: ChannelKind, eventType: string) =>
    Effect.gen(function* () {
      const rows = yield* inTx(repo.listChannels(kind))
      const row = rows.find((r) => r.enabled && servesEvent(r.event_types, eventType))
      if (row === undefined) return Option.none<ResolvedChannel>()
      const tenant = yield* CurrentTenant
      const credentials =
        row.credentials_enc === null
          ? Option.none<Redacted.Redacted<string>>()
          : Option.some(
              yield* Effect.orDie(envelope.decryptString(row.credentials_enc, channelCredentialsAad(tenant.id, row.id)))
            )
      return Option.some<ResolvedChannel>({ config: present(row), credentials })
    }).pipe(Effect.withSpan("Activities.resolveChannel", { attributes: { kind, eventType } }))

  return { create, list, get, update, remove, restore, resolve } as const
}

export { ChannelTargetPolicy, channelsAllowPrivateTargets } from "../kernel/OutboundUrl.js"
