/**
 * The "buzzLightyear" flashlight channel (issue 6 §4): a student's phone
 * flashes its torch or screen to hand a short presence token to the
 * classroom beacon's light sensor.
 *
 * This module is the reference implementation of Signet's flashlight channel
 * spec, `docs/flashlight.md`: an encoder (bytes → light pulses), a decoder
 * (measured light pulses → bytes, or a typed error) and a small text format
 * for pulse recordings (`signet-beacon decode <file>`).
 *
 * In short: the frame is a run of half-bit "chips" (1 = light on, 0 = off),
 * each `bitMs / 2` milliseconds long:
 *
 * ```text
 * preamble  "10" × 24                 training square wave (calibrates the period)
 *           "11110000"                sync: a Manchester code violation
 *           "10"                      start bit (a Manchester 0)
 * data      Manchester(version/flags ‖ length ‖ payload ‖ CRC-32)
 * trailer   "0" × 8 (at least)        idle: light off
 * ```
 *
 * Manchester follows IEEE 802.3: a 0 bit is light on then off, a 1 bit is
 * light off then on. Multi-byte fields are big-endian, bits MSB first. The
 * CRC is `zlib.crc32` (CRC-32/ISO-HDLC) of the version/flags, length and
 * payload bytes.
 *
 * @module
 */
import * as Zlib from "node:zlib"
import { Data, Either } from "effect"

/**
 * One run of light as seen by the sensor (or produced by the sender): the
 * light is `on` (or off) for `ms` milliseconds.
 *
 * A pulse list is a sequence of such runs, consecutive runs alternating
 * between on and off; the time before the first run and after the last one
 * is idle (light off). Implements the pulse representation of Signet's
 * flashlight channel spec, `docs/flashlight.md`.
 */
export interface Pulse {
  /** `true` while the light is on, `false` while it is off. */
  readonly on: boolean
  /** Duration of the run in milliseconds (finite, > 0). */
  readonly ms: number
}

/**
 * Why a pulse list (or a pulse text) could not be decoded, per Signet's
 * flashlight channel spec, `docs/flashlight.md`:
 *
 * - `"BadText"` — the pulse text is malformed (the message names line and column);
 * - `"NoPreamble"` — no training sequence followed by the sync pattern was found;
 * - `"BadTiming"` — a duration is not a finite number ≥ 0, or a run inside the frame
 *   is too short (a glitch, under half a half-bit) or a light-on run is too long;
 * - `"BadManchester"` — two half-bits of one bit carry the same light level;
 * - `"Truncated"` — the light went idle (or the recording ended) before the frame did;
 * - `"UnsupportedVersion"` — the version/flags byte is not `0x10` (version 1, no flags);
 * - `"TooLong"` — the length field exceeds {@link MAX_PAYLOAD_BYTES};
 * - `"BadCrc"` — the CRC-32 does not match: the frame is corrupted.
 */
export type FlashlightDecodeErrorReason =
  | "BadText"
  | "NoPreamble"
  | "BadTiming"
  | "BadManchester"
  | "Truncated"
  | "UnsupportedVersion"
  | "TooLong"
  | "BadCrc"

/**
 * A pulse list or pulse text that does not carry a valid flashlight frame
 * (Signet's flashlight channel spec, `docs/flashlight.md`). `reason` is for
 * programs (see {@link FlashlightDecodeErrorReason}); `message` explains it to
 * a human. The decoder never returns bytes from a frame whose CRC fails.
 */
export class FlashlightDecodeError extends Data.TaggedError("FlashlightDecodeError")<{
  readonly reason: FlashlightDecodeErrorReason
  readonly message: string
}> {}

/** Options of {@link encode} and {@link encodeText} (Signet's flashlight channel spec, `docs/flashlight.md` §1). */
export interface EncodeOptions {
  /**
   * Bit period in milliseconds (one Manchester bit = two half-bits of
   * `bitMs / 2` ms). Default {@link DEFAULT_BIT_MS}; must lie in
   * [{@link MIN_BIT_MS}, {@link MAX_BIT_MS}].
   */
  readonly bitMs?: number
}

/** Default bit period in milliseconds (a half-bit is 10 ms), per `docs/flashlight.md`. */
export const DEFAULT_BIT_MS = 20

/** Smallest bit period {@link encode} accepts, in milliseconds (`docs/flashlight.md` §1). */
export const MIN_BIT_MS = 2

/** Largest bit period {@link encode} accepts, in milliseconds (`docs/flashlight.md` §1). */
export const MAX_BIT_MS = 1000

/** Largest payload, in bytes, a frame may carry (encoder and decoder), per `docs/flashlight.md`. */
export const MAX_PAYLOAD_BYTES = 1024

/**
 * The version/flags byte every frame of Signet's flashlight channel spec (`docs/flashlight.md` §3)
 * starts with: version 1 in the high nibble, no flags. {@link decode} refuses any other value
 * (`UnsupportedVersion`).
 */
export const FRAME_VERSION_BYTE = 0x10

// ---------------------------------------------------------------------------
// Frame layout (in half-bit "chips": 1 = light on, 0 = light off)
// ---------------------------------------------------------------------------

/** Training square wave sent: 24 × "10" = 48 runs of one half-bit. */
const TRAINING_BITS = 24
/** The decoder needs at least this many one-half-bit runs before the sync… */
const MIN_TRAINING_RUNS = 16
/** …and calibrates on at most this many (the ones closest to the sync). */
const MAX_TRAINING_RUNS = 32
/** Sync: light on for 4 half-bits, then off for 4 half-bits. */
const SYNC_CHIPS = 4
/** Idle (light off) after the frame, in half-bits, at least. */
const TRAILER_CHIPS = 8
const HEADER_BYTES = 3
const CRC_BYTES = 4

// Classification of a measured run, in half-bits (after calibration):
//   < 0.5 glitch | [0.5, 1.4) one | [1.4, 2.8) two | [2.8, 5.6) sync | ≥ 5.6 idle
const GLITCH_BELOW = 0.5
const TWO_FROM = 1.4
const LONG_FROM = 2.8
const SYNC_BELOW = 5.6

/** A duration in ms with at most 3 decimals ("12.5", "40"): the text format's and the error messages'. */
const formatMs = (ms: number) => ms.toFixed(3).replace(/\.?0+$/, "")

const fail = (reason: FlashlightDecodeErrorReason, message: string): Either.Either<never, FlashlightDecodeError> =>
  Either.left(new FlashlightDecodeError({ reason, message }))

/** Appends the Manchester chips of `byte` (MSB first; 0 → on,off; 1 → off,on). */
const pushByteChips = (chips: Array<0 | 1>, byte: number) => {
  for (let bit = 7; bit >= 0; bit--) {
    if ((byte >> bit) & 1) chips.push(0, 1)
    else chips.push(1, 0)
  }
}

/**
 * Encodes `payload` (0 to {@link MAX_PAYLOAD_BYTES} bytes) as a flashlight
 * frame — preamble, Manchester-coded version/flags, 16-bit length, payload
 * and CRC-32, then the idle trailer — and returns it as light pulses.
 *
 * Implements the sender side of Signet's flashlight channel spec,
 * `docs/flashlight.md`. The result starts with a light-on run, alternates on
 * and off, and ends with an off run that includes at least 8 idle half-bits,
 * so it can be played (or repeated back to back) as is. Every duration is a
 * multiple of `bitMs / 2` milliseconds.
 *
 * @param payload the bytes to send (for Signet, an ASCII compact JWT).
 * @param options `bitMs`: bit period in milliseconds, default {@link DEFAULT_BIT_MS}.
 * @throws RangeError if the payload is longer than {@link MAX_PAYLOAD_BYTES}
 *   or `bitMs` is not a number in [{@link MIN_BIT_MS}, {@link MAX_BIT_MS}]
 *   (programming errors, not channel conditions).
 */
export const encode = (payload: Uint8Array, options?: EncodeOptions): ReadonlyArray<Pulse> => {
  const bitMs = options?.bitMs ?? DEFAULT_BIT_MS
  if (!Number.isFinite(bitMs) || bitMs < MIN_BIT_MS || bitMs > MAX_BIT_MS) {
    throw new RangeError(`flashlight: bitMs must be a number in [${MIN_BIT_MS}, ${MAX_BIT_MS}] ms, got ${bitMs}`)
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`flashlight: payload is ${payload.length} bytes, at most ${MAX_PAYLOAD_BYTES} fit in a frame`)
  }
  const body = new Uint8Array(HEADER_BYTES + payload.length + CRC_BYTES)
  body[0] = FRAME_VERSION_BYTE
  body[1] = payload.length >>> 8
  body[2] = payload.length & 0xff
  body.set(payload, HEADER_BYTES)
  const crc = Zlib.crc32(body.subarray(0, HEADER_BYTES + payload.length))
  new DataView(body.buffer).setUint32(HEADER_BYTES + payload.length, crc, false)

  const chips: Array<0 | 1> = []
  for (let i = 0; i < TRAINING_BITS; i++) chips.push(1, 0)
  for (let i = 0; i < SYNC_CHIPS; i++) chips.push(1)
  for (let i = 0; i < SYNC_CHIPS; i++) chips.push(0)
  chips.push(1, 0) // start bit: a Manchester 0
  for (const byte of body) pushByteChips(chips, byte)
  for (let i = 0; i < TRAILER_CHIPS; i++) chips.push(0)

  const pulses: Array<Pulse> = []
  let level = chips[0]!
  let count = 0
  for (const chip of chips) {
    if (chip === level) count++
    else {
      pulses.push({ on: level === 1, ms: (count * bitMs) / 2 })
      level = chip
      count = 1
    }
  }
  pulses.push({ on: level === 1, ms: (count * bitMs) / 2 })
  return pulses
}

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
 * payload bytes, exactly as given to {@link encode}.
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

const TOKEN = /^([+-])(\d+(?:\.\d+)?)$/
const PER_LINE = 16

/**
 * Parses the pulse text format of Signet's flashlight channel spec
 * (`docs/flashlight.md`): tokens `+<ms>` (light on for `<ms>` milliseconds)
 * and `-<ms>` (light off), `<ms>` a positive decimal such as `10` or `12.5`,
 * separated by commas and/or whitespace (newlines included); `#` starts a
 * comment that runs to the end of the line. Signs must alternate.
 *
 * @returns the pulses, or a {@link FlashlightDecodeError} with reason
 *   `"BadText"` whose message names the line, column and offending token.
 */
export const parsePulses = (text: string): Either.Either<ReadonlyArray<Pulse>, FlashlightDecodeError> => {
  const pulses: Array<Pulse> = []
  const lines = text.split(/\r\n|\n|\r/)
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!
    const hash = line.indexOf("#")
    const content = hash === -1 ? line : line.slice(0, hash)
    const re = /[^\s,]+/g
    for (let m = re.exec(content); m !== null; m = re.exec(content)) {
      const token = m[0]
      const where = `line ${l + 1}, column ${m.index + 1}`
      const parsed = TOKEN.exec(token)
      if (parsed === null) {
        return fail(
          "BadText",
          `${where}: expected "+<ms>" (light on) or "-<ms>" (light off), e.g. "+10" or "-12.5", got ${JSON.stringify(token)}`
        )
      }
      const on = parsed[1] === "+"
      const ms = Number(parsed[2])
      if (!(ms > 0) || !Number.isFinite(ms)) {
        return fail("BadText", `${where}: duration ${JSON.stringify(token)} must be a positive number of ms`)
      }
      const previous = pulses[pulses.length - 1]
      if (previous !== undefined && previous.on === on) {
        return fail(
          "BadText",
          `${where}: ${JSON.stringify(token)} follows another light-${on ? "on" : "off"} run; ` +
            `runs must alternate between "+" and "-"`
        )
      }
      pulses.push({ on, ms })
    }
  }
  return Either.right(pulses)
}

/**
 * Writes pulses in the text format of Signet's flashlight channel spec
 * (`docs/flashlight.md`), the inverse of {@link parsePulses}: `+<ms>` for
 * light on, `-<ms>` for light off, comma-separated, 16 per line, durations
 * in milliseconds with at most 3 decimals.
 *
 * @throws RangeError if a duration is not a finite number in [0.001, 1e9) ms
 *   or two consecutive pulses have the same state.
 */
export const formatPulses = (pulses: ReadonlyArray<Pulse>): string => {
  const lines: Array<string> = []
  let line: Array<string> = []
  for (let i = 0; i < pulses.length; i++) {
    const p = pulses[i]!
    if (!Number.isFinite(p.ms) || p.ms < 0.001 || p.ms >= 1e9) {
      throw new RangeError(`flashlight: pulse ${i + 1} has duration ${p.ms}, expected [0.001, 1e9) ms`)
    }
    if (i > 0 && pulses[i - 1]!.on === p.on) {
      throw new RangeError(`flashlight: pulses ${i} and ${i + 1} have the same state; runs must alternate`)
    }
    line.push(`${p.on ? "+" : "-"}${formatMs(p.ms)}`)
    if (line.length === PER_LINE) {
      lines.push(line.join(","))
      line = []
    }
  }
  if (line.length > 0) lines.push(line.join(","))
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`
}

/**
 * Decodes a flashlight frame from a pulse recording in text form: {@link parsePulses}
 * then {@link decode}. This is what `signet-beacon decode <file>` runs on the
 * file's contents (Signet's flashlight channel spec, `docs/flashlight.md`).
 *
 * @returns the payload bytes, or a {@link FlashlightDecodeError}: `"BadText"`
 *   for malformed text, otherwise any reason of {@link decode}.
 */
export const decodeText = (text: string): Either.Either<Uint8Array, FlashlightDecodeError> =>
  Either.flatMap(parsePulses(text), decode)

/**
 * Encodes `payload` as a flashlight frame and writes its pulses in the text
 * format: {@link encode} then {@link formatPulses} (Signet's flashlight channel
 * spec, `docs/flashlight.md`). `decodeText(encodeText(p))` returns `p`.
 *
 * @param options `bitMs`: bit period in milliseconds, default {@link DEFAULT_BIT_MS}.
 * @throws RangeError as {@link encode} does.
 */
export const encodeText = (payload: Uint8Array, options?: EncodeOptions): string =>
  formatPulses(encode(payload, options))
