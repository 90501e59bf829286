/**
 * The `signet-beacon` command line: `keygen`, `enroll`, `run`, `status` and `decode`
 * (docs/beacon-agent.md).
 *
 * Exit codes: 0 success · 1 error (one line on standard error: `signet-beacon: <message>`) ·
 * 2 invalid usage.
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, ValidationError as CliValidationError, Command, Options } from "@effect/cli"
// Deep imports: the package index loads the HTTP server too (~200 ms more per start).
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Either, Option } from "effect"
import * as Agent from "./Agent.js"
import * as Client from "./Client.js"
import { AgentError, DEFAULT_KEY_FILE, readKeyFile, writeKeyFile } from "./Files.js"
import * as Flashlight from "./Flashlight.js"
import * as Input from "./Input.js"
import { DEFAULT_JOURNAL_FILE } from "./Journal.js"
import * as Keys from "./Keys.js"
import { type BeaconState, DEFAULT_STATE_FILE, writeState } from "./State.js"

/** Version of the agent (also the default firmware version reported to the server). */
export const VERSION = "0.1.0"

/** Exit codes of `signet-beacon`. */
export const ExitCode = { ok: 0, error: 1, usage: 2 } as const

const keyOpt = Options.file("key").pipe(
  Options.withDescription("Key file (private key, mode 0600)"),
  Options.withDefault(DEFAULT_KEY_FILE)
)
const stateOpt = Options.file("state").pipe(
  Options.withDescription("State file written by enroll (mode 0600)"),
  Options.withDefault(DEFAULT_STATE_FILE)
)
const journalOpt = Options.file("journal").pipe(
  Options.withDescription("Proof journal (JSON Lines, mode 0600)"),
  Options.withDefault(DEFAULT_JOURNAL_FILE)
)
const urlOverride = Options.text("url").pipe(
  Options.withDescription("Server base URL, instead of the one in the state file"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))

const url = (value: string) =>
  Either.match(Agent.normaliseUrl(value), {
    onLeft: (message) => Effect.fail(new AgentError({ message, reason: "USAGE" })),
    onRight: Effect.succeed
  })

const keygen = Command.make(
  "keygen",
  {
    alg: Options.choice("alg", ["ES256", "EdDSA"] as const).pipe(
      Options.withDescription("ES256 (ECDSA P-256) or EdDSA (Ed25519)"),
      Options.withDefault("ES256" as const)
    ),
    key: keyOpt,
    force: Options.boolean("force").pipe(Options.withDescription("Replace an existing key file")),
    json
  },
  (o) =>
    Effect.gen(function* () {
      const pair = Keys.generateKeyPair(o.alg)
      yield* writeKeyFile(o.key, pair, o.force)
      if (o.json)
        return yield* Console.log(JSON.stringify({ alg: pair.alg, key_file: o.key, public_jwk: pair.publicJwk }))
      yield* Console.log(`wrote a new ${pair.alg} key to ${o.key} (mode 0600)`)
      yield* Console.log(`public key: ${JSON.stringify(pair.publicJwk)}`)
    })
).pipe(
  Command.withDescription(
    "Generate the beacon's key pair into a key file (mode 0600); refuses to replace one without --force.\n" +
      "Example:\n  signet-beacon keygen --alg ES256 --key ./beacon-key.json"
  )
)

const enroll = Command.make(
  "enroll",
  {
    url: Options.text("url").pipe(Options.withDescription("Server base URL, e.g. https://signet.example.edu")),
    code: Options.text("code").pipe(Options.withDescription("One-time enrolment code <tenant>.<secret>")),
    key: keyOpt,
    state: stateOpt,
    firmware: Options.text("firmware").pipe(
      Options.withDescription("Firmware version reported to the server"),
      Options.withDefault(VERSION)
    ),
    force: Options.boolean("force").pipe(Options.withDescription("Replace an existing state file")),
    json
  },
  (o) =>
    Effect.gen(function* () {
      const base = yield* url(o.url)
      const key = yield* readKeyFile(o.key)
      // Checked before the server sees the code: a code works once.
      if (!o.force && Fs.existsSync(o.state))
        return yield* new AgentError({
          message: `state file ${o.state} already exists (this board is enrolled); use --force to enrol again`,
          reason: "EEXIST"
        })
      const enrolled = yield* Client.enroll(base, {
        code: o.code.trim(),
        alg: key.alg,
        public_jwk: key.publicJwk,
        firmware_version: o.firmware
      }).pipe(
        Effect.mapError(
          (e) =>
            new AgentError({
              message: `enrolment refused: ${Client.explain(e)}`,
              reason: e._tag === "ServerError" ? (e.reason_code ?? e.code ?? "HTTP") : "NETWORK"
            })
        )
      )
      const state: BeaconState = {
        url: base,
        tenant: enrolled.tenant,
        beacon_id: enrolled.beacon_id,
        classroom_id: enrolled.classroom_id,
        alg: key.alg,
        totp_secret: enrolled.totp_secret,
        counter: -1,
        firmware_version: o.firmware,
        enrolled_at: new Date().toISOString()
      }
      yield* writeState(o.state, state, true)
      const drift = Date.now() - enrolled.server_time_ms
      if (o.json)
        return yield* Console.log(
          JSON.stringify({
            beacon_id: state.beacon_id,
            tenant: state.tenant,
            classroom_id: state.classroom_id,
            url: base,
            state_file: o.state,
            approx_clock_drift_ms: drift
          })
        )
      yield* Console.log(
        `enrolled beacon ${state.beacon_id} in tenant ${state.tenant}` +
          (state.classroom_id !== null ? ` for classroom ${state.classroom_id}` : " (no classroom yet)") +
          `; state in ${o.state} (mode 0600)`
      )
      if (state.classroom_id === null)
        yield* Console.error(
          "signet-beacon: the code names no classroom; an admin must assign the beacon, then run with --classroom <id>"
        )
      if (Math.abs(drift) > 10_000)
        yield* Console.error(`signet-beacon: this clock is about ${Math.round(drift / 1000)} s off the server's`)
    })
).pipe(
  Command.withDescription(
    "Enrol this beacon with a one-time code (from an admin: POST …/beacons/enrolment-codes).\n" +
      "Example:\n  signet-beacon enroll --url https://signet.example.edu --code lycee-hugo.Xy3…"
  )
)

const run = Command.make(
  "run",
  {
    state: stateOpt,
    key: keyOpt,
    journal: journalOpt,
    input: Options.text("input").pipe(
      Options.withDescription("stdin, file:<path> (followed as it grows) or http:<port> (127.0.0.1; 0 = any)"),
      Options.withDefault("stdin")
    ),
    flashlight: Options.boolean("flashlight").pipe(
      Options.withDescription("Items are flashlight pulse recordings (docs/flashlight.md); proof type buzzLightyear")
    ),
    proofType: Options.text("proof-type").pipe(
      Options.withDescription("proof_type of the proofs (default: buzzLightyear with --flashlight, else manual)"),
      Options.optional
    ),
    telemetryInterval: Options.integer("telemetry-interval").pipe(
      Options.withDescription("Seconds between telemetry reports (0: none)"),
      Options.withDefault(60)
    ),
    url: urlOverride,
    classroom: Options.text("classroom").pipe(
      Options.withDescription("Classroom id, instead of the one in the state file"),
      Options.optional
    )
  },
  (o) =>
    Effect.gen(function* () {
      const adapter = Input.parseInputSpec(o.input, o.flashlight ? "block" : "line")
      if (typeof adapter === "string") return yield* new AgentError({ message: adapter, reason: "USAGE" })
      if (o.telemetryInterval < 0)
        return yield* new AgentError({ message: "--telemetry-interval must be ≥ 0", reason: "USAGE" })
      const base = Option.isSome(o.url) ? yield* url(o.url.value) : undefined
      yield* Effect.scoped(
        Agent.run({
          statePath: o.state,
          keyPath: o.key,
          journalPath: o.journal,
          input: adapter,
          flashlight: o.flashlight,
          proofType: Option.getOrUndefined(o.proofType),
          telemetryIntervalS: o.telemetryInterval,
          url: base,
          classroomId: Option.getOrUndefined(o.classroom)
        })
      )
    })
).pipe(
  Command.withDescription(
    "Turn presence tokens into signed proofs: journal them, send them, print one JSON line per outcome.\n" +
      "Stops on SIGINT/SIGTERM (undelivered proofs stay in the journal and are sent on the next start).\n" +
      "Examples:\n  signet-beacon run --input http:8765\n  light-sensor-reader | signet-beacon run --flashlight"
  )
)

const status = Command.make(
  "status",
  { state: stateOpt, key: keyOpt, journal: journalOpt, url: urlOverride, json },
  (o) =>
    Effect.gen(function* () {
      const base = Option.isSome(o.url) ? yield* url(o.url.value) : undefined
      const report = yield* Agent.status({
        statePath: o.state,
        keyPath: o.key,
        journalPath: o.journal,
        url: base
      })
      if (o.json) yield* Console.log(JSON.stringify(report, null, 2))
      else {
        const signed = (n: number) => `${n >= 0 ? "+" : ""}${n}`
        yield* Console.log(
          [
            `beacon       ${report.beacon_id} (${report.alg})`,
            `tenant       ${report.tenant}`,
            `server       ${report.url}`,
            `classroom    ${report.classroom_id ?? "(none)"}`,
            `last counter ${report.last_counter}`,
            `undelivered  ${report.undelivered} (${report.journal})`,
            report.auth.ok
              ? `auth         OK (clock drift ${signed(report.auth.clock_drift_ms)} ms)`
              : `auth         FAILED: ${report.auth.error}`
          ].join("\n")
        )
      }
      if (!report.auth.ok) process.exitCode = ExitCode.error
    })
).pipe(
  Command.withDescription(
    "Show the beacon's identity, last counter and undelivered proofs, and check that it can authenticate\n" +
      "(exit 1 when it cannot).\nExample:\n  signet-beacon status --json"
  )
)

const decode = Command.make(
  "decode",
  {
    file: Args.text({ name: "file" }).pipe(Args.withDescription("Pulse recording (docs/flashlight.md §7); - for stdin"))
  },
  (o) =>
    Effect.gen(function* () {
      const text = yield* Effect.try({
        try: () => Fs.readFileSync(o.file === "-" ? 0 : o.file, "utf8"),
        catch: (e) =>
          new AgentError({
            message: `cannot read ${o.file}: ${(e as { code?: string }).code === "ENOENT" ? "no such file" : String(e)}`
          })
      })
      const decoded = Flashlight.decodeText(text)
      if (Either.isLeft(decoded))
        return yield* new AgentError({
          message: `${decoded.left.reason}: ${decoded.left.message}`,
          reason: decoded.left.reason
        })
      const token = yield* Effect.try({
        try: () => new TextDecoder("utf-8", { fatal: true }).decode(decoded.right),
        catch: () =>
          new AgentError({
            message: `NotText: decoded ${decoded.right.length} byte(s) that are not UTF-8: ${Buffer.from(decoded.right).toString("hex")}`,
            reason: "NotText"
          })
      })
      yield* Console.log(token)
    })
).pipe(
  Command.withDescription(
    "Decode a flashlight pulse recording and print the token (exit 1 with the decoder's reason).\n" +
      "Example:\n  signet-beacon decode recording.txt"
  )
)

/** The root command and its subcommands. */
export const signetBeacon = Command.make("signet-beacon").pipe(
  Command.withDescription(
    "signet-beacon: the classroom beacon agent — keys, enrolment, signed presence proofs, offline journal."
  ),
  Command.withSubcommands([keygen, enroll, run, status, decode])
)

/** Renders any failure as `signet-beacon: <message>` and sets the exit code (1, or 2 for usage). */
export const reportFailure = (error: unknown): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (CliValidationError.isValidationError(error)) {
      // @effect/cli has already printed what was wrong with the command line.
      process.exitCode = ExitCode.usage
      return
    }
    const e = error as { message?: string; reason?: string }
    const message = typeof e?.message === "string" && e.message.length > 0 ? e.message : String(error)
    yield* Console.error(`signet-beacon: ${message}`)
    process.exitCode = e?.reason === "USAGE" ? ExitCode.usage : ExitCode.error
  })

/** Runs the CLI with `argv` (as `process.argv`). */
export const runCli = (argv: ReadonlyArray<string>) =>
  Command.run(signetBeacon, { name: "signet-beacon", version: VERSION })(argv).pipe(
    Effect.catchAll(reportFailure),
    Effect.catchAllDefect((d) => reportFailure(d)),
    Effect.provide(NodeContext.layer)
  )

/** Entry point used by `bin/signet-beacon.js`. */
export const main = () =>
  NodeRuntime.runMain(runCli(process.argv) as Effect.Effect<void>, { disablePrettyLogger: true })
