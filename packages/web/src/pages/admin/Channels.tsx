/**
 * Communication channels (`/t/{slug}/admin/channels`, issue 22 "Channel
 * configs"; seed 001 `channel_configs`): the school's e-mail, SMS, webhook
 * and chat channels — the settings the senders read per tenant. An admin
 * adds one (the fields shown follow its kind), lists them with their
 * enabled event types and a credentials hint, turns one on or off,
 * replaces its event types or credentials, and deletes it after an inline
 * confirmation.
 *
 * Credentials are write-only: the form sends them once, the list shows
 * only whether a channel has some and their last four characters (the
 * server never answers them). Core validates everything (`channels:write`,
 * settings per kind, `https` targets, 100 channels, the name unique); the
 * server's message is shown as is.
 *
 * @module
 */
import {
  type ChannelConfig,
  type ChannelKind,
  CreateChannelConfig,
  UpdateChannelConfig
} from "@signet/contracts/activities/Channels"
import { ChannelsApi } from "@signet/contracts/activities/ChannelsApi"
import type { User } from "@signet/contracts/identity/Domain"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, DeleteWithConfirm, field, Section, useAction } from "./shared.js"

const KINDS: ReadonlyArray<ChannelKind> = ["email", "sms", "webhook", "chat"]

/** The event types of a text field: one per line or comma-separated, trimmed, without blanks. */
const eventTypes = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "")

/** The settings object of `kind` from the form's fields (empty optional fields left out). */
const settingsOf = (kind: ChannelKind, f: HTMLFormElement): Record<string, unknown> => {
  const optional = (name: string) => (field(f, name) === "" ? {} : { [name]: field(f, name) })
  switch (kind) {
    case "email":
      return { from_address: field(f, "from_address"), ...optional("reply_to") }
    case "sms":
      return { url: field(f, "url"), from: field(f, "from"), ...optional("auth_header") }
    default:
      return { url: field(f, "url") }
  }
}

/** The non-secret settings of a channel, as one line of text. */
const describe = (c: ChannelConfig) =>
  Object.entries(c.settings)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(" · ")

/** `PATCH …/channels/{id}` with `patch`. */
const patchChannel = (
  slug: string,
  id: ChannelConfig["id"],
  patch: ConstructorParameters<typeof UpdateChannelConfig>[0]
) => call(ChannelsApi, (c) => c.channels.updateChannel({ path: { slug, id }, payload: new UpdateChannelConfig(patch) }))

/** The fields of `kind`'s settings. */
const SettingsFields = ({ kind }: { kind: ChannelKind }) => {
  const t = useT("admin")
  if (kind === "email")
    return (
      <>
        <label>
          {t("channels.fromAddress")}
          <input name="from_address" type="email" required maxLength={320} autoComplete="off" />
        </label>
        <label>
          {t("channels.replyTo")}
          <input name="reply_to" type="email" maxLength={320} autoComplete="off" />
        </label>
      </>
    )
  return (
    <>
      <label>
        {t(kind === "sms" ? "channels.smsUrl" : kind === "chat" ? "channels.chatUrl" : "channels.webhookUrl")}
        <input name="url" type="url" required maxLength={2048} placeholder="https://" autoComplete="off" />
      </label>
      {kind === "sms" && (
        <>
          <label>
            {t("channels.smsFrom")}
            <input name="from" required maxLength={32} autoComplete="off" />
          </label>
          <label>
            {t("channels.authHeader")}
            <input name="auth_header" maxLength={64} placeholder="Authorization" autoComplete="off" />
          </label>
        </>
      )}
    </>
  )
}

/** Adds a channel. */
const AddForm = ({ slug, onDone }: { slug: string; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const [kind, setKind] = useState<ChannelKind>("email")
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const credentials = String(new FormData(f).get("credentials") ?? "")
    void action
      .run(
        () =>
          call(ChannelsApi, (c) =>
            c.channels.createChannel({
              path: { slug },
              payload: new CreateChannelConfig({
                kind,
                name: field(f, "name"),
                enabled: new FormData(f).get("enabled") === "on",
                settings: settingsOf(kind, f),
                event_types: eventTypes(field(f, "event_types")),
                ...(credentials === "" ? {} : { credentials: Redacted.make(credentials) })
              })
            })
          ),
        (created) => t("channels.added", { name: created.name })
      )
      .then((r) => {
        if (!r) return
        f.reset()
        setKind("email")
        onDone()
      })
  }
  return (
    <Section title={t("channels.add")}>
      <form class="card form-grid" onSubmit={submit}>
        <label>
          {t("channels.kind")}
          <select
            name="kind"
            onChange={(ev) => setKind((ev.target as HTMLSelectElement).value as ChannelKind)}
            value={kind}
          >
            {KINDS.map((k) => (
              <option key={k} value={k} selected={k === kind}>
                {t(`channels.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("channels.name")}
          <input name="name" required maxLength={100} autoComplete="off" />
        </label>
        <SettingsFields kind={kind} />
        <label>
          {t("channels.credentials")}
          <input
            name="credentials"
            type="password"
            maxLength={4096}
            autoComplete="new-password"
            aria-describedby="channel-credentials-help"
          />
        </label>
        <p id="channel-credentials-help" class="muted">
          {t(`channels.credentialsHelp.${kind}`)}
        </p>
        <label>
          {t("channels.eventTypes")}
          <textarea
            name="event_types"
            rows={2}
            placeholder="signet.accounts.mfa.code"
            aria-describedby="channel-events-help"
          />
        </label>
        <p id="channel-events-help" class="muted">
          {t("channels.eventTypesHelp")}
        </p>
        <label class="check">
          <input type="checkbox" name="enabled" defaultChecked /> {t("channels.enabled")}
        </label>
        <button type="submit" disabled={action.busy}>
          {t("channels.create")}
        </button>
      </form>
      <ActionNotes action={action} />
    </Section>
  )
}

/** Replaces a channel's event types and, when typed, its credentials. */
const EditForm = ({ slug, channel, onDone }: { slug: string; channel: ChannelConfig; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const data = new FormData(f)
    const credentials = String(data.get("credentials") ?? "")
    const clear = data.get("clear_credentials") === "on"
    void action
      .run(
        () =>
          patchChannel(slug, channel.id, {
            event_types: eventTypes(field(f, "event_types")),
            ...(clear ? { credentials: null } : credentials === "" ? {} : { credentials: Redacted.make(credentials) })
          }),
        () => t("channels.saved", { name: channel.name })
      )
      .then((r) => {
        if (r) onDone()
      })
  }
  return (
    <details>
      <summary>
        {t("channels.edit")}
        <span class="sr-only"> {channel.name}</span>
      </summary>
      <form class="stack" onSubmit={submit}>
        <label>
          {t("channels.eventTypes")}
          <textarea name="event_types" rows={2} defaultValue={channel.event_types.join("\n")} />
        </label>
        <label>
          {t("channels.newCredentials")}
          <input name="credentials" type="password" maxLength={4096} autoComplete="new-password" />
        </label>
        {channel.has_credentials && (
          <label class="check">
            <input type="checkbox" name="clear_credentials" /> {t("channels.clearCredentials")}
          </label>
        )}
        <button type="submit" disabled={action.busy}>
          {t("channels.save")}
        </button>
      </form>
      <ActionNotes action={action} />
    </details>
  )
}

/** One channel's card: what it is, on/off, edit, delete. */
const ChannelItem = ({ slug, channel, onDone }: { slug: string; channel: ChannelConfig; onDone: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const toggle = () =>
    void action
      .run(
        () => patchChannel(slug, channel.id, { enabled: !channel.enabled }),
        () => undefined
      )
      .then((r) => {
        if (r) onDone()
      })
  const remove = () =>
    void action
      .run(() => call(ChannelsApi, (c) => c.channels.deleteChannel({ path: { slug, id: channel.id } })))
      .then(onDone)
  const credentials = channel.has_credentials
    ? channel.credentials_hint
      ? t("channels.credentialsHint", { hint: channel.credentials_hint })
      : t("channels.credentialsSet")
    : t("channels.credentialsNone")
  return (
    <li class="card stack" data-channel={channel.name}>
      <h3>
        {channel.name} <span class="muted">· {t(`channels.kinds.${channel.kind}`)}</span>
      </h3>
      <dl class="channel-facts">
        <dt>{t("channels.state")}</dt>
        <dd>{channel.enabled ? t("channels.on") : t("channels.off")}</dd>
        <dt>{t("channels.settings")}</dt>
        <dd>{describe(channel)}</dd>
        <dt>{t("channels.eventTypes")}</dt>
        <dd>{channel.event_types.length === 0 ? t("channels.noEvents") : channel.event_types.join(", ")}</dd>
        <dt>{t("channels.credentials")}</dt>
        <dd>{credentials}</dd>
        <dt>{t("channels.updated")}</dt>
        <dd>{formatDateTime(channel.updated_at)}</dd>
      </dl>
      <div class="toolbar">
        <button type="button" class="secondary" disabled={action.busy} onClick={toggle}>
          {channel.enabled ? t("channels.disable") : t("channels.enable")}
          <span class="sr-only"> {channel.name}</span>
        </button>
        <DeleteWithConfirm
          label={t("channels.deleteLabel", { name: channel.name })}
          question={t("channels.confirmDelete", { name: channel.name })}
          remove={t("channels.delete")}
          cancel={t("channels.cancel")}
          busy={action.busy}
          onDelete={remove}
        />
      </div>
      <ErrorNote error={action.error} />
      <EditForm slug={slug} channel={channel} onDone={onDone} />
    </li>
  )
}

/** The channels page. */
export const Channels = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const list = useLoad(() => call(ChannelsApi, (c) => c.channels.listChannels({ path: { slug } })), [slug])
  return (
    <Frame slug={slug} user={user} title={t("channels.title")}>
      <p class="muted">{t("channels.intro")}</p>
      <AddForm slug={slug} onDone={list.reload} />
      <Section title={t("channels.list")}>
        {list.loading && !list.data && <Loading />}
        <ErrorNote error={list.error} />
        {list.data && list.data.length === 0 && <p class="muted">{t("channels.none")}</p>}
        {list.data && list.data.length > 0 && (
          <ul class="list" aria-label={t("channels.list")}>
            {list.data.map((c) => (
              <ChannelItem key={c.id} slug={slug} channel={c} onDone={list.reload} />
            ))}
          </ul>
        )}
      </Section>
    </Frame>
  )
}
