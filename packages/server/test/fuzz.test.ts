/**
 * API fuzzing (issue 8 §4), CI size: 1,000 requests generated from the
 * server's own `/openapi.json` against `testServer("sqlite")`, after a
 * realistic fixture (tenant, MFA-enabled admin, school, classroom, group,
 * teacher, students, courses, signature, excuse, role, team, API key, feed,
 * beacon) so that handlers are reached and not just the 401s.
 *
 * For every response: status < 500; every 4xx passes `expectProblem` (RFC 9457
 * problem+json with `type`, `title`, `status` = the HTTP status, `detail`,
 * `instance`, `code`, `request_id`, nothing that looks like a stack trace or
 * SQL); no body leaks internals; afterwards `GET /ready` is still 200.
 *
 * The generator (schema→arbitrary mapper, mutations, fixture, checks, and the
 * list of what is kept away from the fixture and why) is `bench/fuzz.mjs`,
 * shared with the full run (`node bench/fuzz.mjs`, ≥ 10,000 cases against a
 * real `signet serve`). A failure names the seed: the cases run in sequence
 * against one server, so replay the whole run with
 * `FUZZ_SEED=<seed> npx vitest run packages/server/test/fuzz.test.ts`
 * (`FUZZ_RUNS` changes the number of cases; `FUZZ_KEEP_GOING=1` runs them all
 * and lists every failure instead of stopping at the first).
 */
import { expect, layer } from "@effect/vitest"
import { expectProblem, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import fc from "fast-check"

const SEED = Number(process.env.FUZZ_SEED ?? 20261121)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)
/** `FUZZ_KEEP_GOING=1`: run every case and list every failure instead of stopping at the first. */
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === "1"

/** A generated request (see bench/fuzz.mjs). */
interface FuzzCase {
  readonly key: string
  readonly method: string
  readonly path: string
  readonly mutation: string
  readonly auth: string
}

/** What came back: a response, or `error` when there was none. */
interface FuzzResponse {
  readonly status?: number
  readonly contentType?: string
  readonly text?: string
  readonly error?: string
}

/** The part of bench/fuzz.mjs this test uses. */
interface Fuzz {
  readonly setup: (base: string, operatorToken: string) => Promise<object>
  readonly casesArb: (spec: unknown, ctx: object) => fc.Arbitrary<FuzzCase>
  readonly knownCases: (ctx: object) => Array<FuzzCase>
  readonly send: (base: string, ctx: object, c: FuzzCase) => Promise<FuzzResponse>
  readonly violations: (c: FuzzCase, res: FuzzResponse) => Array<string>
  readonly describe: (c: FuzzCase, res: FuzzResponse) => string
  readonly ready: (base: string) => Promise<number>
}

// A plain-JS module outside this package: imported by URL, typed by the interface above.
const fuzzModule: string = new URL("../../../bench/fuzz.mjs", import.meta.url).href

/** `expectProblem`'s contract, on a fuzz response. */
const problemErrors = (c: FuzzCase, res: FuzzResponse): Array<string> => {
  if (res.status === undefined || res.status < 400 || res.status >= 500 || c.method === "HEAD") return []
  const text = res.text ?? ""
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  try {
    expectProblem(
      { status: res.status, headers: new Headers({ "content-type": res.contentType ?? "" }), body, text },
      res.status
    )
    return []
  } catch (e) {
    return [`expectProblem: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`]
  }
}

layer(testServer("sqlite"), { timeout: 120_000, excludeTestServices: true })("API fuzzing from /openapi.json", (it) => {
  it.effect(
    `${RUNS} generated requests (seed ${SEED}): no 5xx, every 4xx a problem, no leaks, /ready afterwards`,
    () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const outcome = yield* Effect.promise(async () => {
          const fuzz = (await import(fuzzModule)) as Fuzz
          const spec: unknown = await (await fetch(`${server.url}/openapi.json`)).json()
          const ctx = await fuzz.setup(server.url, server.token)
          let cases = 0
          const failures: Array<string> = []
          const t0 = performance.now()
          const details = await fc.check(
            fc.asyncProperty(fuzz.casesArb(spec, ctx), async (c) => {
              cases++
              const res = await fuzz.send(server.url, ctx, c)
              const problems = [...fuzz.violations(c, res), ...problemErrors(c, res)]
              if (problems.length === 0) return
              const failure = `case ${cases}: ${[...new Set(problems)].join("; ")}\n${fuzz.describe(c, res)}`
              if (!KEEP_GOING) throw new Error(failure)
              failures.push(failure)
            }),
            { seed: SEED, numRuns: RUNS, endOnFailure: true, examples: fuzz.knownCases(ctx).map((c) => [c]) }
          )
          const seconds = (performance.now() - t0) / 1000
          return { details, cases, failures, seconds, ready: await fuzz.ready(server.url) }
        })
        const { details, cases, failures, seconds, ready } = outcome
        console.log(`API fuzzing: ${cases} cases in ${seconds.toFixed(1)} s, seed ${SEED}, GET /ready ${ready}`)
        if (failures.length > 0)
          throw new Error(
            `API fuzzing: ${failures.length} of ${cases} cases failed (seed ${SEED}; ` +
              `replay: FUZZ_SEED=${SEED} FUZZ_KEEP_GOING=1 npx vitest run packages/server/test/fuzz.test.ts); ` +
              `GET /ready afterwards: ${ready}\n\n${failures.join("\n\n")}`
          )
        if (details.failed) {
          const error = details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance
          throw new Error(
            `API fuzzing failed (seed ${SEED}, fast-check path "${details.counterexamplePath}"; ` +
              `replay: FUZZ_SEED=${SEED} npx vitest run packages/server/test/fuzz.test.ts); ` +
              `GET /ready afterwards: ${ready}\n${String(error)}`
          )
        }
        expect(details.numRuns).toBe(RUNS)
        expect(ready).toBe(200)
      }),
    // A thousand requests: generous, so a loaded machine cannot fail it (issue 15 §6).
    300_000
  )
})
