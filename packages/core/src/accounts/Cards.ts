/**
 * Printable sign-in cards (issue 18 "Invitations": "for students without
 * e-mail: printable sign-in cards (PDF, one per student, with a one-time QR
 * code that leads to setting a password or a passkey) per group"). Why each
 * step is there:
 *
 * - **Who may print**: the facade asks `users:write`; here the actor must
 *   also hold every permission of the student default role
 *   (`Access.requireHeldRole`) and of each student
 *   (`Access.requireHeldUser`), as inviting one by e-mail asks.
 * - **Which students**: the group's live student members (academics', through
 *   the {@link AccountGroups} port; another tenant's group is
 *   `AcademicsNotFound`, 404), or only the `user_ids` among them. A student
 *   with a password or disabled is skipped and listed with the reason; so is
 *   a `user_ids` entry that is no student member. More than
 *   {@link MAX_BULK_INVITATIONS} students in one call is a `ValidationError`.
 * - **The token** follows the invitation rules (`Invitations.ts`): 32
 *   CSPRNG bytes, only its SHA-256 stored, single use, expiring
 *   (`SIGNET_INVITE_TTL_HOURS`). A card invitation (channel `card`)
 *   replaces a pending one of the student, as a resend does: the older
 *   link dies. No mail is sent: the token exists only in the PDF, rendered
 *   before anything is stored (a failed write leaves no live card).
 * - One audit row for the call (`account.sign_in_cards`), one
 *   `signet.accounts.invitation.created` event per card (`channel: "card"`),
 *   calls counted in the actor's invitation budget (`SIGNET_RATE_INVITE`).
 *
 * @module
 */
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import {
  MAX_BULK_INVITATIONS,
  SignInCardSkip,
  type SignInCards,
  type SignInCardsResult
} from "@signet/contracts/accounts/Invitations"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { type RateLimited, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, type Context, DateTime, Effect, Option } from "effect"
import { Access } from "../access/Access.js"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { instant } from "../kernel/Sql.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { type CardContent, renderSignInCards } from "./CardsPdf.js"
import type { AccountGroups, AccountUsers, Invitee } from "./Ports.js"
import type { AccountsRepo } from "./Repo.js"
import { newLinkToken } from "./Shared.js"

/** What the cards take from the invitations' kit (`Invitations.ts`): its services, limit, origin and link lifetime. */
export interface CardsKit {
  readonly repo: AccountsRepo
  readonly users: Context.Tag.Service<AccountUsers>
  readonly groups: Context.Tag.Service<AccountGroups>
  readonly tenancy: Tenancy
  readonly audit: Audit
  readonly events: Events
  /** Counts one call in the actor's invitation budget. @errors RateLimited */
  readonly limitCall: Effect.Effect<void, RateLimited, CurrentTenant | CurrentActor>
  /** The public origin links start with (`https://signet.example.org`). */
  readonly origin: string
  /** How long a link lives, in milliseconds. */
  readonly ttlMs: number
}

/** A card about to be issued: the student, the new invitation's id, its token's hash and the printed content. */
interface PendingCard {
  readonly user: Invitee
  readonly id: string
  readonly tokenHash: string
  readonly content: CardContent
}

/** Why `user` gets no card, if anything. */
const obstacle = (user: Invitee): SignInCardSkip["reason"] | undefined =>
  user.userType !== "student" ? "not_member" : !user.active ? "disabled" : user.hasPassword ? "has_password" : undefined

/** The sign-in cards seam of the invitations; see the module comment. */
export const makeCards = (kit: CardsKit) => {
  const { audit, events, groups, limitCall, origin, repo, tenancy, ttlMs, users } = kit

  /** The students of the call and those skipped. @errors AcademicsNotFound, ValidationError */
  const candidates = (input: SignInCards) =>
    Effect.gen(function* () {
      const group = yield* groups.students(input.group_id)
      const members = new Set<string>(group.studentIds)
      const wanted = input.user_ids === undefined ? [...members] : [...new Set<string>(input.user_ids)]
      if (wanted.length > MAX_BULK_INVITATIONS)
        return yield* ValidationError.field(
          "user_ids",
          `at most ${MAX_BULK_INVITATIONS} students per call; this group has ${wanted.length}`
        )
      const skipped: Array<SignInCardSkip> = []
      const chosen: Array<Invitee> = []
      for (const id of wanted) {
        const found = members.has(id) ? yield* users.invitee(id) : Option.none()
        const why = Option.match(found, { onNone: () => "not_member" as const, onSome: obstacle })
        if (why !== undefined) skipped.push(SignInCardSkip.make({ user_id: id, reason: why }))
        else if (Option.isSome(found)) chosen.push(found.value)
      }
      return { group, chosen, skipped } as const
    })

  /**
   * Creates a card invitation for each active student of the group without
   * a password and renders one PDF with a card each (name, tenant, group,
   * QR code of the accept link, the link in short, expiry).
   * @errors AcademicsNotFound (no such group, also another tenant's),
   * ValidationError (more than {@link MAX_BULK_INVITATIONS} students),
   * Forbidden (the student role or a student's permissions not held), RateLimited
   */
  const signInCards = (input: SignInCards) =>
    Effect.gen(function* () {
      yield* limitCall
      yield* Access.use((a) => a.requireHeldRole(DEFAULT_ROLE_OF_TYPE.student, "printing sign-in cards for students"))
      const { chosen, group, skipped } = yield* candidates(input)
      yield* Effect.forEach(chosen, (u) => Access.use((a) => a.requireHeldUser(u.id, "printing this student's card")), {
        discard: true
      })
      const tenant = yield* CurrentTenant
      const actor = yield* CurrentActor
      const { name: tenantName } = yield* tenancy.getById(tenant.id).pipe(Effect.orDie)
      const nowMs = yield* Clock.currentTimeMillis
      const expiresAt = instant(nowMs + ttlMs)
      const cards: Array<PendingCard> = []
      for (const user of chosen) {
        const { hash, token } = newLinkToken()
        const url = `${origin}/t/${encodeURIComponent(tenant.slug)}/invite?token=${token}`
        const content = {
          name: user.name,
          tenantName,
          groupName: group.name,
          url,
          expires: DateTime.unsafeMake(expiresAt)
        }
        cards.push({ user, id: yield* newUuid, tokenHash: hash, content })
      }
      // Rendered before anything is stored: the tokens exist nowhere else.
      const pdf = yield* renderSignInCards(
        cards.map((c) => c.content),
        { tenantName, groupName: group.name }
      )
      yield* tenantTx(
        Effect.gen(function* () {
          for (const card of cards) {
            yield* repo.insertInvitation({
              id: card.id,
              userId: card.user.id,
              email: card.user.email,
              userType: card.user.userType,
              schoolId: card.user.schoolId,
              tokenHash: card.tokenHash,
              invitedBy: actor.id,
              createdAt: instant(nowMs),
              expiresAt,
              channel: "card"
            })
            // A new card replaces the student's pending invitation, as a resend does.
            yield* repo.revokeOtherInvitations(card.user.id, card.id, instant(nowMs))
            yield* events.publish({
              type: "signet.accounts.invitation.created",
              subject: card.id,
              data: {
                invitation_id: card.id,
                user_id: card.user.id,
                user_type: card.user.userType,
                expires_at: expiresAt,
                channel: "card"
              }
            })
          }
          yield* audit.record({
            action: "account.sign_in_cards",
            targetType: "group",
            targetId: group.id,
            after: { created: cards.length, skipped: skipped.length, selected: input.user_ids !== undefined }
          })
        })
      )
      return { pdf, created: cards.length, skipped } satisfies SignInCardsResult
    }).pipe(Effect.withSpan("Accounts.signInCards"))

  return { signInCards } as const
}
