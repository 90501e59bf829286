/**
 * The channel configs facade (issue 22 "Channel configs"): each operation
 * carries its permission in its type; tenant and actor come from context.
 *
 * | operation | permission |
 * |---|---|
 * | list, get | `channels:read` |
 * | create, update, delete, restore | `channels:write` |
 *
 * Default roles: only admin (`*:*`) holds them — manager, teacher, user,
 * student do not, and viewer's "every read" leaves `channels:read` out.
 *
 * The in-process lookup for senders (`Activities.channels.resolve`, with
 * decrypted credentials) is deliberately not on this facade: no REST or
 * RPC handler can reach it.
 *
 * @module
 */
import type { CreateChannelConfig, UpdateChannelConfig } from "@signet/contracts/activities/Channels"
import { policyRequire } from "../access/Policy.js"
import { Activities } from "./Activities.js"

const read = policyRequire("channels", "read")
const write = policyRequire("channels", "write")

/** Channel config operations; see the module comment for the permissions. */
export const ChannelsAdmin = {
  /** The tenant's live channels, oldest first, without credentials. */
  list: () => read(Activities.use((a) => a.channels.list())),
  /** One live channel, without credentials. @errors ChannelNotFound */
  get: (id: string) => read(Activities.use((a) => a.channels.get(id))),
  /**
   * Adds a channel: settings validated for its kind, credentials encrypted.
   * @errors ValidationError (settings, settings.url), Conflict (name taken, 100 channels)
   */
  create: (input: CreateChannelConfig) => write(Activities.use((a) => a.channels.create(input))),
  /** Changes a channel (`credentials: null` removes them). @errors ChannelNotFound, ValidationError, Conflict */
  update: (id: string, patch: UpdateChannelConfig) => write(Activities.use((a) => a.channels.update(id, patch))),
  /** Soft-deletes a channel. @errors ChannelNotFound */
  remove: (id: string) => write(Activities.use((a) => a.channels.remove(id))),
  /** Restores a soft-deleted channel. @errors ChannelNotFound, Conflict (live, name taken) */
  restore: (id: string) => write(Activities.use((a) => a.channels.restore(id)))
} as const
