/**
 * RPC handlers of `ChannelsQuery` and `ChannelsCommand` (`/rpc`, issue 22
 * "Channel configs"): one line each, the same facade calls
 * (`ChannelsAdmin`) and permissions as the REST handlers.
 *
 * @module
 */
import { ChannelsAdmin as C, ChannelsCommand, ChannelsQuery, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("channels:read")
const write = policyUse("channels:write")

/** Handlers of every channel RPC. */
export const ChannelsRpc = ChannelsQuery.merge(ChannelsCommand).toLayer({
  ListChannels: () => asPrincipal(C.list().pipe(read)),
  GetChannel: ({ id }) => asPrincipal(C.get(id).pipe(read)),
  CreateChannel: (input) => asPrincipal(C.create(input).pipe(write)),
  UpdateChannel: ({ id, patch }) => asPrincipal(C.update(id, patch).pipe(write)),
  DeleteChannel: ({ id }) => asPrincipal(C.remove(id).pipe(write)),
  RestoreChannel: ({ id }) => asPrincipal(C.restore(id).pipe(write))
})
