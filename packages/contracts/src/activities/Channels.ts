/**
 * Channel configs (issue 22 "Channel configs"; seed 001 `channel_configs`):
 * the tenant's communication channels — e-mail, SMS, webhook, chat — with
 * non-secret settings validated per kind, secret credentials encrypted at
 * rest and never answered (only `has_credentials` and a last-four hint),
 * and the CloudEvent types each channel is enabled for. The accounts and
 * integrations senders read their per-tenant settings here (in-process).
 *
 * Limits: names ≤ {@link MAX_CHANNEL_NAME_CHARS} characters, credentials ≤
 * {@link MAX_CHANNEL_CREDENTIALS_CHARS} characters, at most
 * {@link MAX_CHANNEL_EVENT_TYPES} event types per channel and
 * {@link MAX_CHANNELS_PER_TENANT} live channels per tenant.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Branded channel config id (UUIDv7). */
export const ChannelConfigId = Schema.UUID.pipe(
  Schema.brand("ChannelConfigId"),
  Schema.annotations({ identifier: "ChannelConfigId" })
)
/** @see ChannelConfigId */
export type ChannelConfigId = typeof ChannelConfigId.Type

/** Longest channel name, characters. */
export const MAX_CHANNEL_NAME_CHARS = 100
/** Longest credentials value (a token, a password or a JSON text), characters. */
export const MAX_CHANNEL_CREDENTIALS_CHARS = 4096
/** Most event types one channel is enabled for. */
export const MAX_CHANNEL_EVENT_TYPES = 50
/** Most live channels of one tenant. */
export const MAX_CHANNELS_PER_TENANT = 100

/** The kinds of channels. */
export const ChannelKind = Schema.Literal("email", "sms", "webhook", "chat")
/** @see ChannelKind */
export type ChannelKind = typeof ChannelKind.Type

/**
 * A CloudEvent type a channel is enabled for, e.g.
 * `signet.accounts.mfa.code` (dot-separated lower-case words), or `*` for
 * every event.
 */
export const ChannelEventType = Schema.String.pipe(
  Schema.pattern(/^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)+)$/, {
    message: () => "must be a dotted event type like signet.accounts.mfa.code, or *"
  }),
  Schema.maxLength(200)
)

const Url = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))
const Address = Schema.String.pipe(
  Schema.pattern(/^[^\s@]+@[^\s@]+$/, { message: () => "must be an e-mail address" }),
  Schema.maxLength(320)
)
const HeaderName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9-]{1,64}$/, { message: () => "must be an HTTP header name" })
)

/** Settings of an `email` channel: the sender address and an optional reply-to. */
export const EmailChannelSettings = Schema.Struct({
  from_address: Address,
  reply_to: Schema.optional(Schema.NullOr(Address))
}).annotations({ identifier: "EmailChannelSettings" })

/**
 * Settings of an `sms` channel (HTTP transport, issue 18): the provider
 * URL the message is sent to, the sender (`from`: number or alphanumeric
 * id), the HTTP method (default POST) and the header carrying the
 * credentials (default `Authorization: Bearer <credentials>`).
 */
export const SmsChannelSettings = Schema.Struct({
  url: Url,
  from: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32)),
  method: Schema.optional(Schema.Literal("POST", "PUT")),
  auth_header: Schema.optional(HeaderName)
}).annotations({ identifier: "SmsChannelSettings" })

/** Settings of a `webhook` channel: the receiver URL. */
export const WebhookChannelSettings = Schema.Struct({ url: Url }).annotations({
  identifier: "WebhookChannelSettings"
})

/** Settings of a `chat` channel: the chat service's incoming-webhook URL. */
export const ChatChannelSettings = Schema.Struct({ url: Url }).annotations({ identifier: "ChatChannelSettings" })

/** The settings schema of each kind (unknown keys are dropped). */
export const CHANNEL_SETTINGS = {
  email: EmailChannelSettings,
  sms: SmsChannelSettings,
  webhook: WebhookChannelSettings,
  chat: ChatChannelSettings
} as const

/** The non-secret settings of any channel, as stored and answered (validated per kind in core). */
export const ChannelSettings = Schema.Record({ key: Schema.String, value: Schema.Unknown })
/** @see ChannelSettings */
export type ChannelSettings = typeof ChannelSettings.Type

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_CHANNEL_NAME_CHARS))
const Credentials = Schema.Redacted(
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_CHANNEL_CREDENTIALS_CHARS))
)
const EventTypes = Schema.Array(ChannelEventType).pipe(Schema.maxItems(MAX_CHANNEL_EVENT_TYPES))

/**
 * A channel as answered: never its credentials, only whether it has some
 * and their last four characters (`credentials_hint`, null when shorter
 * than 12 characters).
 */
export class ChannelConfig extends Schema.Class<ChannelConfig>("ChannelConfig")({
  id: ChannelConfigId,
  kind: ChannelKind,
  name: Schema.String,
  enabled: Schema.Boolean,
  settings: ChannelSettings,
  event_types: Schema.Array(Schema.String),
  has_credentials: Schema.Boolean,
  credentials_hint: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A new channel (`channels:write`). `enabled` defaults to true, `event_types` to none. */
export class CreateChannelConfig extends Schema.Class<CreateChannelConfig>("CreateChannelConfig")({
  kind: ChannelKind,
  name: Name,
  enabled: Schema.optional(Schema.Boolean),
  settings: ChannelSettings,
  credentials: Schema.optional(Credentials),
  event_types: Schema.optional(EventTypes)
}) {}

/**
 * A change of a channel; absent fields are kept. `settings` replaces the
 * whole settings object (validated for the channel's kind);
 * `credentials: null` removes them.
 */
export class UpdateChannelConfig extends Schema.Class<UpdateChannelConfig>("UpdateChannelConfig")({
  name: Schema.optional(Name),
  enabled: Schema.optional(Schema.Boolean),
  settings: Schema.optional(ChannelSettings),
  credentials: Schema.optional(Schema.NullOr(Credentials)),
  event_types: Schema.optional(EventTypes)
}) {}

/** The tenant's live channels, oldest first (at most {@link MAX_CHANNELS_PER_TENANT}). */
export const ChannelConfigList = Schema.Array(ChannelConfig).annotations({ identifier: "ChannelConfigList" })

/** 404 — no such live channel in the tenant (another tenant's answers this too). */
export class ChannelNotFound extends Schema.TaggedError<ChannelNotFound>()(
  "ChannelNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such channel" })
) {}
