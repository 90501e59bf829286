/**
 * Issue 18 "printable sign-in cards": a group's students without a password
 * get one card each in one PDF; the QR code decoded from the PDF is the
 * accept link, whose token sets the password and signs in once; skips,
 * another tenant's group, the permission and the replacement of a pending
 * invitation.
 */
import * as NodeCrypto from "node:crypto"
import { describe, expect, it, layer } from "@effect/vitest"
import { CARDS_PER_PAGE, MAX_BULK_INVITATIONS } from "@signet/contracts/accounts/Invitations"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Academics, Accounts, InvitationAdmin, policyUse, UserAdmin } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { readCards, tokenOfLink } from "@signet/core/testing/cards"
import { Effect, Redacted } from "effect"
import { drain, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import {
  ADMIN_PASSWORD,
  as,
  auditCount,
  inTenant,
  onboardWithAdmin,
  outboxCount,
  type TenantRef,
  user
} from "./support.js"

const PASSWORD = "a brand new passphrase 42"

/** A school, a group "5e B" and `n` students (no password) in it; answers the group id and the students. */
const classOf = (t: TenantRef, n: number, prefix = "kid") =>
  Effect.gen(function* () {
    const a = yield* Academics
    const school = yield* a.createSchool({ name: "Collège Zola", code: `Z-${prefix}` })
    const group = yield* a.createGroup({ school_id: school.id, name: "5e B" })
    const students = yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) => user(`${prefix}${i}@${t.slug}.example.edu`, "student")
    )
    yield* a.setMembers(
      group.id,
      students.map((s) => s.id)
    )
    return { group: group.id, students }
  }).pipe(inTenant(t))

const cards = (t: TenantRef, group_id: string, user_ids?: ReadonlyArray<string>) =>
  InvitationAdmin.signInCards({
    group_id: group_id as never,
    ...(user_ids === undefined ? {} : { user_ids: user_ids as ReadonlyArray<UserId> })
  }).pipe(policyUse("users:write"), inTenant(t))

const accept = (t: TenantRef, token: string) =>
  Accounts.use((a) =>
    a.acceptInvitation(t.slug, { token, new_password: Redacted.make(PASSWORD) }, { ip: "192.0.2.30" })
  )

describe("sign-in card layout", () => {
  it("holds eight cards per A4 page", () => expect(CARDS_PER_PAGE).toBe(8))
})

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`Sign-in cards on ${dialect}`, (it) => {
    it.effect("one card per student; the decoded QR link signs the student in once; no mail is sent", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`cards-ok-${dialect}`)
        const { group, students } = yield* classOf(t, CARDS_PER_PAGE + 1)
        const result = yield* cards(t, group)
        expect(result).toMatchObject({ created: CARDS_PER_PAGE + 1, skipped: [] })
        const read = yield* Effect.promise(() => readCards(result.pdf))
        expect(read.pages).toBe(2)
        expect(new Set(read.links).size).toBe(CARDS_PER_PAGE + 1)
        const token = tokenOfLink(read.links[0]!, ORIGIN, t.slug)
        const signedIn = yield* accept(t, token)
        expect(signedIn.status).toBe("authenticated")
        if (signedIn.status === "authenticated") expect(students.map((s) => s.id)).toContain(signedIn.tokens.user.id)
        expect((yield* Effect.flip(accept(t, token)))._tag).toBe("InvalidInvitationToken")
        const listed = yield* InvitationAdmin.list({ status: "pending" }).pipe(policyUse("users:read"), inTenant(t))
        expect(listed.length).toBe(CARDS_PER_PAGE)
        expect(listed.every((i) => i.channel === "card")).toBe(true)
        yield* drain
        expect((yield* Sink).to(students[1]!.email)).toEqual([])
      })
    )

    it.effect(
      "skips a student with a password, a disabled one and a non-member; one audit row, an event per card",
      () =>
        Effect.gen(function* () {
          const t = yield* onboardWithAdmin(`cards-skip-${dialect}`)
          const { group, students } = yield* classOf(t, 3)
          const withPassword = yield* user(`pw@${t.slug}.example.edu`, "student", { password: ADMIN_PASSWORD }).pipe(
            inTenant(t)
          )
          yield* Academics.use((a) =>
            a.setMembers(group as never, [...students.map((s) => s.id), withPassword.id])
          ).pipe(inTenant(t))
          yield* UserAdmin.disable(students[2]!.id).pipe(policyUse("users:write"), inTenant(t))
          const outsider = yield* user(`out@${t.slug}.example.edu`, "student").pipe(inTenant(t))
          const audits = yield* auditCount(t)
          const created = yield* outboxCount("signet.accounts.invitation.created")
          const all = yield* cards(t, group)
          expect(all.created).toBe(2)
          expect((yield* auditCount(t)) - audits).toBe(1)
          expect((yield* outboxCount("signet.accounts.invitation.created")) - created).toBe(2)
          expect(all.skipped.map((s) => [s.user_id, s.reason]).sort()).toEqual(
            [
              [withPassword.id, "has_password"],
              [students[2]!.id, "disabled"]
            ].sort()
          )
          const some = yield* cards(t, group, [students[0]!.id, outsider.id])
          expect(some.created).toBe(1)
          expect(some.skipped).toMatchObject([{ user_id: outsider.id, reason: "not_member" }])
          expect((yield* Effect.promise(() => readCards(some.pdf))).links.length).toBe(1)
        })
    )

    it.effect("a new card replaces the pending one: the first card's link stops working", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`cards-again-${dialect}`)
        const { group, students } = yield* classOf(t, 1)
        const one = yield* cards(t, group, [students[0]!.id])
        const oldToken = tokenOfLink((yield* Effect.promise(() => readCards(one.pdf))).links[0]!, ORIGIN, t.slug)
        const two = yield* cards(t, group, [students[0]!.id])
        const newToken = tokenOfLink((yield* Effect.promise(() => readCards(two.pdf))).links[0]!, ORIGIN, t.slug)
        expect((yield* Effect.flip(accept(t, oldToken)))._tag).toBe("InvalidInvitationToken")
        expect((yield* accept(t, newToken)).status).toBe("authenticated")
      })
    )

    it.effect("more than MAX_BULK_INVITATIONS students in one call is a ValidationError, nothing created", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`cards-many-${dialect}`)
        const { group } = yield* classOf(t, 1)
        const ids = Array.from({ length: MAX_BULK_INVITATIONS + 1 }, () => NodeCrypto.randomUUID())
        expect(yield* Effect.flip(cards(t, group, ids))).toMatchObject({ _tag: "ValidationError" })
        expect(yield* InvitationAdmin.list({}).pipe(policyUse("users:read"), inTenant(t))).toEqual([])
      })
    )

    it.effect("another tenant's group is not found", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`cards-own-${dialect}`)
        const other = yield* onboardWithAdmin(`cards-foreign-${dialect}`)
        const { group } = yield* classOf(other, 1)
        expect((yield* Effect.flip(cards(t, group)))._tag).toBe("AcademicsNotFound")
      })
    )

    it.effect("a student may not print cards: Forbidden, no invitation", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`cards-student-${dialect}`)
        const { group, students } = yield* classOf(t, 1)
        const actor = { kind: "user", id: students[0]!.id, userType: "student" }
        const error = yield* Effect.flip(
          InvitationAdmin.signInCards({ group_id: group as never }).pipe(
            policyUse("users:write"),
            as(actor),
            inTenant(t)
          )
        )
        expect(error._tag).toBe("Forbidden")
        expect(yield* InvitationAdmin.list({}).pipe(policyUse("users:read"), inTenant(t))).toEqual([])
      })
    )
  })
}
