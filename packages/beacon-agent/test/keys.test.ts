/**
 * Beacon agent keys (`src/Keys.ts`, @noble/curves): the noble verifier against the same
 * Wycheproof vectors as the server (ECDSA P-256/SHA-256 DER 484, P1363 262, Ed25519 151),
 * noble signatures cross-checked with node:crypto (the server's verifier), RFC 6979 / RFC 8032
 * known answers, determinism, the key file, and fast-check properties.
 *
 * Real data: ../shared/data/vectors (C2SP/wycheproof @dac1dd4, Apache-2.0), read in place;
 * the Wycheproof part is skipped with a visible message where the folder is absent.
 *
 * Wycheproof policy (as in packages/core/test/beacon-vectors.test.ts): "valid" must verify,
 * "invalid" must not; "acceptable" cases with an encoding-leniency flag must be rejected and
 * any other acceptable case is recorded only. The pinned files hold no acceptable case, and the
 * tallies assert it, together with the exact case counts.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type BeaconAlg,
  type BeaconPublicJwk,
  decodeKeyFile,
  encodeKeyFile,
  generateKeyPair,
  publicJwkOf,
  sign,
  verify
} from "../src/Keys.js"

const VECTORS = Path.resolve(__dirname, "../../../../shared/data/vectors")
const hasVectors = Fs.existsSync(VECTORS)
if (!hasVectors) console.warn(`keys.test: ${VECTORS} is absent; Wycheproof vector tests skipped`)

interface WycheproofFile {
  readonly numberOfTests: number
  readonly testGroups: ReadonlyArray<{
    readonly publicKey: { readonly uncompressed?: string; readonly pk?: string }
    readonly tests: ReadonlyArray<{
      readonly tcId: number
      readonly comment: string
      readonly flags: ReadonlyArray<string>
      readonly msg: string
      readonly sig: string
      readonly result: "valid" | "invalid" | "acceptable"
    }>
  }>
}

const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"))
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url")
const utf8 = (s: string) => new TextEncoder().encode(s)

/** Flags whose "acceptable" cases must be rejected (encoding leniencies). */
const REJECT_IF_ACCEPTABLE = new Set([
  "BerEncodedSignature",
  "MissingZero",
  "InvalidEncoding",
  "SignatureSize",
  "SignatureMalleability",
  "CompressedSignature"
])

/** JWK of a Wycheproof group, from the SEC 1 point or the raw Ed25519 key (present in all three files). */
const jwkOf = (
  alg: BeaconAlg,
  publicKey: { readonly uncompressed?: string; readonly pk?: string }
): BeaconPublicJwk => {
  if (alg === "ES256") {
    const p = hex(publicKey.uncompressed!)
    return { kty: "EC", crv: "P-256", x: b64u(p.subarray(1, 33)), y: b64u(p.subarray(33, 65)) }
  }
  return { kty: "OKP", crv: "Ed25519", x: b64u(hex(publicKey.pk!)) }
}

const runFile = (name: string, alg: BeaconAlg, encoding: "p1363" | "der") => {
  const file = JSON.parse(Fs.readFileSync(Path.join(VECTORS, name), "utf8")) as WycheproofFile
  const tally = { cases: 0, groups: 0, valid: 0, invalid: 0, acceptable: 0 }
  const disagreements: Array<string> = []
  const acceptableAccepted: Array<number> = []
  for (const group of file.testGroups) {
    tally.groups++
    const jwk = jwkOf(alg, group.publicKey)
    for (const t of group.tests) {
      tally.cases++
      tally[t.result]++
      const ok = verify(alg, jwk, hex(t.msg), hex(t.sig), encoding)
      const label = `tcId ${t.tcId} (${t.result}, ${t.flags.join("+")}, ${t.comment}) → ${ok}`
      if ((t.result === "valid" && !ok) || (t.result === "invalid" && ok)) disagreements.push(label)
      if (t.result === "acceptable" && ok) {
        acceptableAccepted.push(t.tcId)
        if (t.flags.some((f) => REJECT_IF_ACCEPTABLE.has(f))) disagreements.push(label)
      }
    }
  }
  expect(tally.cases, `${name}: numberOfTests`).toBe(file.numberOfTests)
  return { tally, disagreements, acceptableAccepted }
}

describe.skipIf(!hasVectors)("Wycheproof vectors, noble verifier", () => {
  it("ECDSA P-256/SHA-256, DER signatures: 484/484 agree", () => {
    const r = runFile("ecdsa_secp256r1_sha256_test.json", "ES256", "der")
    expect(r.disagreements).toEqual([])
    expect(r.tally).toEqual({ cases: 484, groups: 113, valid: 174, invalid: 310, acceptable: 0 })
  })

  it("ECDSA P-256/SHA-256, P1363 signatures: 262/262 agree", () => {
    const r = runFile("ecdsa_secp256r1_sha256_p1363_test.json", "ES256", "p1363")
    expect(r.disagreements).toEqual([])
    expect(r.tally).toEqual({ cases: 262, groups: 112, valid: 173, invalid: 89, acceptable: 0 })
  })

  it("Ed25519: 151/151 agree", () => {
    const r = runFile("ed25519_test.json", "EdDSA", "p1363")
    expect(r.disagreements).toEqual([])
    expect(r.tally).toEqual({ cases: 151, groups: 78, valid: 88, invalid: 63, acceptable: 0 })
  })
})

/** node:crypto public key from a JWK — what the server does (core's importBeaconKey). */
const nodeKey = (jwk: BeaconPublicJwk) => Crypto.createPublicKey({ key: { ...jwk }, format: "jwk" })
const nodeVerify = (alg: BeaconAlg, jwk: BeaconPublicJwk, msg: Uint8Array, sig: Uint8Array) =>
  alg === "ES256"
    ? Crypto.verify("sha256", msg, { key: nodeKey(jwk), dsaEncoding: "ieee-p1363" }, sig)
    : Crypto.verify(null, msg, nodeKey(jwk), sig)

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`)

describe("known answers", () => {
  it("ES256: RFC 6979 A.2.5 (P-256, SHA-256, message 'sample'), low-S normalised", () => {
    const d = hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
    const jwk = publicJwkOf("ES256", d)
    expect(jwk).toEqual({
      kty: "EC",
      crv: "P-256",
      x: b64u(hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")),
      y: b64u(hex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"))
    })
    const sig = sign("ES256", d, utf8("sample"))
    expect(sig).toHaveLength(64)
    const r = Buffer.from(sig.subarray(0, 32)).toString("hex")
    const s = toBig(sig.subarray(32))
    expect(r).toBe("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716")
    // RFC 6979 gives s = F7CB…CDA8 > n/2; the low-S form is n − s.
    expect(s).toBe(P256_N - 0xf7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8n)
    expect(s <= P256_N / 2n).toBe(true)
    expect(nodeVerify("ES256", jwk, utf8("sample"), sig)).toBe(true)
  })

  it("EdDSA: RFC 8032 §7.1 test 1 (empty message)", () => {
    const seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    const jwk = publicJwkOf("EdDSA", seed)
    expect(jwk).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: b64u(hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
    })
    const sig = sign("EdDSA", seed, new Uint8Array(0))
    expect(Buffer.from(sig).toString("hex")).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    expect(nodeVerify("EdDSA", jwk, new Uint8Array(0), sig)).toBe(true)
  })
})

describe.each(["ES256", "EdDSA"] as const)("%s keys", (alg) => {
  it("generateKeyPair gives a 32-byte private key and a JWK node:crypto imports as the same key", () => {
    const pair = generateKeyPair(alg)
    expect(pair.alg).toBe(alg)
    expect(pair.privateKey).toHaveLength(32)
    expect(pair.publicJwk).toEqual(publicJwkOf(alg, pair.privateKey))
    const key = nodeKey(pair.publicJwk)
    expect(key.asymmetricKeyType).toBe(alg === "ES256" ? "ec" : "ed25519")
    expect(generateKeyPair(alg).privateKey).not.toEqual(pair.privateKey)
  })

  it("noble signatures verify with node:crypto (the server) and with noble; tampering fails", () => {
    const pair = generateKeyPair(alg)
    const msg = utf8(JSON.stringify({ b: "beacon-7", c: "room-12", n: "q1w2e3r4", t: 1795000000 }))
    const sig = sign(alg, pair.privateKey, msg)
    expect(sig).toHaveLength(64)
    expect(nodeVerify(alg, pair.publicJwk, msg, sig)).toBe(true)
    expect(verify(alg, pair.publicJwk, msg, sig)).toBe(true)
    expect(verify(alg, generateKeyPair(alg).publicJwk, msg, sig)).toBe(false)
    expect(verify(alg, pair.publicJwk, utf8("other"), sig)).toBe(false)
    expect(nodeVerify(alg, pair.publicJwk, utf8("other"), sig)).toBe(false)
  })

  it("signatures are deterministic (RFC 6979 for ES256, RFC 8032 for EdDSA)", () => {
    const pair = generateKeyPair(alg)
    const msg = utf8("same message")
    const a = sign(alg, pair.privateKey, msg)
    expect(sign(alg, pair.privateKey, msg)).toEqual(a)
    expect(sign(alg, pair.privateKey, utf8("same message."))).not.toEqual(a)
  })

  it("verify never throws on malformed input", () => {
    const pair = generateKeyPair(alg)
    const msg = utf8("m")
    for (const sig of [new Uint8Array(0), new Uint8Array(63), new Uint8Array(64), new Uint8Array(65)]) {
      expect(verify(alg, pair.publicJwk, msg, sig)).toBe(false)
      expect(verify(alg, pair.publicJwk, msg, sig, "der")).toBe(false)
    }
    const good = sign(alg, pair.privateKey, msg)
    const broken = { ...pair.publicJwk, x: "not base64url!" } as BeaconPublicJwk
    expect(verify(alg, broken, msg, good)).toBe(false)
    const other: BeaconAlg = alg === "ES256" ? "EdDSA" : "ES256"
    expect(verify(other, pair.publicJwk, msg, good)).toBe(false)
  })

  it("key file round trip, and corrupt files are refused", () => {
    const pair = generateKeyPair(alg)
    const text = encodeKeyFile(pair)
    expect(text.endsWith("\n")).toBe(true)
    const json = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(json)).toEqual(["alg", "private_key", "public_jwk"])
    expect(json.private_key).toBe(b64u(pair.privateKey))
    const back = Either.getOrThrow(decodeKeyFile(text))
    expect(back).toEqual({ alg, privateKey: pair.privateKey, publicJwk: pair.publicJwk })
    const err = (t: string) => Either.match(decodeKeyFile(t), { onLeft: (e) => e, onRight: () => "accepted" })
    expect(err("{")).toMatch(/not valid JSON/)
    expect(err("[]")).toMatch(/JSON object/)
    expect(err(JSON.stringify({ ...json, alg: "RS256" }))).toMatch(/'alg'/)
    expect(err(JSON.stringify({ ...json, private_key: "AAAA" }))).toMatch(/'private_key'/)
    expect(err(JSON.stringify({ ...json, private_key: `${json.private_key}=` }))).toMatch(/'private_key'/)
    expect(err(JSON.stringify({ ...json, public_jwk: generateKeyPair(alg).publicJwk }))).toMatch(/does not match/)
    expect(err(JSON.stringify({ ...json, public_jwk: null }))).toMatch(/does not match/)
  })

  it("property: random messages sign and verify (noble and node:crypto); a flipped bit fails", () => {
    const pair = generateKeyPair(alg)
    const key = nodeKey(pair.publicJwk)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 512 }), fc.nat(), fc.boolean(), (msg, at, inSignature) => {
        const sig = sign(alg, pair.privateKey, msg)
        expect(verify(alg, pair.publicJwk, msg, sig)).toBe(true)
        const nodeOk =
          alg === "ES256"
            ? Crypto.verify("sha256", msg, { key, dsaEncoding: "ieee-p1363" }, sig)
            : Crypto.verify(null, msg, key, sig)
        expect(nodeOk).toBe(true)
        // Flip one bit of the signature, or of the message when there is one.
        if (inSignature || msg.length === 0) {
          const bad = sig.slice()
          const bit = at % (bad.length * 8)
          bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7))
          expect(verify(alg, pair.publicJwk, msg, bad)).toBe(false)
        } else {
          const bad = msg.slice()
          const bit = at % (bad.length * 8)
          bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7))
          expect(verify(alg, pair.publicJwk, bad, sig)).toBe(false)
        }
      }),
      { numRuns: 200 }
    )
  })
})

describe("key validation", () => {
  it("publicJwkOf and sign refuse invalid private keys", () => {
    expect(() => publicJwkOf("ES256", new Uint8Array(32))).toThrow(/invalid ES256 private key/)
    expect(() => publicJwkOf("ES256", new Uint8Array(32).fill(0xff))).toThrow(/invalid ES256 private key/)
    expect(() => publicJwkOf("EdDSA", new Uint8Array(31))).toThrow(/invalid EdDSA private key/)
    expect(() => sign("ES256", new Uint8Array(33), utf8("m"))).toThrow(/invalid ES256 private key/)
  })
})
