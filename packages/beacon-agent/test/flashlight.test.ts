/**
 * The flashlight channel (docs/flashlight.md): encoder ≡ an encoder written
 * from the spec alone, round trips under ±20 % per-pulse jitter, noise and
 * bias, typed errors, the pulse text format, and fast-check properties that
 * corrupted light is never decoded into different bytes.
 */
import * as Fs from "node:fs"
import * as Zlib from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  DEFAULT_BIT_MS,
  decode,
  decodeText,
  encode,
  encodeText,
  FlashlightDecodeError,
  formatPulses,
  MAX_PAYLOAD_BYTES,
  type Pulse,
  parsePulses
} from "../src/Flashlight.js"

const bytes = (s: string) => new TextEncoder().encode(s)

/** A small deterministic PRNG, so fast-check counterexamples replay exactly. */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every pulse independently stretched or shrunk by up to ±`amount` (0.2 = ±20 %). */
const jitter = (pulses: ReadonlyArray<Pulse>, seed: number, amount = 0.2): Array<Pulse> => {
  const rnd = prng(seed)
  return pulses.map((p) => ({ on: p.on, ms: p.ms * (1 - amount + 2 * amount * rnd()) }))
}

const payloadOf = (result: Either.Either<Uint8Array, FlashlightDecodeError>) => {
  if (Either.isLeft(result)) throw new Error(`expected a payload, got ${result.left.reason}: ${result.left.message}`)
  return result.right
}

const errorOf = (result: Either.Either<unknown, FlashlightDecodeError>) => {
  if (Either.isRight(result)) throw new Error("expected a FlashlightDecodeError, got a value")
  expect(result.left).toBeInstanceOf(FlashlightDecodeError)
  expect(result.left._tag).toBe("FlashlightDecodeError")
  return result.left
}

// --- an encoder written from docs/flashlight.md alone (§3, §4) ---------------

const manchester = (body: ReadonlyArray<number>) =>
  body.map((byte) => [...byte.toString(2).padStart(8, "0")].map((bit) => (bit === "0" ? "10" : "01")).join("")).join("")

const specBody = (payload: Uint8Array, opts: { version?: number; length?: number; crcXor?: number } = {}) => {
  const length = opts.length ?? payload.length
  const head = [opts.version ?? 0x10, length >> 8, length & 0xff, ...payload]
  const crc = (Zlib.crc32(Uint8Array.from(head)) ^ (opts.crcXor ?? 0)) >>> 0
  return [...head, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]
}

const specChips = (body: ReadonlyArray<number>) =>
  "10".repeat(24) + "11110000" + "10" + manchester(body) + "0".repeat(8)

const chipsToPulses = (chips: string, bitMs = DEFAULT_BIT_MS): Array<Pulse> =>
  (chips.match(/1+|0+/g) ?? []).map((run) => ({ on: run[0] === "1", ms: (run.length * bitMs) / 2 }))

/** Fake a few short random flashes and then some idle before a frame. */
const noise = (seed: number, count: number): Array<Pulse> => {
  const rnd = prng(seed)
  const out: Array<Pulse> = []
  for (let i = 0; i < count; i++) out.push({ on: i % 2 === 0, ms: 1 + rnd() * 30 })
  out.push({ on: count % 2 === 0, ms: 100 + rnd() * 200 })
  return out
}

const concat = (...parts: ReadonlyArray<ReadonlyArray<Pulse>>): Array<Pulse> => {
  const out: Array<Pulse> = []
  for (const part of parts) {
    for (const p of part) {
      const last = out[out.length - 1]
      if (last !== undefined && last.on === p.on) out[out.length - 1] = { on: p.on, ms: last.ms + p.ms }
      else out.push(p)
    }
  }
  return out
}

const JWT =
  "eyJhbGciOiJFZERTQSIsImtpZCI6ImJlYWNvbi0yMDI1LTA5IiwidHlwIjoiSldUIn0." +
  "eyJzdWIiOiI0ZjYxYzBlMi03YjFhLTRkM2YtOWMyZS0xYTJiM2M0ZDVlNmYiLCJ0ZW4iOiJsaW5jb2xuLWhpZ2giLCJjcnMiOiJj" +
  "b3Vyc2UtMTIzIiwiY2xzIjoicm9vbS0yMTQiLCJub25jZSI6IjdHczlLcVdwIiwiaWF0IjoxNzU3MDAwMDAwLCJleHAiOjE3NTcw" +
  "MDAwOTAsImF1ZCI6InNpZ25ldDpiZWFjb24ifQ." +
  "kq3v9tVb0m6Q0Nq5mB8cYcJ0tB6x3y2k1u-3YxgHn5QeQ8d6m2Vt0hB7bC9u2sX1dZ4fP0aL3eR5wT8yU7iO6g"

describe("flashlight encoder ≡ docs/flashlight.md", () => {
  it("matches an encoder written from the spec, for several payloads and bit periods", () => {
    for (const payload of [new Uint8Array(0), bytes("A"), bytes(JWT), Uint8Array.from({ length: 256 }, (_, i) => i)]) {
      for (const bitMs of [2, 20, 25, 33.3, 1000]) {
        expect(encode(payload, { bitMs })).toEqual(chipsToPulses(specChips(specBody(payload)), bitMs))
      }
    }
  })

  it("produces alternating runs starting with light on and ending with ≥ 8 idle chips", () => {
    const pulses = encode(bytes(JWT))
    expect(pulses[0]!.on).toBe(true)
    pulses.forEach((p, i) => {
      if (i > 0) expect(p.on).toBe(!pulses[i - 1]!.on)
      expect(Number.isInteger(p.ms / (DEFAULT_BIT_MS / 2))).toBe(true)
    })
    const last = pulses[pulses.length - 1]!
    expect(last.on).toBe(false)
    expect(last.ms).toBeGreaterThanOrEqual(8 * (DEFAULT_BIT_MS / 2))
  })

  it('the worked example of the doc (payload "A") is exactly what encodeText produces', () => {
    const doc = Fs.readFileSync(new URL("../../../docs/flashlight.md", import.meta.url), "utf8")
    const block = /<!-- flashlight-example-pulses[^>]*-->\s*```text\n([\s\S]*?)```/.exec(doc)
    expect(block).not.toBeNull()
    expect(encodeText(bytes("A"))).toBe(block![1])
    expect(doc).toContain(
      Zlib.crc32(Uint8Array.from([0x10, 0, 1, 0x41]))
        .toString(16)
        .toUpperCase()
    )
  })

  it("refuses payloads over the maximum and bit periods out of range", () => {
    expect(() => encode(new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toThrow(RangeError)
    for (const bitMs of [0, 1, 1001, Number.NaN, Number.POSITIVE_INFINITY, -20]) {
      expect(() => encode(bytes("x"), { bitMs })).toThrow(RangeError)
    }
  })
})

describe("flashlight decoder: examples", () => {
  it("empty payload, maximum payload and a real-looking JWT, clean and jittered", () => {
    const max = Uint8Array.from({ length: MAX_PAYLOAD_BYTES }, (_, i) => (i * 131 + 7) & 0xff)
    for (const payload of [new Uint8Array(0), max, bytes(JWT)]) {
      expect(payloadOf(decode(encode(payload)))).toEqual(payload)
      expect(payloadOf(decode(jitter(encode(payload), payload.length + 1)))).toEqual(payload)
    }
    expect(new TextDecoder().decode(payloadOf(decode(jitter(encode(bytes(JWT)), 42))))).toBe(JWT)
  })

  it("any bit period, found by calibration alone", () => {
    for (const bitMs of [2, 7.5, 20, 64, 166.7, 1000]) {
      expect(payloadOf(decode(jitter(encode(bytes(JWT), { bitMs }), bitMs * 10)))).toEqual(bytes(JWT))
    }
  })

  it("noise before the preamble, an interrupted frame before a whole one, noise after the frame", () => {
    const frame = encode(bytes(JWT))
    expect(payloadOf(decode(concat(noise(1, 7), jitter(frame, 2))))).toEqual(bytes(JWT))
    // the noise runs straight into the first training flash
    expect(payloadOf(decode(concat(noise(3, 6).slice(0, 6), jitter(frame, 4))))).toEqual(bytes(JWT))
    // the recording starts in the middle of one frame and holds the next one whole
    expect(payloadOf(decode(concat(frame.slice(300), jitter(frame, 5))))).toEqual(bytes(JWT))
    // the recording starts inside the training: 20 of 48 training runs are enough
    expect(payloadOf(decode(jitter(frame.slice(28), 6)))).toEqual(bytes(JWT))
    // something flashes right after the frame
    expect(payloadOf(decode(concat(jitter(frame, 7), noise(8, 9))))).toEqual(bytes(JWT))
  })

  it("a constant on/off bias (slow LED, sensor threshold) is calibrated away", () => {
    for (const bias of [-3.5, -2, 2, 3.5]) {
      const biased = encode(bytes(JWT)).map((p) => ({ on: p.on, ms: p.on ? p.ms + bias : p.ms - bias }))
      expect(payloadOf(decode(jitter(biased, 9, 0.1)))).toEqual(bytes(JWT))
    }
  })

  it("a repeated transmission: a corrupted first frame is skipped for the next good one", () => {
    const good = encode(bytes(JWT))
    const bad = chipsToPulses(specChips(specBody(bytes(JWT), { crcXor: 1 })))
    expect(payloadOf(decode(concat(jitter(bad, 1), jitter(good, 2))))).toEqual(bytes(JWT))
    expect(errorOf(decode(concat(bad, bad))).reason).toBe("BadCrc")
  })

  it("zero-length runs are dropped and same-state neighbours merged", () => {
    const split = encode(bytes("hi")).flatMap((p) => [
      { on: p.on, ms: p.ms / 2 },
      { on: !p.on, ms: 0 },
      { on: p.on, ms: p.ms / 2 }
    ])
    expect(payloadOf(decode(split))).toEqual(bytes("hi"))
  })
})

describe("flashlight decoder: errors", () => {
  it("NoPreamble: nothing, idle, noise, training without sync", () => {
    expect(errorOf(decode([])).reason).toBe("NoPreamble")
    expect(errorOf(decode([{ on: false, ms: 5000 }])).reason).toBe("NoPreamble")
    expect(errorOf(decode(noise(11, 500))).reason).toBe("NoPreamble")
    const e = errorOf(decode(encode(bytes("A")).slice(0, 48)))
    expect(e.reason).toBe("NoPreamble")
    expect(e.message).toMatch(/no preamble/)
  })

  it("BadTiming: durations that are not finite numbers ≥ 0, a glitch inside the frame", () => {
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = errorOf(
        decode([
          { on: true, ms: 10 },
          { on: false, ms }
        ])
      )
      expect(e.reason).toBe("BadTiming")
      expect(e.message).toMatch(/pulse 2/)
    }
    const pulses = [...encode(bytes("A"))]
    pulses.splice(80, 1, { on: pulses[80]!.on, ms: 5 }, { on: !pulses[80]!.on, ms: 1 }, { on: pulses[80]!.on, ms: 5 })
    expect(errorOf(decode(pulses)).reason).toBe("BadTiming")
  })

  it("BadManchester: two equal halves in a bit", () => {
    const chips = specChips(specBody(bytes("A")))
    // "A" = 01000001: bit 6 ("10") sits between a "10" and a "01"; as "11" every run stays 1 or 2 chips long
    const at = 58 + 16 * 3 + 2 * 6
    expect(chips.slice(at - 2, at + 4)).toBe("101001")
    const broken = chips.slice(0, at) + "11" + chips.slice(at + 2)
    expect(errorOf(decode(chipsToPulses(broken))).reason).toBe("BadManchester")
  })

  it("Truncated: the recording or the light stops before the last bit", () => {
    const pulses = encode(bytes(JWT))
    const cut = errorOf(decode(pulses.slice(0, 400)))
    expect(cut.reason).toBe("Truncated")
    expect(cut.message).toMatch(/pulses end/)
    const gap = [...pulses.slice(0, 401), { on: false, ms: 500 }, ...pulses.slice(402)]
    expect(errorOf(decode(gap)).reason).toBe("Truncated")
  })

  it("UnsupportedVersion, TooLong and BadCrc from frames built after the spec", () => {
    const p = bytes("token")
    expect(errorOf(decode(chipsToPulses(specChips(specBody(p, { version: 0x20 }))))).reason).toBe("UnsupportedVersion")
    expect(errorOf(decode(chipsToPulses(specChips(specBody(p, { version: 0x11 }))))).reason).toBe("UnsupportedVersion")
    const tooLong = errorOf(decode(chipsToPulses(specChips(specBody(p, { length: MAX_PAYLOAD_BYTES + 1 })))))
    expect(tooLong.reason).toBe("TooLong")
    expect(tooLong.message).toContain(String(MAX_PAYLOAD_BYTES + 1))
    const crc = errorOf(decode(chipsToPulses(specChips(specBody(p, { crcXor: 0x80000000 })))))
    expect(crc.reason).toBe("BadCrc")
    expect(crc.message).toMatch(/CRC-32 mismatch/)
  })
})

describe("pulse text format", () => {
  it("encodeText → decodeText round trip, and parsePulses ∘ formatPulses is the identity", () => {
    expect(decodeText(encodeText(bytes(JWT)))).toEqual(Either.right(bytes(JWT)))
    expect(decodeText(encodeText(bytes(JWT), { bitMs: 25 }))).toEqual(Either.right(bytes(JWT)))
    const jittered = jitter(encode(bytes("hello")), 3).map((p) => ({ on: p.on, ms: Math.round(p.ms * 1000) / 1000 }))
    expect(parsePulses(formatPulses(jittered))).toEqual(Either.right(jittered))
    expect(decodeText(formatPulses(jittered))).toEqual(Either.right(bytes("hello")))
  })

  it("accepts commas and/or whitespace, blank lines and # comments", () => {
    const text = "# recorded 2025-09-01\n+10, -20\n\n  +12.5\t-7 # tail\r\n+3,-4,\n"
    expect(parsePulses(text)).toEqual(
      Either.right([
        { on: true, ms: 10 },
        { on: false, ms: 20 },
        { on: true, ms: 12.5 },
        { on: false, ms: 7 },
        { on: true, ms: 3 },
        { on: false, ms: 4 }
      ])
    )
    expect(parsePulses("")).toEqual(Either.right([]))
    expect(errorOf(decodeText("# nothing recorded\n")).reason).toBe("NoPreamble")
  })

  it("refuses malformed text with the line, column and token", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["on 20", /line 1, column 1: expected "\+<ms>".*got "on"/],
      ["+10,-10\n+5, off", /line 2, column 5: .*got "off"/],
      ["+10,+10", /line 1, column 5: "\+10" follows another light-on run; runs must alternate/],
      ["+10 -10 -3", /line 1, column 9: "-3" follows another light-off run/],
      ["+0", /line 1, column 1: duration "\+0" must be a positive number of ms/],
      ["+1e3", /got "\+1e3"/],
      ["+-5", /got "\+-5"/],
      ["+10ms", /got "\+10ms"/],
      ["+.5", /got "\+\.5"/],
      ["10", /got "10"/]
    ]
    for (const [text, message] of cases) {
      const e = errorOf(decodeText(text))
      expect(e.reason).toBe("BadText")
      expect(e.message).toMatch(message)
      expect(errorOf(parsePulses(text)).reason).toBe("BadText")
    }
  })

  it("formatPulses refuses what the text cannot represent", () => {
    expect(() => formatPulses([{ on: true, ms: 0 }])).toThrow(RangeError)
    expect(() => formatPulses([{ on: true, ms: Number.NaN }])).toThrow(RangeError)
    expect(() =>
      formatPulses([
        { on: true, ms: 1 },
        { on: true, ms: 1 }
      ])
    ).toThrow(RangeError)
    expect(formatPulses([])).toBe("")
  })
})

// --- properties ---------------------------------------------------------------

const payloadArb = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max })
const seedArb = fc.integer({ min: 0, max: 0x7fffffff })
const bitMsArb = fc.oneof(fc.constant(DEFAULT_BIT_MS), fc.integer({ min: 2, max: 200 }))

type Corruption =
  | { readonly kind: "flip" | "merge" | "drop" | "swap"; readonly at: number }
  | { readonly kind: "split"; readonly at: number; readonly where: number; readonly glitch: number }
  | { readonly kind: "scale"; readonly at: number; readonly factor: number }
  | { readonly kind: "truncate"; readonly at: number }

const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("flip" as const, "merge" as const, "drop" as const, "swap" as const),
    at: fc.nat()
  }),
  fc.record({
    kind: fc.constant("split" as const),
    at: fc.nat(),
    where: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    glitch: fc.double({ min: 0.05, max: 3, noNaN: true })
  }),
  fc.record({
    kind: fc.constant("scale" as const),
    at: fc.nat(),
    factor: fc.oneof(fc.double({ min: 0, max: 0.4, noNaN: true }), fc.double({ min: 1.6, max: 6, noNaN: true }))
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() })
)

const corrupt = (pulses: Array<Pulse>, c: Corruption): Array<Pulse> => {
  if (pulses.length < 2) return pulses
  const i = c.at % (pulses.length - 1)
  const p = pulses[i]!
  const out = [...pulses]
  switch (c.kind) {
    case "flip":
      out[i] = { on: !p.on, ms: p.ms }
      break
    case "merge":
      out.splice(i, 2, { on: p.on, ms: p.ms + pulses[i + 1]!.ms })
      break
    case "drop":
      out.splice(i, 1)
      break
    case "swap": // the durations of two neighbours trade places: bits change, the structure often survives
      out.splice(i, 2, { on: p.on, ms: pulses[i + 1]!.ms }, { on: !p.on, ms: p.ms })
      break
    case "split":
      out.splice(
        i,
        1,
        { on: p.on, ms: p.ms * c.where },
        { on: !p.on, ms: p.ms * c.glitch },
        { on: p.on, ms: p.ms * (1 - c.where) }
      )
      break
    case "scale":
      out[i] = { on: p.on, ms: p.ms * c.factor }
      break
    case "truncate":
      out.length = i
      break
  }
  return out
}

describe("flashlight properties (fast-check)", () => {
  it("decode(encode(p) with ±20 % independent jitter on every pulse) = p", () => {
    fc.assert(
      fc.property(payloadArb(600), bitMsArb, seedArb, (payload, bitMs, seed) => {
        expect(payloadOf(decode(jitter(encode(payload, { bitMs }), seed)))).toEqual(payload)
      }),
      { numRuns: 400 }
    )
  })

  it("corrupted light never decodes to bytes other than the original", () => {
    let refused = 0
    let runs = 0
    fc.assert(
      fc.property(
        payloadArb(600),
        seedArb,
        fc.array(corruptionArb, { minLength: 1, maxLength: 3 }),
        (payload, seed, corruptions) => {
          runs++
          const pulses = corruptions.reduce(corrupt, jitter(encode(payload), seed))
          const result = decode(pulses)
          if (Either.isLeft(result)) {
            refused++
            expect(result.left).toBeInstanceOf(FlashlightDecodeError)
          } else {
            expect(result.right).toEqual(payload)
          }
        }
      ),
      { numRuns: 600 }
    )
    // the corruptions do bite: most land in the frame and are refused
    expect(refused).toBeGreaterThan(runs / 2)
  })

  it("any error burst of up to 32 bits in the payload or CRC is refused as BadCrc", () => {
    fc.assert(
      fc.property(
        payloadArb(600),
        fc.nat(),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 32 }),
        (payload, start, pattern, span) => {
          const body = specBody(payload)
          const dataBits = 8 * (payload.length + 4)
          const first = 24 + (start % Math.max(1, dataBits - span + 1))
          // flip bits first … first + span − 1 where the pattern (within the span) has a 1; always flip `first`
          const flips = new Set<number>([first])
          for (let k = 0; k < span; k++) if ((pattern >>> k) & 1) flips.add(first + k)
          for (const bit of flips) body[bit >> 3] = body[bit >> 3]! ^ (0x80 >> (bit & 7))
          const result = decode(jitter(chipsToPulses(specChips(body)), start))
          expect(errorOf(result).reason).toBe("BadCrc")
        }
      ),
      { numRuns: 400 }
    )
  })
})
