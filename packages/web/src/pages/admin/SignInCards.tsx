/**
 * Printable sign-in cards on the users page (issue 18 "for students without
 * e-mail: printable sign-in cards … per group"): the admin picks a student
 * group, the server (`POST …/invitations/cards`) makes a card invitation for
 * each of its students without a password and answers the PDF, which the
 * browser downloads; the page shows how many cards were made and how many
 * students were skipped (the `Signet-Cards-*` headers), then who was
 * skipped and why (`Signet-Cards-Skipped-Users`, `id:reason`; the first
 * {@link NAMED} by name, the rest counted).
 *
 * @module
 */

import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { GroupId } from "@signet/contracts/academics/Domain"
import { InvitationsApi } from "@signet/contracts/accounts/Api"
import { UsersApi } from "@signet/contracts/identity/Api"
import type { UserId } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, useLoad } from "../../app/ui.js"
import { ActionNotes, field, Section, useAction } from "./shared.js"

/** Why a student got no card (`SignInCardSkip.reason`). */
type SkipReason = "has_password" | "disabled" | "not_member"

/** A skipped student as the page lists them: the name when it could be read, else the id. */
interface Skipped {
  readonly id: string
  readonly name: string | undefined
  readonly reason: SkipReason
}

/** What one cards call made: the counts the server's headers report. */
interface CardsCounts {
  readonly created: number
  readonly skipped: number
}

/** How many skipped students the page names (one user read each); the rest are counted. */
const NAMED = 25

/** Parses `Signet-Cards-Skipped-Users` (`id:reason`, comma-separated); unknown reasons are dropped. */
const parseSkipped = (header: string | undefined): Array<{ id: string; reason: SkipReason }> =>
  (header ?? "")
    .split(",")
    .map((entry) => entry.trim().split(":"))
    .flatMap(([id, reason]) =>
      id && (reason === "has_password" || reason === "disabled" || reason === "not_member") ? [{ id, reason }] : []
    )

/** Names the first {@link NAMED} skipped students (a failed read keeps the id). */
const nameSkipped = (slug: string, skipped: ReadonlyArray<{ id: string; reason: SkipReason }>) =>
  Promise.all(
    skipped.slice(0, NAMED).map(({ id, reason }) =>
      call(UsersApi, (c) => c.users.get({ path: { slug, id: id as UserId } })).then(
        (u): Skipped => ({ id, reason, name: `${u.given_name} ${u.family_name}` }),
        (): Skipped => ({ id, reason, name: undefined })
      )
    )
  )

/** Hands `pdf` to the browser as the download `sign-in-cards.pdf`. */
const download = (pdf: Uint8Array) => {
  const url = URL.createObjectURL(new Blob([pdf as BlobPart], { type: "application/pdf" }))
  const a = document.createElement("a")
  a.href = url
  a.download = "sign-in-cards.pdf"
  document.body.append(a)
  a.click()
  a.remove()
  // Revoked once the download has started reading the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** The "Sign-in cards" section: a group picker and the download button, then the counts. */
export const SignInCardsSection = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const action = useAction()
  const [skipped, setSkipped] = useState<{ named: ReadonlyArray<Skipped>; total: number } | undefined>(undefined)
  const groups = useLoad(
    () => call(AcademicsApi, (c) => c.academics.listGroups({ path: { slug }, urlParams: { limit: 200 } })),
    [slug]
  )
  const submit = (ev: Event) => {
    ev.preventDefault()
    const group_id = field(ev.target as HTMLFormElement, "group_id") as GroupId
    setSkipped(undefined)
    void action.run(
      async (): Promise<CardsCounts> => {
        const [pdf, res] = await call(InvitationsApi, (c) =>
          c.invitations.signInCards({ path: { slug }, payload: { group_id }, withResponse: true })
        )
        const counts = {
          created: Number(res.headers["signet-cards-created"] ?? 0),
          skipped: Number(res.headers["signet-cards-skipped"] ?? 0)
        }
        if (counts.created > 0) download(pdf)
        const listed = parseSkipped(res.headers["signet-cards-skipped-users"])
        setSkipped(listed.length > 0 ? { named: await nameSkipped(slug, listed), total: counts.skipped } : undefined)
        return counts
      },
      (r) =>
        `${t("cards.created", { count: r.created })} ${r.skipped > 0 ? t("cards.skipped", { count: r.skipped }) : ""}`.trim()
    )
  }
  const items = groups.data?.items ?? []
  return (
    <Section title={t("cards.title")}>
      <p class="muted">{t("cards.intro")}</p>
      <ErrorNote error={groups.error} />
      {groups.data && items.length === 0 && <p class="muted">{t("cards.noGroup")}</p>}
      {items.length > 0 && (
        <form class="card form-grid" onSubmit={submit} aria-label={t("cards.title")}>
          <label>
            {t("cards.group")}
            <select name="group_id" required>
              {items.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.code ? `${g.name} (${g.code})` : g.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={action.busy}>
            {action.busy ? t("cards.busy") : t("cards.download")}
          </button>
        </form>
      )}
      <ActionNotes action={action} />
      {skipped && (
        <div class="card stack">
          <h3>{t("cards.skippedTitle")}</h3>
          <ul class="list" aria-label={t("cards.skippedTitle")}>
            {skipped.named.map((s) => (
              <li key={s.id} class="row">
                <span>{s.name ?? s.id}</span>
                <span class="muted">{t(`cards.reason.${s.reason}`)}</span>
              </li>
            ))}
          </ul>
          {skipped.total > skipped.named.length && (
            <p class="muted">{t("cards.skippedMore", { count: skipped.total - skipped.named.length })}</p>
          )}
        </div>
      )}
    </Section>
  )
}
