/**
 * Issue 18: `signet doctor` checks the SMS transport — `log` is a warning
 * (development only: it prints every code), a transport it does not know
 * or a bad timeout fails, `http` (the default) is fine.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { smsCheck } from "../src/commands/ops.js"

const checkWith = (env: Record<string, string>) =>
  smsCheck.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("signet doctor: SMS transport", () => {
  it.effect("http (the default) is ok and names the timeout", () =>
    Effect.gen(function* () {
      const check = yield* checkWith({})
      expect(check).toMatchObject({ check: "sms", status: "ok" })
      expect(check.detail).toContain("10000 ms")
    })
  )

  it.effect("log warns that it is development only", () =>
    Effect.gen(function* () {
      const check = yield* checkWith({ SIGNET_SMS_TRANSPORT: "log" })
      expect(check).toMatchObject({ check: "sms", status: "warn" })
      expect(check.detail).toContain("development only")
    })
  )

  it.effect("an unknown transport fails", () =>
    Effect.gen(function* () {
      expect(yield* checkWith({ SIGNET_SMS_TRANSPORT: "carrier-pigeon" })).toMatchObject({ status: "fail" })
    })
  )

  it.effect("a timeout that is not a positive whole number fails", () =>
    Effect.gen(function* () {
      expect(yield* checkWith({ SIGNET_SMS_TIMEOUT_MS: "soon" })).toMatchObject({ status: "fail" })
      expect(yield* checkWith({ SIGNET_SMS_TIMEOUT_MS: "0" })).toMatchObject({ status: "fail" })
    })
  )
})
