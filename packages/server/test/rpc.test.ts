import { expect, layer } from "@effect/vitest"
import { UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const client = (token?: string, tenant?: string) =>
  Effect.flatMap(TestServer, (server) => makeRpcClient({ baseUrl: server.url, token: token ?? server.token, tenant }))

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 60_000, excludeTestServices: true })(`RPC on ${dialect}`, (it) => {
    it.scoped("TenantCommand and TenantQuery mirror REST, with the same tagged errors", () =>
      Effect.gen(function* () {
        const rpc = yield* client()
        const t = yield* rpc.CreateTenant({ slug: "rpc-school", name: "RPC School", region: "eu", plan: "basic" })
        expect(t).toMatchObject({ slug: "rpc-school", region: "eu", plan: "basic", status: "active" })
        expect((yield* rpc.GetTenant({ slug: "rpc-school" })).id).toBe(t.id)
        const dup = yield* Effect.flip(
          rpc.CreateTenant({ slug: "rpc-school", name: "again", region: "global", plan: "free" })
        )
        expect(dup._tag).toBe("Conflict")
        const missing = yield* Effect.flip(rpc.GetTenant({ slug: "nope-nope" }))
        expect(missing._tag).toBe("TenantNotFound")
        expect((yield* rpc.SuspendTenant({ slug: "rpc-school" })).status).toBe("suspended")
        expect((yield* Effect.flip(rpc.SuspendTenant({ slug: "rpc-school" })))._tag).toBe("InvalidTenantTransition")
        expect((yield* rpc.ReactivateTenant({ slug: "rpc-school" })).status).toBe("active")
        const s = yield* rpc.PutSetting({ slug: "rpc-school", key: "general.locale", setting: { value: "fr-FR" } })
        expect(s.value).toBe("fr-FR")
        const bad = yield* Effect.flip(
          rpc.PutSetting({ slug: "rpc-school", key: "general.locale", setting: { value: 42 } })
        )
        expect(bad._tag).toBe("ValidationError")
        const page = yield* rpc.ListTenants({})
        expect(page.items.map((x) => x.slug)).toContain("rpc-school")
      })
    )

    it.scoped("RPC logins record the client's address; an enrolment-only admin token reaches no RPC", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const op = yield* client()
        yield* op.CreateTenant({
          slug: "rpc-peer",
          name: "RPC Peer",
          admin: {
            email: "admin@rpc-peer.example.edu",
            password: Redacted.make("rpc owner passphrase"),
            given_name: "A",
            family_name: "B"
          }
        })
        const login = yield* op.Login({
          tenant: "rpc-peer",
          request: { login: "admin@rpc-peer.example.edu", password: Redacted.make("rpc owner passphrase") }
        })
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const sessions = yield* Effect.promise(() =>
          fetch(`${server.url}/api/v1/tenants/rpc-peer/auth/sessions`, {
            headers: { authorization: `Bearer ${login.tokens.access_token}` }
          }).then((r) => r.json() as Promise<Array<{ id: string; ip: string | null }>>)
        )
        const session = sessions.find((x) => x.id === login.tokens.session_id)
        expect(session?.ip).toMatch(/^(127\.0\.0\.1|::1)$/)

        yield* op.PutSetting({ slug: "rpc-peer", key: "auth.mfa_required_for_admins", setting: { value: true } })
        const enrolOnly = yield* op.Login({
          tenant: "rpc-peer",
          request: { login: "admin@rpc-peer.example.edu", password: Redacted.make("rpc owner passphrase") }
        })
        if (enrolOnly.status !== "authenticated") throw new Error("expected tokens")
        const asAdmin = yield* client(enrolOnly.tokens.access_token)
        const refused = yield* Effect.flip(asAdmin.GetUserById({ user_id: enrolOnly.tokens.user.id }))
        expect(refused._tag).toBe("Forbidden")
      })
    )

    it.scoped("IdentityQuery and AuthService", () =>
      Effect.gen(function* () {
        const op = yield* client()
        yield* op.CreateTenant({
          slug: "rpc-ident",
          name: "RPC Ident",
          admin: {
            email: "admin@rpc-ident.example.edu",
            password: Redacted.make("rpc owner passphrase"),
            given_name: "A",
            family_name: "B"
          }
        })
        const login = yield* op.Login({
          tenant: "rpc-ident",
          request: { login: "admin@rpc-ident.example.edu", password: Redacted.make("rpc owner passphrase") }
        })
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const claims = yield* op.ValidateToken({ token: login.tokens.access_token })
        expect(claims).toMatchObject({ tenant_slug: "rpc-ident", user_type: "admin" })
        expect((yield* Effect.flip(op.ValidateToken({ token: "garbage" })))._tag).toBe("Unauthorized")
        const asUser = yield* client(login.tokens.access_token)
        const lite = yield* asUser.GetUserLite({ user_id: login.tokens.user.id })
        expect(lite).toMatchObject({ email: "admin@rpc-ident.example.edu", user_type: "admin", firstname: "A" })
        expect(yield* asUser.Exists({ user_id: login.tokens.user.id })).toEqual({ exists: true })
        expect(yield* asUser.Exists({ user_id: UserId.make("01900000-0000-7000-8000-000000000000") })).toEqual({
          exists: false
        })
        const asOperator = yield* client(undefined, "rpc-ident")
        expect((yield* asOperator.GetUserById({ user_id: login.tokens.user.id })).id).toBe(login.tokens.user.id)
        const noTenant = yield* client()
        expect((yield* Effect.flip(noTenant.GetUserById({ user_id: login.tokens.user.id })))._tag).toBe(
          "TenantNotFound"
        )
        // IdentityQuery needs users:read, except about oneself: a student reads only their own record.
        const server = yield* TestServer
        const student = yield* Effect.promise(() =>
          fetch(`${server.url}/api/v1/tenants/rpc-ident/users`, {
            method: "POST",
            headers: { authorization: `Bearer ${login.tokens.access_token}`, "content-type": "application/json" },
            body: JSON.stringify({
              email: "pupil@rpc-ident.example.edu",
              given_name: "P",
              family_name: "U",
              user_type: "student",
              password: "a student passphrase",
              devices: ["pupil-phone"]
            })
          }).then((r) => r.json() as Promise<{ id: string }>)
        )
        const pupilLogin = yield* op.Login({
          tenant: "rpc-ident",
          request: { login: "pupil@rpc-ident.example.edu", password: Redacted.make("a student passphrase") }
        })
        if (pupilLogin.status !== "authenticated") throw new Error("expected tokens")
        const asStudent = yield* client(pupilLogin.tokens.access_token)
        expect((yield* asStudent.GetUserById({ user_id: UserId.make(student.id) })).email).toBe(
          "pupil@rpc-ident.example.edu"
        )
        expect(
          yield* asStudent.ValidateStudentDevice({
            student_id: UserId.make(student.id),
            device_identifier: "pupil-phone"
          })
        ).toEqual({ is_valid: true })
        for (const denied of [
          asStudent.GetUserById({ user_id: login.tokens.user.id }) as Effect.Effect<unknown, unknown>,
          asStudent.GetUserLite({ user_id: login.tokens.user.id }),
          asStudent.Exists({ user_id: login.tokens.user.id }),
          asStudent.ValidateStudentDevice({ student_id: login.tokens.user.id, device_identifier: "pupil-phone" })
        ]) {
          expect(yield* Effect.flip(denied)).toMatchObject({ _tag: "Forbidden", permission: "users:read" })
        }
        // The administrator (users:read) reads anyone.
        expect((yield* asUser.GetUserById({ user_id: UserId.make(student.id) })).user_type).toBe("student")
        const refreshed = yield* op.Refresh({ tenant: "rpc-ident", refresh_token: login.tokens.refresh_token })
        expect(refreshed.session_id).toBe(login.tokens.session_id)
      })
    )

    // Issue 14: REST and RPC resolve the caller through one function; RPC had no API-key path.
    it.scoped("an API key reaches RPC for the tenant named by x-signet-tenant, scoped to its permissions", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const op = yield* client()
        yield* op.CreateTenant({
          slug: "rpc-keys",
          name: "RPC Keys",
          admin: {
            email: "admin@rpc-keys.example.edu",
            password: Redacted.make("rpc keys passphrase"),
            given_name: "A",
            family_name: "B"
          }
        })
        yield* op.CreateTenant({ slug: "rpc-keys-2", name: "RPC Keys 2" })
        const login = yield* op.Login({
          tenant: "rpc-keys",
          request: { login: "admin@rpc-keys.example.edu", password: Redacted.make("rpc keys passphrase") }
        })
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const created = yield* Effect.promise(() =>
          fetch(`${server.url}/api/v1/tenants/rpc-keys/api-keys`, {
            method: "POST",
            // Minted by the operator: a user minting a key needs step-up (issue 15 §4).
            headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
            body: JSON.stringify({ name: "rpc sync", permissions: ["users:read"] })
          }).then((r) => r.json() as Promise<{ key: string }>)
        )
        const asKey = yield* client(created.key, "rpc-keys")
        const admin = yield* asKey.GetUserById({ user_id: login.tokens.user.id })
        expect(admin.email).toBe("admin@rpc-keys.example.edu")
        // Outside its scope: roles:read is not among the key's permissions.
        const denied = yield* Effect.flip(asKey.ListRoles({}))
        expect(denied._tag).toBe("Forbidden")
        // Another tenant named in the header: the key does not belong to it.
        const elsewhere = yield* client(created.key, "rpc-keys-2")
        expect((yield* Effect.flip(elsewhere.GetUserById({ user_id: login.tokens.user.id })))._tag).toBe("Unauthorized")
      })
    )

    it.scoped("refuses a wrong operator token", () =>
      Effect.gen(function* () {
        const rpc = yield* client("wrong")
        const e = yield* Effect.flip(rpc.GetTenant({ slug: "rpc-school" }))
        expect(e._tag).toBe("Unauthorized")
      })
    )
  })
}
