/**
 * RPC handlers of `AccountsCommand` (`/rpc`, issue 18): one line each over
 * `InvitationAdmin`, as the REST `invitations` group; and of
 * `AccountsAuthService` over `Accounts`, with the client address and agent
 * derived as over REST (so the per-address limits hold for RPC clients).
 *
 * @module
 */

import { SignInCardsDocument } from "@signet/contracts/accounts/Invitations"
import { Accounts, AccountsAuthService, AccountsCommand, InvitationAdmin as I, policyUse } from "@signet/core"
import { Effect, Layer } from "effect"
import { asPrincipal, rpcClientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

const read = policyUse("users:read")
const write = policyUse("users:write")

/** Invitation administration over RPC (`users:read` to list, `users:write` for the rest). */
const AccountsCommandRpc = AccountsCommand.toLayer({
  CreateInvitation: (input) => asPrincipal(I.create(input).pipe(write)),
  BulkInvite: (input) => asPrincipal(I.bulk(input).pipe(write)),
  SignInCards: (input) =>
    asPrincipal(
      I.signInCards(input).pipe(
        write,
        Effect.map((r) => new SignInCardsDocument(r))
      )
    ),
  ListInvitations: (params) => asPrincipal(I.list(params).pipe(read)),
  RevokeInvitation: ({ invitation_id }) => asPrincipal(I.revoke(invitation_id).pipe(write)),
  ResendInvitation: ({ invitation_id }) => asPrincipal(I.resend(invitation_id).pipe(write))
})

/** The e-mail code steps of a sign-in over RPC (unauthenticated, as `AuthService.Login`). */
const AccountsAuthRpc = (config: ServerConfig) =>
  AccountsAuthService.toLayer({
    SendSignInEmailCode: ({ request, tenant }, { headers }) =>
      Accounts.use((a) => a.sendSignInEmailCode(tenant, request, rpcClientInfo(config, headers))),
    VerifySignInEmailCode: ({ request, tenant }, { headers }) =>
      Accounts.use((a) => a.verifySignInEmailCode(tenant, request, rpcClientInfo(config, headers))),
    ActionEmailVerification: ({ action_token, tenant }, { headers }) =>
      Accounts.use((a) => a.actionEmailVerification(tenant, action_token, rpcClientInfo(config, headers))),
    SendMfaEmailCode: ({ request, tenant }, { headers }) =>
      Accounts.use((a) => a.sendMfaEmailCode(tenant, request, rpcClientInfo(config, headers))),
    VerifyMfaEmailCode: ({ request, tenant }, { headers }) =>
      Accounts.use((a) => a.verifyMfaEmailCode(tenant, request, rpcClientInfo(config, headers)))
  })

/** The accounts groups. */
export const AccountsRpc = (config: ServerConfig) => Layer.merge(AccountsCommandRpc, AccountsAuthRpc(config))
