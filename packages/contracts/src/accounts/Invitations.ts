/**
 * Invitations contract (issue 18 "Invitations"; seed 002 "org invites"): an
 * administrator invites a user by e-mail; the mailed single-use link lands
 * on a page that sets the password and signs in.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { GroupId } from "../academics/Domain.js"
import { Email, PasswordInput, UserId, UserType } from "../identity/Domain.js"
import { strictStruct } from "../tenancy/Domain.js"
import { ResetToken } from "./Domain.js"

/** A given or family name (1–100 characters after trimming), as identity takes it. */
const NamePart = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))

/** An invitation's id (UUIDv7). */
export const InvitationId = Schema.UUID.pipe(Schema.brand("InvitationId"))
/** @see InvitationId */
export type InvitationId = typeof InvitationId.Type

/**
 * Where an invitation stands: `pending` (link live), `accepted` (password
 * set), `revoked` (by an administrator), `expired` (never accepted in time).
 */
export const InvitationStatus = Schema.Literal("pending", "accepted", "revoked", "expired").annotations({
  identifier: "InvitationStatus"
})
/** @see InvitationStatus */
export type InvitationStatus = typeof InvitationStatus.Type

/**
 * How an invitation's link reaches the user: `email` (mailed) or `card`
 * (printed on a sign-in card, `POST …/invitations/cards`).
 */
export const InvitationChannel = Schema.Literal("email", "card").annotations({ identifier: "InvitationChannel" })
/** @see InvitationChannel */
export type InvitationChannel = typeof InvitationChannel.Type

/** An invitation as administrators see it (never its token). */
export class Invitation extends Schema.Class<Invitation>("Invitation")({
  id: InvitationId,
  channel: InvitationChannel,
  user_id: UserId,
  email: Schema.String,
  user_type: UserType,
  school_id: Schema.NullOr(Schema.String),
  status: InvitationStatus,
  /** How many mails were sent for it (1 + resends). */
  sent_count: Schema.Number,
  created_at: Schema.DateTimeUtc,
  expires_at: Schema.DateTimeUtc,
  accepted_at: Schema.NullOr(Schema.DateTimeUtc),
  revoked_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/**
 * Body of `POST /api/v1/tenants/{slug}/invitations`: who to invite. A user
 * with this address is created (without a password) when none exists;
 * `given_name`/`family_name` default to the address's local part.
 */
export const CreateInvitation = strictStruct("CreateInvitation", {
  email: Email,
  user_type: UserType,
  school_id: Schema.optional(Schema.UUID),
  given_name: Schema.optional(NamePart),
  family_name: Schema.optional(NamePart)
})
/** @see CreateInvitation */
export type CreateInvitation = typeof CreateInvitation.Type

/** Most users one bulk call invites (issue 18 "rate/size limit per call"). */
export const MAX_BULK_INVITATIONS = 5000

/**
 * Body of `POST /api/v1/tenants/{slug}/invitations/bulk`: invite every user
 * with an e-mail address, no password and no pending invitation, optionally
 * only of one type or school; at most `limit` (≤ 5,000, the default) per
 * call. `after` resumes where a previous call's `next` left off.
 */
export const BulkInvite = strictStruct("BulkInvite", {
  after: Schema.optional(Schema.UUID),
  user_type: Schema.optional(UserType),
  school_id: Schema.optional(Schema.UUID),
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_BULK_INVITATIONS)))
})
/** @see BulkInvite */
export type BulkInvite = typeof BulkInvite.Type

/** A user a bulk call left out, and why. */
export class BulkInviteSkip extends Schema.Class<BulkInviteSkip>("BulkInviteSkip")({
  user_id: UserId,
  reason: Schema.Literal("no_email", "has_password", "pending_invitation", "disabled")
}) {}

/**
 * Summary of a bulk call: how many were invited, who was skipped and why
 * (the first 1,000; `skipped_count` counts them all), and whether
 * candidates remain past the call's limit: then `next` is the `after` of
 * the next call.
 */
export class BulkInviteSummary extends Schema.Class<BulkInviteSummary>("BulkInviteSummary")({
  invited: Schema.Number,
  skipped: Schema.Array(BulkInviteSkip),
  skipped_count: Schema.Number,
  more: Schema.Boolean,
  next: Schema.NullOr(Schema.String)
}) {}

/**
 * Body of `POST /api/v1/tenants/{slug}/invitations/cards` (issue 18
 * "printable sign-in cards"): the student group whose students get a card,
 * optionally only these of its members (`user_ids`, at most
 * {@link MAX_BULK_INVITATIONS}).
 */
export const SignInCards = strictStruct("SignInCards", {
  group_id: GroupId,
  user_ids: Schema.optional(Schema.Array(UserId).pipe(Schema.maxItems(MAX_BULK_INVITATIONS)))
})
/** @see SignInCards */
export type SignInCards = typeof SignInCards.Type

/**
 * A student a sign-in card call left out, and why: `has_password` (signs
 * in already), `disabled`, `not_member` (a `user_ids` entry that is not a
 * live student member of the group).
 */
export class SignInCardSkip extends Schema.Class<SignInCardSkip>("SignInCardSkip")({
  user_id: Schema.String,
  reason: Schema.Literal("has_password", "disabled", "not_member")
}) {}

/**
 * What a sign-in card call made: the PDF (one card per created invitation,
 * eight cards per A4 page), how many cards, and who was skipped and why.
 * REST answers the PDF and puts the counts in the `Signet-Cards-Created` /
 * `Signet-Cards-Skipped` headers.
 */
export interface SignInCardsResult {
  readonly pdf: Uint8Array
  readonly created: number
  readonly skipped: ReadonlyArray<SignInCardSkip>
}

/**
 * The RPC answer of `SignInCards` (`AccountsCommand`): the PDF (base64 on
 * the wire), the number of cards in it and the students skipped with the
 * reason — the same call as `POST …/invitations/cards`, whose headers carry
 * the counts instead.
 */
export class SignInCardsDocument extends Schema.Class<SignInCardsDocument>("SignInCardsDocument")({
  pdf: Schema.Uint8ArrayFromBase64,
  created: Schema.Number,
  skipped: Schema.Array(SignInCardSkip)
}) {}

/** Cards a sign-in card PDF holds on one A4 page (2 columns × 4 rows). */
export const CARDS_PER_PAGE = 8

/** Query of `GET /api/v1/tenants/{slug}/invitations`. */
export const ListInvitations = Schema.Struct({
  status: Schema.optional(InvitationStatus),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500)))
})
/** @see ListInvitations */
export type ListInvitations = typeof ListInvitations.Type

/** Body of `POST /api/v1/tenants/{slug}/auth/invitation/accept`: the link's token and the new password. */
export const AcceptInvitation = strictStruct("AcceptInvitation", {
  token: ResetToken,
  new_password: PasswordInput
})
/** @see AcceptInvitation */
export type AcceptInvitation = typeof AcceptInvitation.Type

/**
 * An invitation token that is unknown, expired, already used, revoked,
 * replaced by a resend, from another tenant or tampered with: one generic
 * 400, nothing changed.
 */
export class InvalidInvitationToken extends Schema.TaggedError<InvalidInvitationToken>()(
  "InvalidInvitationToken",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Invalid or expired invitation link" })
) {
  /** The single message every bad token gets. */
  static readonly generic = new InvalidInvitationToken({ message: "this invitation link is invalid or has expired" })
}
