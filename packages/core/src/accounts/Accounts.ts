/**
 * The accounts service (issue 18; ARCHITECTURE §1 module `accounts`): mail
 * delivery through the outbox, the self-service password reset and e-mail
 * verification, invitations (`Invitations.ts`, guarded by the `Admin.ts`
 * facade). Passkeys are identity's.
 *
 * Composed from its seams: `MailQueue.ts` (queuing and the sending
 * subscriber), `PasswordReset.ts` (request and confirm), `EmailVerification.ts`,
 * `MfaEmailCodes.ts` (e-mail login codes as a second factor),
 * `EmailCodeSignIn.ts` (passwordless sign-in by e-mail code),
 * `Notices.ts` (mails to admins), `SecurityNotices.ts` (mails to a user
 * when how they sign in changed) and `InvoiceMail.ts` (finalized invoices
 * to the tenant's billing contact, PDF attached), over
 * `Repo.ts`, `Templates.ts` and the {@link Mailer} transport. Users and
 * passwords are identity's, reached through the {@link AccountUsers} port.
 *
 * Building the service registers the mail subscriber with the events
 * dispatcher, so whichever process runs `Core.jobs` sends queued mail.
 *
 * @module
 */
import { Effect } from "effect"
import { makeEmailCodeSignIn } from "./EmailCodeSignIn.js"
import { makeEmailVerification } from "./EmailVerification.js"
import { makeInvitations } from "./Invitations.js"
import { makeInvoiceMail } from "./InvoiceMail.js"
import { makeMailQueue } from "./MailQueue.js"
import { makeMfaEmailCodes } from "./MfaEmailCodes.js"
import { makeNotices } from "./Notices.js"
import { makePasswordReset } from "./PasswordReset.js"
import { AccountsRepo } from "./Repo.js"
import { makeSecurityNotices } from "./SecurityNotices.js"

/** The accounts service; needs `Mailer`, `AccountUsers`, `Events`, `Envelope`, `Tenancy`, `Audit`, `RateLimiter`. */
export class Accounts extends Effect.Service<Accounts>()("Signet/Accounts", {
  effect: Effect.gen(function* () {
    const queue = yield* makeMailQueue
    yield* queue.register
    yield* Effect.flatMap(makeNotices(queue), (n) => n.register)
    yield* Effect.flatMap(makeSecurityNotices(queue), (n) => n.register)
    yield* Effect.flatMap(makeInvoiceMail(queue), (m) => m.register)
    const reset = yield* makePasswordReset(queue)
    const verification = yield* makeEmailVerification(queue)
    const invitations = yield* makeInvitations(queue)
    const emailCodes = yield* makeMfaEmailCodes(queue)
    const codeSignIn = yield* makeEmailCodeSignIn(emailCodes)
    return {
      requestPasswordReset: reset.request,
      confirmPasswordReset: reset.confirm,
      requestEmailVerification: verification.request,
      actionEmailVerification: verification.requestWithAction,
      confirmEmailVerification: verification.confirm,
      emailVerificationStatus: verification.status,
      sendMfaEmailCode: emailCodes.send,
      verifyMfaEmailCode: emailCodes.verify,
      sendSignInEmailCode: codeSignIn.send,
      verifySignInEmailCode: codeSignIn.verify,
      signInMethods: codeSignIn.methods,
      enqueueMail: queue.enqueue,
      /** Unguarded: call through `InvitationAdmin` (permission in the type). */
      invitations,
      acceptInvitation: invitations.accept
    } as const
  }),
  dependencies: [AccountsRepo.Default]
}) {}
