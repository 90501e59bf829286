/**
 * REST and RPC contracts of channel configs (issue 22 "Channel configs"):
 * `/api/v1/tenants/{slug}/channels…` — list and read (`channels:read`),
 * create, change, soft-delete and restore (`channels:write`). Credentials
 * are accepted on create and update and never answered. The RPC groups
 * `ChannelsQuery` and `ChannelsCommand` have the same semantics,
 * permissions and errors.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import {
  ChannelConfig,
  ChannelConfigList,
  ChannelNotFound,
  CreateChannelConfig,
  UpdateChannelConfig
} from "./Channels.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", Schema.String)

/** `channels` group: the tenant's communication channels (admin-only by default). */
export class ChannelsApi extends HttpApiGroup.make("channels")
  .add(
    HttpApiEndpoint.get("listChannels")`/api/v1/tenants/${slug}/channels`
      .addSuccess(ChannelConfigList)
      .annotate(OpenApi.Summary, "The tenant's channels, oldest first (channels:read; credentials never answered)")
  )
  .add(
    HttpApiEndpoint.post("createChannel")`/api/v1/tenants/${slug}/channels`
      .setPayload(CreateChannelConfig)
      .addSuccess(ChannelConfig, { status: 201 })
      .annotate(OpenApi.Summary, "Add a channel (channels:write): settings validated per kind, credentials encrypted")
  )
  .add(HttpApiEndpoint.get("getChannel")`/api/v1/tenants/${slug}/channels/${id}`.addSuccess(ChannelConfig))
  .add(
    HttpApiEndpoint.patch("updateChannel")`/api/v1/tenants/${slug}/channels/${id}`
      .setPayload(UpdateChannelConfig)
      .addSuccess(ChannelConfig)
  )
  .add(HttpApiEndpoint.del("deleteChannel")`/api/v1/tenants/${slug}/channels/${id}`.addSuccess(HttpApiSchema.NoContent))
  .add(
    HttpApiEndpoint.post("restoreChannel")`/api/v1/tenants/${slug}/channels/${id}/restore`
      .addSuccess(ChannelConfig)
      .annotate(OpenApi.Summary, "Restore a soft-deleted channel (409 when it is live or its name is taken)")
  )
  .addError(ChannelNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Channels")
  .annotate(
    OpenApi.Description,
    "Per-tenant communication channels (e-mail, SMS, webhook, chat): settings, encrypted credentials, enabled event types."
  ) {}

const Errors = Schema.Union(ChannelNotFound, Forbidden, ValidationError, Conflict)
const ById = { id: Schema.String }

/** Channel reads (`channels:read`). */
export class ChannelsQuery extends RpcGroup.make(
  Rpc.make("ListChannels", { success: ChannelConfigList, error: Errors }),
  Rpc.make("GetChannel", { payload: ById, success: ChannelConfig, error: Errors })
).middleware(RpcTenantAuth) {}

/** Channel changes (`channels:write`). */
export class ChannelsCommand extends RpcGroup.make(
  Rpc.make("CreateChannel", { payload: CreateChannelConfig, success: ChannelConfig, error: Errors }),
  Rpc.make("UpdateChannel", {
    payload: { id: Schema.String, patch: UpdateChannelConfig },
    success: ChannelConfig,
    error: Errors
  }),
  Rpc.make("DeleteChannel", { payload: ById, error: Errors }),
  Rpc.make("RestoreChannel", { payload: ById, success: ChannelConfig, error: Errors })
).middleware(RpcTenantAuth) {}
