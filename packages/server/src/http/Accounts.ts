/**
 * Handlers of the `accounts`, `accountsSelf` and `invitations` groups
 * (issue 18): the self-service password reset, e-mail verification,
 * e-mail login codes (the login's second step by mail),
 * invitations (administration over `InvitationAdmin`, acceptance). Core enforces every rule (limits, tokens, policy); the server only
 * derives the client address.
 *
 * @module
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import type { SignInCardsResult } from "@signet/contracts/accounts/Invitations"
import { Accounts, InvitationAdmin as I, policyUse, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import { webAcceptInvitation, webSignInEmailCode } from "../WebSession.js"

/** Handlers for requesting and confirming a password reset. */
export const AccountsHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "accounts", (handlers) =>
    handlers
      .handle("requestPasswordReset", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.requestPasswordReset(path.slug, payload, c)))
      )
      .handle("confirmPasswordReset", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.confirmPasswordReset(path.slug, payload, c)))
      )
      .handle("sendMfaEmailCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.sendMfaEmailCode(path.slug, payload, c)))
      )
      .handle("verifyMfaEmailCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.verifyMfaEmailCode(path.slug, payload, c)))
      )
      .handle("signInMethods", ({ path }) => Accounts.use((a) => a.signInMethods(path.slug)))
      .handle("sendSignInEmailCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.sendSignInEmailCode(path.slug, payload, c)))
      )
      .handle("verifySignInEmailCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.verifySignInEmailCode(path.slug, payload, c)))
      )
      .handle("actionEmailVerification", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) =>
          Accounts.use((a) => a.actionEmailVerification(path.slug, payload.action_token, c))
        )
      )
      .handle("confirmEmailVerification", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) =>
          Accounts.use((a) => a.confirmEmailVerification(path.slug, payload, c))
        )
      )
      .handle("acceptInvitation", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.acceptInvitation(path.slug, payload, c)))
      )
      .handle("acceptInvitationWeb", ({ path, payload }) => webAcceptInvitation(config, path.slug, payload))
      .handle("verifySignInEmailCodeWeb", ({ path, payload }) => webSignInEmailCode(config, path.slug, payload))
  )

/** Handlers for the signed-in user's e-mail verification (tenant and actor from the verified token). */
export const AccountsSelfHttp = HttpApiBuilder.group(SignetApi, "accountsSelf", (handlers) =>
  handlers
    .handle("requestEmailVerification", () => asPrincipal(Accounts.use((a) => a.requestEmailVerification)))
    .handle("emailVerificationStatus", () => asPrincipal(Accounts.use((a) => a.emailVerificationStatus)))
)

/** Skipped students the `Signet-Cards-Skipped-Users` header lists (the count header counts them all). */
const LISTED_SKIPS = 100

/**
 * The sign-in cards as a download: the PDF (`Content-Disposition:
 * attachment`) and the call's summary in headers.
 */
const cardsResponse = (r: SignInCardsResult) =>
  HttpServerResponse.uint8Array(r.pdf, {
    contentType: "application/pdf",
    headers: {
      "content-disposition": 'attachment; filename="sign-in-cards.pdf"',
      "cache-control": "no-store",
      "signet-cards-created": String(r.created),
      "signet-cards-skipped": String(r.skipped.length),
      "signet-cards-skipped-users": r.skipped
        .slice(0, LISTED_SKIPS)
        .map((s) => `${s.user_id}:${s.reason}`)
        .join(",")
    }
  })

const read = policyUse("users:read")
const write = policyUse("users:write")

/** Handlers of invitation administration (`users:read` to list, `users:write` for the rest). */
export const InvitationsHttp = HttpApiBuilder.group(SignetApi, "invitations", (h) =>
  h
    .handle("createInvitation", ({ payload }) => asPrincipal(I.create(payload).pipe(write)))
    .handle("bulkInvite", ({ payload }) => asPrincipal(I.bulk(payload).pipe(write)))
    .handle("signInCards", ({ payload }) => asPrincipal(I.signInCards(payload).pipe(write, Effect.map(cardsResponse))))
    .handle("listInvitations", ({ urlParams }) => asPrincipal(I.list(urlParams).pipe(read)))
    .handle("revokeInvitation", ({ path }) => asPrincipal(I.revoke(path.id).pipe(write)))
    .handle("resendInvitation", ({ path }) => asPrincipal(I.resend(path.id).pipe(write)))
)
