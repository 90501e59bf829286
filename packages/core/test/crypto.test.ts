import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Crypto } from "@signet/core"
import { Effect, Redacted } from "effect"

const ring = (current: string, previous: Array<string> = []) => Effect.runSync(Crypto.ringFromKeys(current, previous))

describe("Envelope encryption (AES-256-GCM, wrapped data keys)", () => {
  const k1 = Crypto.generateMasterKey()
  const k2 = Crypto.generateMasterKey()

  it.effect("round-trips and binds the ciphertext to its AAD", () =>
    Effect.gen(function* () {
      const env = Crypto.makeEnvelope(ring(k1.base64))
      const ct = yield* env.encrypt("totp-seed-value", "tenant:1:users:totp")
      expect(ct.startsWith(`sg1.${k1.id}.`)).toBe(true)
      expect(ct).not.toContain("totp-seed-value")
      expect(Redacted.value(yield* env.decryptString(ct, "tenant:1:users:totp"))).toBe("totp-seed-value")
      const wrongAad = yield* Effect.flip(env.decrypt(ct, "tenant:2:users:totp"))
      expect(wrongAad.reason).toBe("Tampered")
      const parts = ct.split(".")
      const body = Buffer.from(parts[3]!, "base64url")
      body[14] = body[14]! ^ 1
      const tampered = [parts[0], parts[1], parts[2], body.toString("base64url")].join(".")
      expect((yield* Effect.flip(env.decrypt(tampered, "tenant:1:users:totp"))).reason).toBe("Tampered")
      expect((yield* Effect.flip(env.decrypt("garbage", "x"))).reason).toBe("Malformed")
      const a = yield* env.encrypt("same", "aad")
      const b = yield* env.encrypt("same", "aad")
      expect(a).not.toBe(b) // fresh data key and IV each time
    })
  )

  it.effect("master key rotation: old ciphertexts decrypt with the previous key and re-wrap under the new one", () =>
    Effect.gen(function* () {
      const old = Crypto.makeEnvelope(ring(k1.base64))
      const ct = yield* old.encrypt("secret", "aad")
      const rotated = Crypto.makeEnvelope(ring(k2.base64, [k1.base64]))
      expect(rotated.currentKeyId).toBe(k2.id)
      const rewrapped = yield* rotated.rewrap(ct, "aad")
      expect(yield* rotated.keyIdOf(rewrapped)).toBe(k2.id)
      expect((yield* rotated.decrypt(rewrapped, "aad")).toString()).toBe("secret")
      const onlyNew = Crypto.makeEnvelope(ring(k2.base64))
      expect((yield* onlyNew.decrypt(rewrapped, "aad")).toString()).toBe("secret")
      expect((yield* Effect.flip(onlyNew.decrypt(ct, "aad"))).reason).toBe("UnknownKeyId")
    })
  )

  it.effect("key files: written 0600, refused when readable by others, validated", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-key-"))
      const file = Path.join(dir, "master.key")
      Crypto.writeKeyFile(file, { version: 1, current: k1.id, keys: { [k1.id]: k1.base64 } })
      expect(Fs.statSync(file).mode & 0o777).toBe(0o600)
      expect((yield* Crypto.readKeyFile(file)).current).toBe(k1.id)
      Fs.chmodSync(file, 0o644)
      expect((yield* Effect.flip(Crypto.readKeyFile(file))).reason).toBe("KeyFilePermissions")
      Fs.chmodSync(file, 0o600)
      Fs.writeFileSync(file, "{not json")
      expect((yield* Effect.flip(Crypto.readKeyFile(file))).reason).toBe("MasterKeyInvalid")
      expect((yield* Effect.flip(Crypto.readKeyFile(Path.join(dir, "missing")))).reason).toBe("MasterKeyMissing")
      expect((yield* Effect.flip(Crypto.ringFromKeys("c2hvcnQ="))).reason).toBe("MasterKeyInvalid")
      Fs.rmSync(dir, { recursive: true })
    })
  )
})
