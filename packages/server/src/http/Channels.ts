/**
 * Handlers of the `channels` group (issue 22 "Channel configs") over
 * `ChannelsAdmin` (core): reads need `channels:read`, changes
 * `channels:write`; validation, encryption and the tenant are in core.
 * Credentials are never answered.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { ChannelsAdmin as C, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("channels:read")
const write = policyUse("channels:write")

/** The tenant's channels under `/api/v1/tenants/{slug}/channels…`. */
export const ChannelsHttp = HttpApiBuilder.group(SignetApi, "channels", (h) =>
  h
    .handle("listChannels", () => asPrincipal(C.list().pipe(read)))
    .handle("createChannel", ({ payload }) => asPrincipal(C.create(payload).pipe(write)))
    .handle("getChannel", ({ path }) => asPrincipal(C.get(path.id).pipe(read)))
    .handle("updateChannel", ({ path, payload }) => asPrincipal(C.update(path.id, payload).pipe(write)))
    .handle("deleteChannel", ({ path }) => asPrincipal(C.remove(path.id).pipe(write)))
    .handle("restoreChannel", ({ path }) => asPrincipal(C.restore(path.id).pipe(write)))
)
