/**
 * The school day behind `npm start` (issue 7 §5), through the public REST API
 * exactly as an integrator, a teacher's screen, students' phones and the
 * classroom beacons would call it:
 *
 *  roster (OneRoster 1.1 zip) → classrooms → timetable (iCalendar) → beacons
 *  enrol → period 3's teacher takes the roll at the start → period 2's
 *  students sign through the classroom beacon (flashlight channel) and by QR
 *  → latecomers of period 3 sign by QR (LATE) → period 1's teacher takes the
 *  roll after class → an excuse with a PDF is submitted and approved → ended
 *  courses close (unmarked → ABSENT) → the day's report (and a CSV).
 *
 * Courses are placed around "now" so the day's phases happen within the
 * minute: period 1 ended ten minutes ago, period 2 started four minutes ago,
 * period 3 twenty minutes ago (after its 15-minute closing delay).
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"

/**
 * Runs the day against a running server. `admin` is a tenant admin's access
 * token; `operator` the platform operator's, used only to set the passwords
 * of today's teachers (a tenant admin would need an MFA step-up for that,
 * issue 15 §4). Answers the per-course figures and the CSV path; throws on any
 * unexpected answer (with the request and the problem details).
 */
export async function schoolDay({ root, url, slug, admin, operator, dir, step }) {
  const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
  const agent = await import(pathToFileURL(Path.join(root, "packages/beacon-agent/dist/index.js")).href)
  const { zipSync, strToU8 } = await import("fflate")
  const { generate } = await import("otplib")
  const { BeaconProtocol } = core
  const { generateOneRoster } = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
  const { Flashlight, Keys } = agent
  const T = `/api/v1/tenants/${slug}`
  const run = new Date()
  const at = (minutes) => new Date(run.getTime() + minutes * 60_000)

  const request = async (method, path, { token = admin, body, raw, type } = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined
          ? { "content-type": "application/json" }
          : raw !== undefined
            ? { "content-type": type }
            : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : raw !== undefined ? { body: raw } : {})
    })
    const text = await res.text()
    const json = text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text
    return { status: res.status, body: json }
  }
  const ok = async (method, path, options) => {
    const r = await request(method, path, options)
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
    return r.body
  }
  const all = async (path) => {
    const items = []
    let cursor = null
    do {
      const sep = path.includes("?") ? "&" : "?"
      const page = await ok("GET", `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ""}`)
      items.push(...page.items)
      cursor = page.next_cursor
    } while (cursor)
    return items
  }

  // 1. Roster: a OneRoster 1.1 bulk set (one school, 3 classes, 90 students, 3 teachers).
  const files = generateOneRoster({
    seed: 2026,
    schools: 1,
    students: 90,
    teachers: 3,
    classes: 3,
    enrollmentsPerStudent: 1,
    domain: `${slug}.example.edu`
  })
  const zip = zipSync(Object.fromEntries([...files].map(([name, text]) => [name, strToU8(text)])))
  const roster = await ok("POST", `${T}/roster/imports`, { raw: zip, type: "application/zip" })
  const n = (x) => x.created + x.updated + x.unchanged
  step(
    `roster imported (OneRoster ${roster.version}): ${n(roster.schools)} school, ${n(roster.users)} users, ${n(roster.groups)} classes, ${roster.memberships.added} new enrolments, ${roster.warnings.length} warnings`
  )
  const school = (await all(`${T}/schools`)).find((s) => s.source_id)
  const groups = (await all(`${T}/groups?school_id=${school.id}`)).sort((a, b) => a.name.localeCompare(b.name))
  const members = new Map()
  for (const g of groups) members.set(g.id, await ok("GET", `${T}/groups/${g.id}/members`))
  const teachers = (await all(`${T}/users?user_type=teacher&school_id=${school.id}`)).sort((a, b) =>
    a.email.localeCompare(b.email)
  )
  const usersById = new Map((await all(`${T}/users?school_id=${school.id}`)).map((u) => [u.id, u]))

  // 2. Classrooms and today's timetable (iCalendar; LOCATION = classroom code).
  const rooms = []
  const existingRooms = await all(`${T}/classrooms?school_id=${school.id}`)
  for (const code of ["R101", "R102", "R103"]) {
    rooms.push(
      existingRooms.find((r) => r.code === code) ??
        (await ok("POST", `${T}/classrooms`, {
          body: { school_id: school.id, name: `Room ${code}`, code, capacity: 36 }
        }))
    )
  }
  const ical = (d) =>
    d
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "")
  const periods = [
    { name: "Period 1", start: at(-70), end: at(-10) },
    { name: "Period 2", start: at(-4), end: at(51) },
    { name: "Period 3", start: at(-20), end: at(35) }
  ]
  const stamp = run.getTime()
  const ics = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Signet//school day demo//EN",
    ...periods.flatMap((p, i) => [
      "BEGIN:VEVENT",
      `UID:day-${stamp}-p${i + 1}@${slug}`,
      `DTSTAMP:${ical(run)}`,
      `DTSTART:${ical(p.start)}`,
      `DTEND:${ical(p.end)}`,
      `SUMMARY:${p.name} — ${groups[i].course_title ?? groups[i].name}`,
      `LOCATION:${rooms[i].code}`,
      "END:VEVENT"
    ]),
    "END:VCALENDAR",
    ""
  ].join("\r\n")
  const tt = await ok("POST", `${T}/schools/${school.id}/timetable/imports`, { raw: ics, type: "text/calendar" })
  step(`timetable imported (iCalendar): ${tt.courses.created} courses in rooms ${rooms.map((r) => r.code).join(", ")}`)
  const courses = (await all(`${T}/courses?school_id=${school.id}&from=${at(-80).toISOString()}`))
    .filter((co) => co.source_key?.includes(`day-${stamp}-`))
    .sort((a, b) => a.source_key.localeCompare(b.source_key))
  // Each period is one class (group) with its teacher.
  const teacherOf = (g, i) => g.teacher_ids[0] ?? teachers[i % teachers.length].id
  for (const [i, co] of courses.entries())
    await ok("PATCH", `${T}/courses/${co.id}`, {
      body: { group_ids: [groups[i].id], teacher_ids: [teacherOf(groups[i], i)] }
    })

  // People: passwords for those who log in today (set by the operator: an admin would need an MFA
  // step-up to hand out passwords), phones registered for period 2's class.
  const password = () => `Day-${randomBytes(12).toString("base64url")}`
  const passwords = new Map()
  const loginAs = async (userId) => {
    const pw = password()
    passwords.set(userId, pw)
    await ok("POST", `${T}/users/${userId}/password`, { token: operator, body: { new_password: pw } })
    const r = await ok("POST", `${T}/auth/login`, {
      token: null,
      body: { login: usersById.get(userId).email, password: pw }
    })
    return r.tokens.access_token
  }
  const teacherTokens = []
  for (const [i, g] of groups.entries()) teacherTokens.push(await loginAs(teacherOf(g, i)))
  const [p1, p2, p3] = courses
  const [g1, g2, g3] = groups.map((g) => members.get(g.id))
  step(`people: ${usersById.size} users, classes of ${g1.length}, ${g2.length} and ${g3.length} students`)

  // 3. Beacons: one per classroom, enrolled with a one-time code, authenticated by signed timestamp + TOTP.
  const beacons = []
  for (const room of rooms) {
    const { code } = await ok("POST", `${T}/beacons/enrolment-codes`, {
      body: { classroom_id: room.id, name: `${room.code} beacon` }
    })
    const pair = Keys.generateKeyPair("ES256")
    const enrolled = await ok("POST", "/api/v1/beacon/enroll", {
      token: null,
      body: { code, alg: "ES256", public_jwk: pair.publicJwk, firmware_version: "1.0.0" }
    })
    const fields = {
      tenant: slug,
      beacon_id: enrolled.beacon_id,
      timestamp_ms: Date.now(),
      nonce: randomBytes(16).toString("base64url")
    }
    const totp = await generate({ secret: enrolled.totp_secret })
    const auth = await ok("POST", "/api/v1/beacon/auth/token", {
      token: null,
      body: {
        ...fields,
        totp,
        signature: BeaconProtocol.b64url(Keys.sign("ES256", pair.privateKey, BeaconProtocol.authMessage(fields)))
      }
    })
    beacons.push({ room, pair, id: enrolled.beacon_id, token: auth.token, counter: 0 })
  }
  step(`beacons: ${beacons.length} enrolled and authenticated (ES256, signed timestamp + TOTP)`)

  // 4. Period 3, start of class: the teacher takes the roll of who is there (all but 6).
  const p3Present = g3.slice(0, g3.length - 6)
  await ok("POST", `${T}/courses/${p3.id}/roll`, {
    token: teacherTokens[2],
    body: { marks: p3Present.map((student_id) => ({ student_id, result: "PRESENT" })) }
  })

  // 5. Period 2: students sign through the classroom beacon (flashlight) — all but 5; 2 more by QR.
  const beacon2 = beacons[1]
  const viaBeacon = g2.slice(0, g2.length - 5)
  const outcomes = { ACCEPTED: 0, LATE: 0, REFUSED: 0 }
  for (const studentId of viaBeacon) {
    const device = `phone-${studentId.slice(0, 8)}`
    await ok("PATCH", `${T}/users/${studentId}`, { body: { devices: [device] } })
    const token = await loginAs(studentId)
    const presence = await ok("POST", `${T}/me/presence-token`, { token, body: { device_identifier: device } })
    // The phone flashes the token; the beacon's light sensor records pulses and decodes them.
    const pulses = Flashlight.encode(new TextEncoder().encode(presence.token), { bitMs: 4 })
    const decoded = Flashlight.decode(pulses)
    if (decoded._tag !== "Right") throw new Error(`flashlight decode failed: ${decoded.left.message}`)
    const proof = {
      beacon_id: beacon2.id,
      classroom_id: beacon2.room.id,
      // The hint names today's period 2 (a re-run of the demo leaves earlier periods in the same room).
      course_id: p2.id,
      presence_token: new TextDecoder().decode(decoded.right),
      proof_type: "buzzLightyear",
      proof_time_ms: Date.now(),
      counter: ++beacon2.counter,
      nonce: randomBytes(16).toString("base64url")
    }
    const signature = BeaconProtocol.b64url(
      Keys.sign("ES256", beacon2.pair.privateKey, BeaconProtocol.proofMessage(proof))
    )
    const r = await ok("POST", "/api/v1/beacon/proofs", { token: beacon2.token, body: { ...proof, signature } })
    outcomes[r.status]++
  }
  const qr2 = await ok("GET", `${T}/courses/${p2.id}/qr`, { token: teacherTokens[1] })
  for (const studentId of g2.slice(g2.length - 5, g2.length - 3)) {
    const r = await ok("POST", `${T}/signatures`, {
      token: await loginAs(studentId),
      body: { course_id: p2.id, method: "QR", qr_code: qr2.code }
    })
    outcomes[r.status]++
  }
  step(
    `period 2: ${viaBeacon.length} students signed through the ${beacon2.room.code} beacon (flashlight channel), 2 by QR`
  )

  // 6. Period 3: four latecomers scan the QR code on the teacher's screen — LATE by the school's rule.
  const qr3 = await ok("GET", `${T}/courses/${p3.id}/qr`, { token: teacherTokens[2] })
  for (const studentId of g3.slice(g3.length - 6, g3.length - 2)) {
    const r = await ok("POST", `${T}/signatures`, {
      token: await loginAs(studentId),
      body: { course_id: p3.id, method: "QR", qr_code: qr3.code }
    })
    outcomes[r.status]++
  }
  step(`period 3: 4 latecomers signed by QR (${outcomes.LATE} LATE); 2 never came`)

  // 7. Period 1, after class: the teacher's roll call; two students were missing.
  const p1Missing = g1.slice(g1.length - 2)
  await ok("POST", `${T}/courses/${p1.id}/roll`, {
    token: teacherTokens[0],
    body: {
      marks: g1.slice(0, g1.length - 2).map((student_id, i) => ({ student_id, result: i === 0 ? "LATE" : "PRESENT" }))
    }
  })

  // 8. One of them was ill: an excuse with a doctor's note (PDF), approved by the teacher.
  const pdf = Buffer.from("%PDF-1.4\n% doctor's note\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").toString("base64")
  const excuse = await ok("POST", `${T}/excuses`, {
    token: await loginAs(p1Missing[0]),
    body: {
      course_id: p1.id,
      reason: "illness",
      note: "fever, see the doctor's note",
      attachment: { filename: "note.pdf", content_type: "application/pdf", data_base64: pdf }
    }
  })
  await ok("POST", `${T}/excuses/${excuse.id}/decision`, {
    token: teacherTokens[0],
    body: { decision: "approve", comment: "get well soon" }
  })
  step("period 1: roll call after class; one excuse (PDF) submitted and approved")

  // 9. Courses that ended close; whoever is still unmarked becomes ABSENT.
  const closed = await ok("POST", `${T}/attendance/close`)
  step(`close: ${closed.closed_count} course(s) closed, ${closed.absences} student(s) marked absent`)

  // 10. The day's report.
  const rolls = []
  for (const co of courses) rolls.push(await ok("GET", `${T}/courses/${co.id}/roll`))
  // The report covers today (UTC) — every run of the demo on the same day adds to it — and
  // always this run's courses: period 1 starts 70 minutes before the run, the day before
  // when the demo runs just after midnight UTC.
  const midnight = Date.parse(`${run.toISOString().slice(0, 10)}T00:00:00Z`)
  const from = new Date(Math.min(midnight, periods[0].start.getTime())).toISOString().replace(/\.\d{3}Z$/, "Z")
  const csv = await ok("GET", `${T}/attendance/report.csv?scope=school&id=${school.id}&from=${from}`)
  const csvFile = Path.join(dir, `attendance-${run.toISOString().slice(0, 10)}.csv`)
  Fs.writeFileSync(csvFile, csv)
  const report = await ok("GET", `${T}/attendance/report?scope=school&id=${school.id}&from=${from}`)
  // For the browser: period 2's teacher, and a period 2 student who has not signed yet.
  const waiting = g2[g2.length - 1]
  await loginAs(waiting)
  const person = (id) => ({ email: usersById.get(id).email, password: passwords.get(id) })
  const browser = { teacher: person(teacherOf(groups[1], 1)), student: person(waiting), course: p2 }
  return { school, courses, rolls, report, csvFile, outcomes, beacons: beacons.length, browser }
}

/** The day's report as text: one line per course, then the school's totals. */
export const formatDay = (day) => {
  const pad = (s, n) => String(s).padEnd(n)
  const num = (s) => String(s).padStart(8)
  const lines = [
    `Attendance — ${day.school.name}, ${new Date().toISOString().slice(0, 10)}`,
    `${pad("Course", 44)}${num("present")}${num("late")}${num("absent")}${num("excused")}${num("open")}`
  ]
  for (const r of day.rolls)
    lines.push(
      `${pad(`${r.course_name}${r.closed ? " (closed)" : ""}`, 44)}${num(r.counts.PRESENT)}${num(r.counts.LATE)}${num(r.counts.ABSENT)}${num(r.counts.EXCUSED)}${num(r.counts.UNMARKED)}`
    )
  const t = day.report.totals
  lines.push(
    `${pad(`School (${day.report.lines.length} students)`, 44)}${num(t.present)}${num(t.late)}${num(t.absent)}${num(t.excused)}${num(t.unmarked)}`,
    `Attendance rate ${(t.rate * 100).toFixed(1)} % (present + late over present + late + absent)`
  )
  return lines.join("\n")
}
