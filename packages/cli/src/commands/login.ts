/**
 * `signet login` / `signet whoami` / `signet logout` — authenticate against a
 * running server (through `@signet/sdk`) and keep the tokens for remote
 * commands in a credentials file (`$SIGNET_CREDENTIALS`, default
 * `~/.config/signet/credentials.json`, mode 0600).
 *
 * @module
 */

import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Command, Options, Prompt } from "@effect/cli"
import { makeHttpClient } from "@signet/sdk"
import { Console, Data, Effect, Option, Redacted } from "effect"

/** A remote-authentication problem, reported as one line. */
export class RemoteError extends Data.TaggedError("RemoteError")<{ readonly message: string }> {}

/** Stored credentials of one server/tenant. */
export interface StoredCredentials {
  readonly url: string
  readonly tenant: string
  readonly access_token: string
  readonly refresh_token: string
  readonly access_expires_at: number
  readonly user: { readonly id: string; readonly email: string; readonly user_type: string }
}

/** Where credentials are kept. */
export const credentialsPath = (): string =>
  process.env.SIGNET_CREDENTIALS ?? Path.join(Os.homedir(), ".config", "signet", "credentials.json")

const save = (c: StoredCredentials) => {
  const file = credentialsPath()
  Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
  Fs.writeFileSync(file, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 })
  Fs.chmodSync(file, 0o600)
}

/** Reads stored credentials, refreshing the access token when it is (nearly) expired. */
export const storedSession = Effect.gen(function* () {
  const file = credentialsPath()
  if (!Fs.existsSync(file))
    return yield* new RemoteError({ message: "not logged in; run `signet login --url … --tenant …`" })
  const creds = JSON.parse(Fs.readFileSync(file, "utf8")) as StoredCredentials
  if (creds.access_expires_at - Date.now() > 30_000) return creds
  const client = yield* makeHttpClient({ baseUrl: creds.url })
  const pair = yield* client.auth
    .refresh({ path: { slug: creds.tenant }, payload: { refresh_token: creds.refresh_token } })
    .pipe(Effect.mapError(() => new RemoteError({ message: "session expired; run `signet login` again" })))
  const next: StoredCredentials = {
    ...creds,
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    access_expires_at: Date.now() + pair.expires_in * 1000
  }
  save(next)
  return next
})

const describe = (e: unknown) => {
  const err = e as { _tag?: string; message?: string }
  return err._tag === "RequestError" || err._tag === "ResponseError"
    ? `cannot reach the server (${err.message ?? err._tag})`
    : (err.message ?? String(e))
}

const login = Command.make(
  "login",
  {
    url: Options.text("url").pipe(Options.withDescription("Server base URL, e.g. http://127.0.0.1:8080")),
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    user: Options.text("login").pipe(Options.withDescription("E-mail or username"))
  },
  (o) =>
    Effect.gen(function* () {
      // Non-interactive use (scripts, CI): SIGNET_PASSWORD / SIGNET_MFA_CODE.
      const password = process.env.SIGNET_PASSWORD
        ? Redacted.make(process.env.SIGNET_PASSWORD)
        : yield* Prompt.password({ message: `Password for ${o.user}` })
      const client = yield* makeHttpClient({ baseUrl: o.url })
      const result = yield* client.auth
        .login({
          path: { slug: o.tenant },
          payload: { login: o.user, password, device_label: `signet CLI on ${Os.hostname()}` }
        })
        .pipe(Effect.mapError((e) => new RemoteError({ message: describe(e) })))
      const remote = Effect.mapError((e: unknown) => new RemoteError({ message: describe(e) }))
      const tokens =
        result.status === "authenticated"
          ? result.tokens
          : result.status === "actions_required"
            ? yield* Effect.gen(function* () {
                // Required actions (issue 18): set the new password here; the others need the web app.
                let token = result.action_token
                if (result.actions.includes("update_password")) {
                  const next = process.env.SIGNET_NEW_PASSWORD
                    ? Redacted.make(process.env.SIGNET_NEW_PASSWORD)
                    : yield* Prompt.password({ message: "A new password is required" })
                  const progress = yield* client.auth
                    .actionPassword({ path: { slug: o.tenant }, payload: { action_token: token, new_password: next } })
                    .pipe(remote)
                  token = progress.action_token
                }
                return yield* client.auth
                  .actionsComplete({ path: { slug: o.tenant }, payload: { action_token: token } })
                  .pipe(remote)
              })
            : yield* Effect.gen(function* () {
                const code =
                  process.env.SIGNET_MFA_CODE ?? (yield* Prompt.text({ message: "TOTP code (or recovery code)" }))
                const proof = /^\d{6}$/.test(code) ? { code } : { recovery_code: code }
                return yield* client.auth
                  .mfa({ path: { slug: o.tenant }, payload: { mfa_token: result.mfa_token, ...proof } })
                  .pipe(Effect.mapError((e) => new RemoteError({ message: describe(e) })))
              })
      save({
        url: o.url.replace(/\/$/, ""),
        tenant: o.tenant,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        access_expires_at: Date.now() + tokens.expires_in * 1000,
        user: { id: tokens.user.id, email: tokens.user.email, user_type: tokens.user.user_type }
      })
      yield* Console.log(`logged in to ${o.tenant} as ${tokens.user.email}; credentials in ${credentialsPath()}`)
    })
).pipe(
  Command.withDescription(
    "Log in to a running server and keep the tokens for remote commands (password prompt, or SIGNET_PASSWORD).\n" +
      "Example:\n  signet login --url https://signet.example.edu --tenant lycee-hugo --login admin@hugo.fr"
  )
)

const whoami = Command.make("whoami", { json: Options.boolean("json") }, (o) =>
  Effect.gen(function* () {
    const creds = yield* storedSession
    const client = yield* makeHttpClient({ baseUrl: creds.url, token: creds.access_token })
    const me = yield* client.session
      .me({ path: { slug: creds.tenant } })
      .pipe(Effect.mapError((e) => new RemoteError({ message: describe(e) })))
    if (o.json) return yield* Console.log(JSON.stringify({ url: creds.url, tenant: creds.tenant, user: me }, null, 2))
    yield* Console.log(`${me.email} (${me.user_type}) on ${creds.tenant} at ${creds.url}`)
  })
).pipe(
  Command.withDescription(
    "Show who the stored credentials belong to (refreshing them if needed).\nExample:\n  signet whoami"
  )
)

const logout = Command.make("logout", {}, () =>
  Effect.gen(function* () {
    const creds = yield* Effect.option(storedSession)
    if (Option.isSome(creds)) {
      const client = yield* makeHttpClient({ baseUrl: creds.value.url, token: creds.value.access_token })
      yield* client.session.logout({ path: { slug: creds.value.tenant } }).pipe(Effect.ignore)
    }
    Fs.rmSync(credentialsPath(), { force: true })
    yield* Console.log("logged out")
  })
).pipe(Command.withDescription("Revoke the stored session and forget the credentials.\nExample:\n  signet logout"))

/** `signet login`, `signet whoami`, `signet logout`. */
export const remoteCommands = [login, whoami, logout] as const
