/**
 * The flashlight channel's decoder (Signet's flashlight channel spec,
 * `docs/flashlight.md`): measured light pulses → the frame's payload, or a
 * typed {@link FlashlightDecodeError}. Finds the preamble, calibrates the
 * half-bit period and bias on the training runs, reads the Manchester bits
 * and checks the CRC-32.
 *
 * @module
 */
import * as Zlib from "node:zlib"
import { Either } from "effect"
import {
  CRC_BYTES,
  type FlashlightDecodeError,
  FRAME_VERSION_BYTE,
  fail,
  formatMs,
  GLITCH_BELOW,
  HEADER_BYTES,
  LONG_FROM,
  MAX_PAYLOAD_BYTES,
  MAX_TRAINING_RUNS,
  MIN_TRAINING_RUNS,
  type Pulse,
  SYNC_BELOW,
  TWO_FROM
} from "./Channel.js"

/** Drops zero-length runs and merges neighbours with the same state. */
const normalise = (pulses: ReadonlyArray<Pulse>): Either.Either<Array<Pulse>, FlashlightDecodeError> => {
  const runs: Array<Pulse> = []
  for (let i = 0; i < pulses.length; i++) {
    const p = pulses[i]!
    if (typeof p.ms !== "number" || !Number.isFinite(p.ms) || p.ms < 0) {
      return fail("BadTiming", `pulse ${i + 1} has duration ${String(p.ms)}: expected a finite number of ms ≥ 0`)
    }
    if (p.ms === 0) continue
    const last = runs[runs.length - 1]
    if (last !== undefined && last.on === p.on) runs[runs.length - 1] = { on: last.on, ms: last.ms + p.ms }
    else runs.push({ on: p.on === true, ms: p.ms })
  }
  return Either.right(runs)
}

/** Calibration measured on the training runs. */
interface Calibration {
  /** Half-bit duration in ms. */
  readonly halfMs: number
  /** Half the difference between mean light-on and mean light-off runs, in ms. */
  readonly bias: number
}

const halves = (run: Pulse, cal: Calibration) => (run.ms - (run.on ? cal.bias : -cal.bias)) / cal.halfMs

const calibrate = (runs: ReadonlyArray<Pulse>, from: number, to: number): Calibration => {
  let on = 0
  let off = 0
  for (let i = from; i < to; i++) {
    if (runs[i]!.on) on += runs[i]!.ms
    else off += runs[i]!.ms
  }
  const n = (to - from) / 2
  return { halfMs: (on + off) / (2 * n), bias: (on - off) / (2 * n) }
}

const isOneHalf = (h: number) => h >= GLITCH_BELOW && h < TWO_FROM
const isSync = (h: number) => h >= LONG_FROM && h < SYNC_BELOW

/**
 * If a sync pattern (light on then off, ~4 half-bits each) starts at run `i`
 * after at least {@link MIN_TRAINING_RUNS} one-half-bit training runs, the
 * calibration measured on those training runs.
 */
const preambleAt = (runs: ReadonlyArray<Pulse>, i: number): Calibration | undefined => {
  const on = runs[i]
  const off = runs[i + 1]
  if (on === undefined || off === undefined || !on.on || i < MIN_TRAINING_RUNS) return undefined
  let cal = calibrate(runs, i - MIN_TRAINING_RUNS, i)
  if (!(cal.halfMs > 0)) return undefined
  for (let j = i - MIN_TRAINING_RUNS; j < i; j++) if (!isOneHalf(halves(runs[j]!, cal))) return undefined
  let from = i - MIN_TRAINING_RUNS
  while (
    from >= 2 &&
    i - from < MAX_TRAINING_RUNS &&
    isOneHalf(halves(runs[from - 1]!, cal)) &&
    isOneHalf(halves(runs[from - 2]!, cal))
  ) {
    from -= 2
  }
  if (from < i - MIN_TRAINING_RUNS) cal = calibrate(runs, from, i)
  return isSync(halves(on, cal)) && isSync(halves(off, cal)) ? cal : undefined
}

/**
 * Reads the Manchester bits of one frame from the runs that follow its sync.
 * `limit` is the frame's length in chips once the header is known.
 */
class BitReader {
  private run: number
  private chipsLeftInRun = 0
  private level: 0 | 1 = 0
  /** Chips read so far (the start bit's first chip is chip 0). */
  chip = 0
  limit = Number.POSITIVE_INFINITY

  constructor(
    private readonly runs: ReadonlyArray<Pulse>,
    first: number,
    private readonly cal: Calibration
  ) {
    this.run = first
  }

  private nextChip(): Either.Either<0 | 1, FlashlightDecodeError> {
    if (this.chipsLeftInRun === 0) {
      const run: Pulse = this.runs[this.run] ?? { on: false, ms: Number.POSITIVE_INFINITY }
      const ended = this.run >= this.runs.length
      this.run++
      const h = halves(run, this.cal)
      const remaining = this.limit - this.chip
      const bits = `${Math.floor(this.chip / 2)} bits`
      if (h < GLITCH_BELOW) {
        return fail(
          "BadTiming",
          `a light-${run.on ? "on" : "off"} run of ${formatMs(run.ms)} ms after ${bits} is shorter than half a half-bit ` +
            `(${(this.cal.halfMs / 2).toFixed(2)} ms)`
        )
      }
      if (h >= LONG_FROM) {
        // Only the frame's last chip may run on into what follows it (idle, noise, the next frame).
        if (remaining > 1) {
          if (ended) {
            return fail("Truncated", `the pulses end after ${bits} of the frame${this.framedBits()}`)
          }
          if (!run.on) {
            return fail(
              "Truncated",
              `the light went idle for ${formatMs(run.ms)} ms after ${bits} of the frame${this.framedBits()}`
            )
          }
          return fail(
            "BadTiming",
            `a light-on run of ${formatMs(run.ms)} ms after ${bits} is longer than a bit can produce ` +
              `(${(2 * this.cal.halfMs).toFixed(2)} ms)`
          )
        }
        this.chipsLeftInRun = 1
      } else {
        this.chipsLeftInRun = h < TWO_FROM ? 1 : 2
      }
      this.level = run.on ? 1 : 0
    }
    this.chipsLeftInRun--
    this.chip++
    return Either.right(this.level)
  }

  private framedBits() {
    return Number.isFinite(this.limit) ? ` (${this.limit / 2} bits)` : ""
  }

  /** Reads one Manchester bit (IEEE 802.3: on,off → 0; off,on → 1). */
  bit(): Either.Either<0 | 1, FlashlightDecodeError> {
    const index = this.chip / 2
    const a = this.nextChip()
    if (Either.isLeft(a)) return Either.left(a.left)
    const b = this.nextChip()
    if (Either.isLeft(b)) return Either.left(b.left)
    if (a.right === b.right) {
      return fail(
        "BadManchester",
        `bit ${index} of the frame has both half-bits light-${a.right ? "on" : "off"} (no mid-bit transition)`
      )
    }
    return Either.right(b.right)
  }

  byte(): Either.Either<number, FlashlightDecodeError> {
    let value = 0
    for (let i = 0; i < 8; i++) {
      const b = this.bit()
      if (Either.isLeft(b)) return Either.left(b.left)
      value = (value << 1) | b.right
    }
    return Either.right(value)
  }
}

/** Decodes the frame whose sync starts at run `sync`. */
const frameAt = (
  runs: ReadonlyArray<Pulse>,
  sync: number,
  cal: Calibration
): Either.Either<Uint8Array, FlashlightDecodeError> => {
  const reader = new BitReader(runs, sync + 2, cal)
  const start = reader.bit()
  if (Either.isLeft(start)) return Either.left(start.left)
  // The start bit's first half is light-on (it follows the sync's off run), so it can only be 0.
  const header = new Uint8Array(HEADER_BYTES)
  for (let i = 0; i < HEADER_BYTES; i++) {
    const b = reader.byte()
    if (Either.isLeft(b)) return Either.left(b.left)
    header[i] = b.right
  }
  if (header[0] !== FRAME_VERSION_BYTE) {
    return fail(
      "UnsupportedVersion",
      `the version/flags byte is 0x${header[0]!.toString(16).padStart(2, "0")}, ` +
        `expected 0x${FRAME_VERSION_BYTE.toString(16)} (version 1, no flags) — a newer sender, or a corrupted frame`
    )
  }
  const length = (header[1]! << 8) | header[2]!
  if (length > MAX_PAYLOAD_BYTES) {
    return fail("TooLong", `the length field says ${length} bytes, at most ${MAX_PAYLOAD_BYTES} are allowed`)
  }
  const body = new Uint8Array(HEADER_BYTES + length + CRC_BYTES)
  body.set(header)
  reader.limit = 2 * (1 + 8 * body.length)
  for (let i = HEADER_BYTES; i < body.length; i++) {
    const b = reader.byte()
    if (Either.isLeft(b)) return Either.left(b.left)
    body[i] = b.right
  }
  const expected = Zlib.crc32(body.subarray(0, HEADER_BYTES + length))
  const got = new DataView(body.buffer).getUint32(HEADER_BYTES + length, false)
  if (expected !== got) {
    return fail(
      "BadCrc",
      `CRC-32 mismatch (frame says 0x${got.toString(16).padStart(8, "0")}, ` +
        `content gives 0x${expected.toString(16).padStart(8, "0")}): the frame is corrupted`
    )
  }
  return Either.right(body.slice(HEADER_BYTES, HEADER_BYTES + length))
}

/**
 * Decodes a flashlight frame from measured light pulses and returns its
 * payload bytes, exactly as given to `Flashlight.encode`.
 *
 * Implements the receiver side of Signet's flashlight channel spec,
 * `docs/flashlight.md`: finds the preamble (at least 16 one-half-bit
 * training runs followed by the ~4-half-bit on/off sync), measures the
 * half-bit period and the on/off bias on up to 32 training runs, classifies
 * every following run as one or two half-bits (thresholds 0.5, 1.4 and 2.8
 * half-bits) and checks the CRC-32. It tolerates ±20 % jitter on each pulse,
 * a constant on/off bias, any bit period, noise or a partial frame before the
 * preamble, and anything after the frame. Zero-length runs are dropped and
 * neighbouring runs with the same state merged. If several preambles are
 * found, the first frame that passes its CRC wins.
 *
 * @param pulses runs of light on/off with their durations in milliseconds.
 * @returns the payload, or a {@link FlashlightDecodeError}: `NoPreamble` if no
 *   preamble is found, otherwise the error of the first frame found
 *   (`BadTiming`, `BadManchester`, `Truncated`, `UnsupportedVersion`,
 *   `TooLong`, `BadCrc`); `BadTiming` also for a duration that is not a
 *   finite number ≥ 0. Never returns bytes from a frame whose CRC fails.
 */
export const decode = (pulses: ReadonlyArray<Pulse>): Either.Either<Uint8Array, FlashlightDecodeError> => {
  const normalised = normalise(pulses)
  if (Either.isLeft(normalised)) return Either.left(normalised.left)
  const runs = normalised.right
  let firstError: FlashlightDecodeError | undefined
  for (let i = MIN_TRAINING_RUNS; i < runs.length - 1; i++) {
    const cal = preambleAt(runs, i)
    if (cal === undefined) continue
    const frame = frameAt(runs, i, cal)
    if (Either.isRight(frame)) return frame
    firstError ??= frame.left
  }
  return firstError !== undefined
    ? Either.left(firstError)
    : fail(
        "NoPreamble",
        `no preamble (≥ ${MIN_TRAINING_RUNS} even runs followed by a long light-on and a long light-off run) ` +
          `in ${runs.length} runs`
      )
}

// ---------------------------------------------------------------------------
// Text format: "+10,-10,+40" — light on 10 ms, off 10 ms, on 40 ms
// ---------------------------------------------------------------------------
