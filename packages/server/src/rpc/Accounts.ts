/**
 * RPC handlers of `AccountsCommand` (`/rpc`, issue 18): one line each over
 * `InvitationAdmin`, as the REST `invitations` group.
 *
 * @module
 */
import { AccountsCommand, InvitationAdmin as I, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("users:read")
const write = policyUse("users:write")

/** Invitation administration over RPC (`users:read` to list, `users:write` for the rest). */
export const AccountsRpc = AccountsCommand.toLayer({
  CreateInvitation: (input) => asPrincipal(I.create(input).pipe(write)),
  BulkInvite: (input) => asPrincipal(I.bulk(input).pipe(write)),
  ListInvitations: (params) => asPrincipal(I.list(params).pipe(read)),
  RevokeInvitation: ({ invitation_id }) => asPrincipal(I.revoke(invitation_id).pipe(write)),
  ResendInvitation: ({ invitation_id }) => asPrincipal(I.resend(invitation_id).pipe(write))
})
