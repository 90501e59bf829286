/**
 * The facade's channel configs group (`client.channels`, issue 22
 * "Channel configs"): the tenant's e-mail, SMS, webhook and chat channels.
 * One factory over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
import type { CreateChannelConfig, UpdateChannelConfig } from "@signet/contracts/activities/Channels"
import type { Session } from "./Session.js"

/**
 * `client.channels` (docs/activities.md "Channel configs"): reads need
 * `channels:read`, changes `channels:write` (admin-only by default).
 * Credentials are sent as a plain string and never answered — a channel
 * carries `has_credentials` and `credentials_hint` (last four characters).
 */
export const channelsApi = ({ call, callWith, path }: Session) => {
  const at = (id: string) => ({ path: { ...path, id } })
  return {
    /** The tenant's live channels, oldest first. */
    list: () => call((r) => r.channels.listChannels({ path })),
    /** One channel (rejects `ChannelNotFound`). */
    get: (id: string) => call((r) => r.channels.getChannel(at(id))),
    /**
     * Adds a channel: `{ kind: "email"|"sms"|"webhook"|"chat", name, settings,
     * credentials?, event_types?, enabled? }`; settings per kind (sms:
     * `{ url, from, method?, auth_header? }`, email: `{ from_address,
     * reply_to? }`, webhook and chat: `{ url }`).
     */
    create: (input: typeof CreateChannelConfig.Encoded) =>
      callWith("channels", "createChannel", input, (r, payload) => r.channels.createChannel({ path, payload })),
    /** Changes a channel; `credentials: null` removes them. */
    update: (id: string, patch: typeof UpdateChannelConfig.Encoded) =>
      callWith("channels", "updateChannel", patch, (r, payload) => r.channels.updateChannel({ ...at(id), payload })),
    /** Soft-deletes a channel. */
    remove: (id: string) => call((r) => r.channels.deleteChannel(at(id))),
    /** Restores a soft-deleted channel (rejects `Conflict` when it is live). */
    restore: (id: string) => call((r) => r.channels.restoreChannel(at(id)))
  }
}
