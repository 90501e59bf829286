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
 * The decoder lives in `flashlight/Decode.ts` and the definitions the
 * encoder, decoder and text format share in `flashlight/Channel.ts` (issue
 * 14 §3); this module re-exports them.
 *
 * @module
 */
import * as Zlib from "node:zlib"
import { Either } from "effect"
import {
  CRC_BYTES,
  DEFAULT_BIT_MS,
  type EncodeOptions,
  type FlashlightDecodeError,
  FRAME_VERSION_BYTE,
  fail,
  formatMs,
  HEADER_BYTES,
  MAX_BIT_MS,
  MAX_PAYLOAD_BYTES,
  MIN_BIT_MS,
  type Pulse,
  pushByteChips,
  SYNC_CHIPS,
  TRAILER_CHIPS,
  TRAINING_BITS
} from "./flashlight/Channel.js"
import { decode } from "./flashlight/Decode.js"

export {
  DEFAULT_BIT_MS,
  type EncodeOptions,
  FlashlightDecodeError,
  type FlashlightDecodeErrorReason,
  FRAME_VERSION_BYTE,
  MAX_BIT_MS,
  MAX_PAYLOAD_BYTES,
  MIN_BIT_MS,
  type Pulse
} from "./flashlight/Channel.js"
export { decode } from "./flashlight/Decode.js"

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
