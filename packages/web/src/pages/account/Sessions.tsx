/**
 * The account page's sessions (issue 17 "Account: sessions with devices and
 * revoke"): every live session of the user with its device, address and
 * times; sign out one, or all others. The current session is marked and
 * has no sign-out button here (the header's "Sign out" ends it).
 *
 * @module
 */
import { SessionApi } from "@signet/contracts/identity/Api"
import type { Session, SessionId } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"

/** A short device name from a session's label or user agent ("Chrome on Android"), else undefined. */
export const deviceName = (s: Pick<Session, "device_label" | "user_agent">): string | undefined => {
  if (s.device_label) return s.device_label
  const ua = s.user_agent
  if (!ua) return undefined
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : undefined
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad|iOS/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : undefined
  if (browser && os) return `${browser} · ${os}`
  return browser ?? os ?? ua.slice(0, 60)
}

/** The sessions table; `version` changes when something else (a password change) may have ended sessions. */
export const Sessions = ({ slug, version }: { slug: string; version: number }) => {
  const t = useT("account")
  const list = useLoad(() => call(SessionApi, (c) => c.session.sessions({ path: { slug } })), [slug, version])
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [note, setNote] = useState<string | undefined>(undefined)
  const run = async (f: () => Promise<string>) => {
    setError(undefined)
    setNote(undefined)
    try {
      setNote(await f())
      list.reload()
    } catch (e) {
      setError(e as ApiError)
    }
  }
  const revoke = (id: SessionId) =>
    run(() =>
      call(SessionApi, (c) => c.session.revokeSession({ path: { slug, id } })).then(() => t("sessions.revoked"))
    )
  const revokeOthers = () =>
    run(() =>
      call(SessionApi, (c) => c.session.revokeOtherSessions({ path: { slug } })).then((r) =>
        t("sessions.revokedOthers", { count: r.revoked })
      )
    )
  const sessions = [...(list.data ?? [])].sort((a, b) => Number(b.current) - Number(a.current))
  const others = sessions.filter((s) => !s.current).length
  return (
    <section class="card" aria-labelledby="sessions-h">
      <h2 id="sessions-h">{t("sessions.title")}</h2>
      {list.loading && !list.data && <Loading />}
      <ErrorNote error={list.error ?? error} />
      {note && (
        <output class="block ok" aria-live="polite">
          {note}
        </output>
      )}
      {list.data && (
        <>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable) */}
          <section class="table-wrap" tabIndex={0} aria-label={t("sessions.title")}>
            <table class="sessions">
              <thead>
                <tr>
                  <th scope="col">{t("sessions.device")}</th>
                  <th scope="col">{t("sessions.address")}</th>
                  <th scope="col">{t("sessions.started")}</th>
                  <th scope="col">{t("sessions.lastSeen")}</th>
                  <th scope="col">{t("sessions.action")}</th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => {
                  const device = deviceName(s) ?? t("sessions.unknownDevice")
                  return (
                    <tr key={s.id} data-session={s.id} data-current={s.current ? "true" : undefined}>
                      <td>
                        {device}
                        {s.current && (
                          <>
                            {" "}
                            <span class="badge badge-accepted">{t("sessions.current")}</span>
                          </>
                        )}
                      </td>
                      <td>{s.ip ?? ""}</td>
                      <td>{formatDateTime(s.created_at)}</td>
                      <td>{formatDateTime(s.last_seen_at)}</td>
                      <td>
                        {!s.current && (
                          <button
                            type="button"
                            class="secondary"
                            aria-label={t("sessions.revokeLabel", { device })}
                            onClick={() => void revoke(s.id)}
                          >
                            {t("sessions.revoke")}
                          </button>
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </section>
        </>
      )}
      {list.data &&
        (others > 0 ? (
          <button type="button" class="danger" onClick={() => void revokeOthers()}>
            {t("sessions.revokeOthers")}
          </button>
        ) : (
          <p class="muted">{t("sessions.none")}</p>
        ))}
    </section>
  )
}
