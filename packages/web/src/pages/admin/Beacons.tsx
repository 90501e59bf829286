/**
 * Beacons (`/t/{slug}/admin/beacons`, issue 17 "beacons (enrolment code,
 * status, last seen, telemetry chart)"): the tenant's beacons with status and
 * last contact, a one-time enrolment code (shown once), revoke, and one
 * beacon's telemetry (battery, clock drift) as Chart.js line charts.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { ClassroomId } from "@signet/contracts/academics/Domain"
import { BeaconsApi } from "@signet/contracts/beacon/Api"
import type { Beacon, EnrolmentCode } from "@signet/contracts/beacon/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { DateTime } from "effect"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { LineChart } from "../../app/Chart.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, field, Pager, Section, TableWrap, useAction, useCursor } from "./shared.js"

/** The beacons page. */
export const Beacons = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const pager = useCursor()
  const list = useLoad(
    () => call(BeaconsApi, (c) => c.beacons.listBeacons({ path: { slug }, urlParams: { cursor: pager.cursor } })),
    [slug, pager.cursor]
  )
  const action = useAction()
  const [shown, setShown] = useState<Beacon | undefined>(undefined)
  const revoke = (b: Beacon) =>
    void action
      .run(
        () => call(BeaconsApi, (c) => c.beacons.revokeBeacon({ path: { slug, id: b.id } })),
        () => t("beacons.revoked", { name: b.name ?? b.id.slice(0, 8) })
      )
      .then(list.reload)
  return (
    <Frame slug={slug} user={user} title={t("beacons.title")}>
      <EnrolForm slug={slug} />
      <Section title={t("beacons.list")}>
        {list.loading && <Loading />}
        <ErrorNote error={list.error} />
        <ActionNotes action={action} />
        {list.data && list.data.items.length === 0 && <p class="muted">{t("beacons.none")}</p>}
        {list.data && list.data.items.length > 0 && (
          <TableWrap>
            <table>
              <caption class="sr-only">{t("beacons.list")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("beacons.name")}</th>
                  <th scope="col">{t("beacons.status")}</th>
                  <th scope="col">{t("beacons.lastSeen")}</th>
                  <th scope="col">{t("beacons.firmware")}</th>
                  <th scope="col">{t("users.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((b) => (
                  <tr key={b.id}>
                    <td>{b.name ?? b.id.slice(0, 8)}</td>
                    <td>{t(`beacons.st.${b.status}`)}</td>
                    <td>{b.last_seen_at ? formatDateTime(b.last_seen_at) : t("beacons.never")}</td>
                    <td>{b.firmware_version ?? "—"}</td>
                    <td class="actions">
                      <button type="button" class="secondary" onClick={() => setShown(b)}>
                        {t("beacons.telemetry")}
                      </button>
                      {b.status !== "revoked" && (
                        <button type="button" class="danger" disabled={action.busy} onClick={() => revoke(b)}>
                          {t("beacons.revoke")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        <Pager pager={pager} next={list.data?.next_cursor} />
      </Section>
      {shown && <Telemetry slug={slug} beacon={shown} />}
    </Frame>
  )
}

/** Creates a one-time enrolment code, optionally for a classroom, and shows it once. */
const EnrolForm = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const rooms = useLoad(
    () => call(AcademicsApi, (c) => c.academics.listClassrooms({ path: { slug }, urlParams: { limit: 200 } })),
    [slug]
  )
  const action = useAction()
  const [code, setCode] = useState<EnrolmentCode | undefined>(undefined)
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const room = field(f, "classroom_id")
    const name = field(f, "name")
    void action
      .run(() =>
        call(BeaconsApi, (c) =>
          c.beacons.createEnrolmentCode({
            path: { slug },
            payload: { ...(room ? { classroom_id: room as ClassroomId } : {}), ...(name ? { name } : {}) }
          })
        )
      )
      .then(setCode)
  }
  return (
    <Section title={t("beacons.enrol")}>
      <form class="card form-grid" onSubmit={submit}>
        <label>
          {t("beacons.name")}
          <input name="name" maxLength={100} />
        </label>
        <label>
          {t("beacons.classroom")}
          <select name="classroom_id">
            <option value="">—</option>
            {rooms.data?.items.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.code})
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={action.busy}>
          {t("beacons.createCode")}
        </button>
      </form>
      <ActionNotes action={action} />
      {code && (
        <div class="stack">
          <p>{t("beacons.codeOnce", { expires: formatDateTime(code.expires_at) })}</p>
          <output class="block secret">{code.code}</output>
        </div>
      )}
    </Section>
  )
}

/** One beacon's recent telemetry as charts. */
const Telemetry = ({ slug, beacon }: { slug: string; beacon: Beacon }) => {
  const t = useT("admin")
  const data = useLoad(
    () =>
      call(BeaconsApi, (c) => c.beacons.beaconTelemetry({ path: { slug, id: beacon.id }, urlParams: { limit: 500 } })),
    [slug, beacon.id]
  )
  const series = (k: "battery_pct" | "clock_drift_ms" | "temperature_c") =>
    (data.data ?? [])
      .filter((s) => s[k] !== null)
      .map((s) => ({ x: DateTime.toEpochMillis(s.at), y: s[k] as number }))
      .sort((a, b) => a.x - b.x)
  const when = (ms: number) => formatDateTime(ms, undefined, "time")
  return (
    <Section title={t("beacons.telemetryOf", { name: beacon.name ?? beacon.id.slice(0, 8) })}>
      {data.loading && <Loading />}
      <ErrorNote error={data.error} />
      {data.data && data.data.length === 0 && <p class="muted">{t("beacons.noTelemetry")}</p>}
      <LineChart title={t("beacons.battery")} unit="%" points={series("battery_pct")} formatX={when} />
      <LineChart title={t("beacons.drift")} unit="ms" points={series("clock_drift_ms")} formatX={when} />
      <LineChart title={t("beacons.temperature")} unit="°C" points={series("temperature_c")} formatX={when} />
    </Section>
  )
}
