import { expect, layer } from "@effect/vitest"
import { CourseId } from "@signet/contracts/academics/Domain"
import { UserId } from "@signet/contracts/kernel/Ids"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import fc from "fast-check"
import { vi } from "vitest"

// The layer's budget for the scenario test: three tenants' fixtures and every scenario on a shared, loaded machine.
vi.setConfig({ testTimeout: 300_000 })

/**
 * Issue 8 §2: tenant isolation, property-based. Three tenants with the same
 * kinds of objects; random sequences of requests use one tenant's admin token
 * on another tenant's object ids — on every id-bearing endpoint of the
 * OpenAPI document — with forged tenant headers and host names thrown in.
 * Nothing may succeed, GET/DELETE and body-less POSTs must answer 404, and no
 * response body may contain the victim's ids or e-mails. Afterwards the
 * victims' objects are unchanged.
 */
const PASSWORD = "correct horse battery staple"
const RUNS = Number(process.env.SIGNET_ISOLATION_RUNS ?? 200)
const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

interface TenantFixture {
  readonly slug: string
  readonly token: string
  readonly ids: Record<string, string>
  readonly secrets: ReadonlyArray<string>
}

/** The kind of id a path parameter takes, from the path segment before it. */
const KIND: Record<string, string> = {
  schools: "school",
  classrooms: "classroom",
  groups: "group",
  courses: "course",
  users: "user",
  students: "user",
  roles: "role",
  teams: "team",
  beacons: "beacon",
  signatures: "signature",
  excuses: "excuse",
  "api-keys": "apikey",
  feeds: "feed",
  notes: "note",
  tasks: "task",
  reviews: "review",
  calls: "call",
  events: "event",
  attachments: "attachment",
  footprints: "footprint",
  // Issue 22 "Channel configs": …/channels/{id}.
  channels: "channel",
  tokens: "scimtoken",
  // Issue 19 §1: …/oidc/clients/{clientId}.
  clients: "oidcclient"
}

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 300_000, excludeTestServices: true })(
    `Tenant isolation on ${dialect}`,
    (it) => {
      it.scoped(`${RUNS} random cross-tenant scenarios over every id-bearing endpoint: 404, no leak, no change`, () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const tenants: Array<TenantFixture> = []
          for (const n of [1, 2, 3]) {
            const slug = `iso-${dialect}-${n}`
            const admin = `admin@${slug}.example.edu`
            const created = yield* call("POST", "/api/v1/tenants", {
              body: {
                slug,
                name: slug,
                admin: { email: admin, password: PASSWORD, given_name: "A", family_name: "D" }
              }
            })
            const token = (yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
              auth: false,
              body: { login: admin, password: PASSWORD }
            })).body.tokens.access_token as string
            const T = `/api/v1/tenants/${slug}`
            const post = (path: string, body: unknown, auth: string | true = token) =>
              Effect.map(call("POST", `${T}${path}`, { auth, body }), (r) => {
                if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.text}`)
                return r.body
              })
            const school = yield* post("/schools", { name: `School ${n}`, code: `S${n}` })
            const classroom = yield* post("/classrooms", { school_id: school.id, name: `Room ${n}`, code: `R${n}` })
            const group = yield* post("/groups", { school_id: school.id, name: `Group ${n}` })
            const email = `student${n}@${slug}.example.edu`
            const student = yield* post("/users", {
              email,
              given_name: "S",
              family_name: `${n}`,
              user_type: "student",
              password: PASSWORD,
              school_id: school.id
            })
            yield* call("PUT", `${T}/groups/${group.id}/members`, {
              auth: token,
              body: { student_ids: [student.id] }
            })
            const course = yield* post("/courses", {
              school_id: school.id,
              name: `Course ${n}`,
              start_at: iso(-5),
              end_at: iso(55),
              classroom_ids: [classroom.id],
              group_ids: [group.id]
            })
            const role = yield* post(
              "/roles",
              { name: `role-${n}`, description: "r", permissions: ["users:read"] },
              true
            )
            const team = yield* post("/teams", { name: `Team ${n}` })
            const apikey = yield* post("/api-keys", { name: `key ${n}`, permissions: ["users:read"] }, true)
            // Issue 19 §3: a SCIM token (`…/scim/tokens/{id}`).
            const scimToken = yield* post("/scim/tokens", { name: `scim ${n}` }, true)
            const studentToken = (yield* call("POST", `${T}/auth/login`, {
              auth: false,
              body: { login: email, password: PASSWORD }
            })).body.tokens.access_token as string
            const qr = (yield* call("GET", `${T}/courses/${course.id}/qr`, { auth: token })).body.code
            const signature = (yield* call("POST", `${T}/signatures`, {
              auth: studentToken,
              body: { course_id: course.id, method: "QR", qr_code: qr }
            })).body
            const excuse = (yield* call("POST", `${T}/excuses`, {
              auth: studentToken,
              body: { course_id: course.id, reason: "other" }
            })).body
            yield* post("/beacons/enrolment-codes", { classroom_id: classroom.id })
            // Issue 22: activities on the school.
            const onSchool = { target_type: "school", target_id: school.id }
            const note = yield* post("/activities/notes", { ...onSchool, body: `Note ${n}` })
            const task = yield* post("/activities/tasks", { ...onSchool, title: `Task ${n}` })
            // A soft-deleted note: the target of `POST …/activities/{kind}/{id}/restore`.
            const deletedNote = yield* post("/activities/notes", { ...onSchool, body: `Deleted ${n}` })
            yield* call("DELETE", `${T}/activities/notes/${deletedNote.id}`, { auth: token })
            const review = (yield* call("PUT", `${T}/activities/reviews`, {
              auth: token,
              body: { ...onSchool, rating: 3 }
            })).body
            const callLog = yield* post("/activities/calls", {
              ...onSchool,
              direction: "outbound",
              participants: [{ name: `Caller ${n}` }],
              started_at: iso(-60),
              outcome: "connected"
            })
            const event = yield* post("/activities/events", {
              ...onSchool,
              title: `Event ${n}`,
              starts_at: iso(60),
              ends_at: iso(120),
              rrule: "FREQ=WEEKLY;COUNT=2"
            })
            // Issue 22: an attachment (raw bytes) on the school.
            const attachment = (yield* call(
              "POST",
              `${T}/activities/attachments?target_type=school&target_id=${school.id}&filename=a${n}.txt`,
              {
                auth: token,
                raw: new TextEncoder().encode(`Attachment ${n}\n`),
                headers: { "content-type": "application/octet-stream" }
              }
            )).body
            // Issue 22 "Carbon footprints": a live and a soft-deleted footprint on the school.
            const carbon = {
              ...onSchool,
              scope: 2,
              category: "energy",
              quantity: 2,
              unit: "MWh",
              factor_kg_per_unit: 0.2,
              factor_unit: "kWh",
              factor_source: `Source ${n}`,
              period_start: "2026-01-01",
              period_end: "2026-01-31"
            }
            const footprint = yield* post("/activities/carbon/footprints", carbon)
            const deletedFootprint = yield* post("/activities/carbon/footprints", carbon)
            yield* call("DELETE", `${T}/activities/carbon/footprints/${deletedFootprint.id}`, { auth: token })
            // Issue 22 "Channel configs": an SMS channel with credentials, and a soft-deleted one to restore.
            const channelSecret = `sk_iso_${slug}_credentials`
            const channel = yield* post("/channels", {
              kind: "sms",
              name: `SMS ${n}`,
              settings: { url: "https://sms.example.com/send", from: "Signet" },
              credentials: channelSecret,
              event_types: ["signet.accounts.mfa.code"]
            })
            const deletedChannel = yield* post("/channels", {
              kind: "chat",
              name: `Chat ${n}`,
              settings: { url: "https://chat.example.com/hook" }
            })
            yield* call("DELETE", `${T}/channels/${deletedChannel.id}`, { auth: token })
            // Issue 19 §1: a relying party of the tenant's OpenID Connect provider.
            const oidcClient = yield* post("/oidc/clients", {
              name: `RP ${n}`,
              redirect_uris: ["https://rp.example/cb"]
            })
            const ids = {
              oidcclient: oidcClient.client.client_id,
              school: school.id,
              classroom: classroom.id,
              group: group.id,
              course: course.id,
              user: student.id,
              role: role.id,
              team: team.id,
              apikey: apikey.api_key.id,
              signature: signature.signature_id,
              excuse: excuse.id,
              note: note.id,
              deletednote: deletedNote.id,
              task: task.id,
              review: review.id,
              call: callLog.id,
              event: event.id,
              attachment: attachment.id,
              footprint: footprint.id,
              deletedfootprint: deletedFootprint.id,
              scimtoken: scimToken.scim_token.id,
              channel: channel.id,
              deletedchannel: deletedChannel.id
            }
            for (const [k, v] of Object.entries(ids)) if (typeof v !== "string") throw new Error(`fixture ${k}: ${v}`)
            tenants.push({
              slug,
              token,
              ids,
              secrets: [...Object.values(ids), email, admin, created.body.id, channelSecret]
            })
          }

          // Every id-bearing endpoint under a tenant, from the server's own OpenAPI document.
          const doc = (yield* call("GET", "/openapi.json", { auth: false })).body
          const endpoints: Array<{ method: string; path: string; body: boolean }> = []
          for (const [path, item] of Object.entries<any>(doc.paths)) {
            if (!path.startsWith("/api/v1/tenants/{slug}/")) continue
            const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((p) => p !== "slug")
            if (params.length === 0 || params.includes("key") || params.includes("file")) continue // tenant settings are operator endpoints (401 for users)
            for (const method of ["get", "post", "put", "patch", "delete"])
              if (item[method]) endpoints.push({ method: method.toUpperCase(), path, body: !!item[method].requestBody })
          }
          expect(endpoints.length).toBeGreaterThan(40)

          const fill = (path: string, victim: TenantFixture, attackerSlug: string) =>
            path.replace(/\{(\w+)\}/g, (_, name: string, offset: number) => {
              if (name === "slug") return attackerSlug
              if (name === "permission") return "users:read"
              if (name === "file") return "x.ics"
              if (name === "kind") return "notes"
              if (name === "id" && path.endsWith("/restore"))
                return path.includes("/channels/") ? victim.ids.deletedchannel! : victim.ids.deletednote!
              const before = path.slice(0, offset).split("/").filter(Boolean)
              const kind =
                KIND[before[before.length - 1] ?? ""] ??
                (name === "userId" || name === "studentId" ? "user" : name === "roleId" ? "role" : "course")
              return victim.ids[kind] ?? victim.ids.course!
            })

          const bodies: Record<string, unknown> = {
            PATCH: { name: "hijacked" },
            PUT: { student_ids: [], teacher_ids: [], permissions: [], effect: "allow" },
            POST: {
              decision: "approve",
              marks: [{ student_id: "00000000-0000-7000-8000-000000000000", result: "ABSENT" }],
              role_id: "00000000-0000-7000-8000-000000000000",
              status: "ACCEPTED",
              device_identifier: "x",
              new_password: "another long passphrase 2026"
            }
          }
          const scenario = fc.record({
            attacker: fc.integer({ min: 0, max: 2 }),
            shift: fc.integer({ min: 1, max: 2 }),
            endpoint: fc.integer({ min: 0, max: endpoints.length - 1 }),
            forge: fc.constantFrom("none", "header", "host", "victim-path")
          })
          const failures: Array<string> = []
          let requests = 0
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(fc.array(scenario, { minLength: 1, maxLength: 4 }), async (steps) => {
                for (const s of steps) {
                  const attacker = tenants[s.attacker]!
                  const victim = tenants[(s.attacker + s.shift) % 3]!
                  const e = endpoints[s.endpoint]!
                  // With "victim-path" the attacker's token names the victim's tenant in the path.
                  const path = fill(e.path, victim, s.forge === "victim-path" ? victim.slug : attacker.slug)
                  const headers: Record<string, string> = { authorization: `Bearer ${attacker.token}` }
                  if (s.forge === "header") headers["x-signet-tenant"] = victim.slug
                  if (s.forge === "host") headers["x-forwarded-host"] = `${victim.slug}.signet.example`
                  const hasBody = e.body || ["PUT", "PATCH"].includes(e.method)
                  if (hasBody) headers["content-type"] = "application/json"
                  const res = await fetch(server.url + path, {
                    method: e.method,
                    headers,
                    ...(hasBody ? { body: JSON.stringify(bodies[e.method] ?? {}) } : {})
                  })
                  requests++
                  const text = await res.text()
                  // Role changes by a user need a recent MFA step-up: that 403 comes before any lookup, so it
                  // says nothing about the object and is accepted in place of 404.
                  const where = `${e.method} ${path} (${s.forge}) → ${res.status}`
                  if (res.status < 400) failures.push(`${where}: succeeded across tenants: ${text.slice(0, 200)}`)
                  if (res.status >= 500) failures.push(`${where}: server error ${text.slice(0, 200)}`)
                  if (
                    !hasBody &&
                    res.status !== 404 &&
                    !(res.status === 403 && text.includes('"permission":"mfa:step-up"'))
                  )
                    failures.push(`${where}: expected 404, got ${res.status} ${text.slice(0, 200)}`)
                  // Problem details echo the request's own path; anything else of the victim's is a leak.
                  for (const secret of victim.secrets)
                    if (!path.includes(secret) && text.includes(secret))
                      failures.push(`${where}: body contains the victim's ${secret}`)
                }
                return failures.length === 0
              }),
              { numRuns: RUNS, seed: Number(process.env.SIGNET_ISOLATION_SEED ?? Date.now() % 2 ** 31) }
            )
          ).pipe(
            Effect.catchAllDefect((d) =>
              Effect.sync(() => failures.push(`property failed: ${String(d).slice(0, 500)}`))
            )
          )
          expect(failures.slice(0, 10)).toEqual([])
          expect(requests).toBeGreaterThanOrEqual(RUNS)

          // RPC: the same with the RPC twins.
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: tenants[0]!.token })
          expect((yield* Effect.flip(rpc.GetCourse({ course_id: CourseId.make(tenants[1]!.ids.course!) })))._tag).toBe(
            "AcademicsNotFound"
          )
          expect(
            (yield* Effect.flip(
              rpc.CreateSignatureAttempt({
                course_id: CourseId.make(tenants[2]!.ids.course!),
                method: "ADMIN",
                student_id: UserId.make(tenants[0]!.ids.user!),
                reason: "cross-tenant"
              })
            ))._tag
          ).toBe("AttendanceNotFound")
          expect(
            (yield* Effect.flip(rpc.GetCourseRoll({ course_id: CourseId.make(tenants[1]!.ids.course!) })))._tag
          ).toBe("AttendanceNotFound")
          expect((yield* Effect.flip(rpc.GetUserById({ user_id: UserId.make(tenants[1]!.ids.user!) })))._tag).toBe(
            "UserNotFound"
          )

          expect(
            (yield* Effect.flip(rpc.RestoreActivity({ kind: "notes", id: tenants[1]!.ids.deletednote! })))._tag
          ).toBe("ActivityNotFound")
          expect(
            (yield* Effect.flip(rpc.RestoreActivity({ kind: "footprints", id: tenants[1]!.ids.deletedfootprint! })))
              ._tag
          ).toBe("ActivityNotFound")
          expect((yield* Effect.flip(rpc.GetFootprint({ id: tenants[2]!.ids.footprint! })))._tag).toBe(
            "ActivityNotFound"
          )
          expect(
            (yield* Effect.flip(rpc.GetCarbonTotals({ target_type: "school", target_id: tenants[1]!.ids.school! })))
              ._tag
          ).toBe("TargetNotFound")
          expect((yield* Effect.flip(rpc.DeleteFootprint({ id: tenants[1]!.ids.footprint! })))._tag).toBe(
            "ActivityNotFound"
          )
          expect((yield* Effect.flip(rpc.GetChannel({ id: tenants[1]!.ids.channel! })))._tag).toBe("ChannelNotFound")
          expect((yield* Effect.flip(rpc.RestoreChannel({ id: tenants[2]!.ids.deletedchannel! })))._tag).toBe(
            "ChannelNotFound"
          )

          // The victims' objects are as they were.
          for (const t of tenants) {
            const get = (path: string) => call("GET", `/api/v1/tenants/${t.slug}${path}`, { auth: t.token })
            expect((yield* get(`/schools/${t.ids.school}`)).body.name).toMatch(/^School \d$/)
            expect((yield* get(`/courses/${t.ids.course}`)).body.name).toMatch(/^Course \d$/)
            expect((yield* get(`/groups/${t.ids.group}/members`)).body).toEqual([t.ids.user])
            expect((yield* get(`/users/${t.ids.user}`)).body.status).toBe("active")
            expect((yield* get(`/excuses/${t.ids.excuse}`)).body.status).toBe("pending")
            expect((yield* get(`/signatures/${t.ids.signature}`)).body.status).toBe("ACCEPTED")
            expect((yield* get(`/activities/notes/${t.ids.note}`)).body.body).toMatch(/^Note \d$/)
            expect((yield* get(`/channels/${t.ids.channel}`)).body).toMatchObject({
              enabled: true,
              has_credentials: true
            })
            expect((yield* get(`/channels/${t.ids.deletedchannel}`)).status).toBe(404)
            expect((yield* get(`/activities/notes/${t.ids.deletednote}`)).status).toBe(404)
            expect((yield* get(`/oidc/clients/${t.ids.oidcclient}`)).body.name).toMatch(/^RP \d$/)
            expect((yield* get(`/activities/tasks/${t.ids.task}`)).body).toMatchObject({ status: "todo" })
            expect((yield* get(`/activities/calls/${t.ids.call}`)).body.participants).toEqual([
              { name: expect.stringMatching(/^Caller \d$/) }
            ])
            expect((yield* get(`/activities/events/${t.ids.event}`)).body.title).toMatch(/^Event \d$/)
            expect((yield* get(`/activities/attachments/${t.ids.attachment}`)).body).toMatchObject({ version: 1 })
            expect((yield* get(`/activities/attachments/${t.ids.attachment}/content`)).text).toMatch(
              /^Attachment \d\n$/
            )
            expect((yield* get(`/activities/carbon/footprints/${t.ids.footprint}`)).body).toMatchObject({
              co2e_kg: 400,
              factor_source: expect.stringMatching(/^Source \d$/)
            })
            expect((yield* get(`/activities/carbon/footprints/${t.ids.deletedfootprint}`)).status).toBe(404)
            expect((yield* get(`/activities/carbon/totals`)).body.total_kg).toBe(400)
            const q = `target_type=school&target_id=${t.ids.school}`
            expect((yield* get(`/activities/reviews?${q}`)).body.items.map((r: { id: string }) => r.id)).toEqual([
              t.ids.review
            ])
          }
        })
      )
    }
  )
}
