/**
 * The definitions the flashlight channel's encoder, decoder and text format
 * share (Signet's flashlight channel spec, `docs/flashlight.md`): pulses,
 * decoding errors, encoder options, the frame layout and the thresholds
 * that classify a measured run. `Flashlight.ts` re-exports the public part.
 *
 * @module
 */
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

/** Options of `Flashlight.encode` and `Flashlight.encodeText` (Signet's flashlight channel spec, `docs/flashlight.md` §1). */
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

/** Smallest bit period `Flashlight.encode` accepts, in milliseconds (`docs/flashlight.md` §1). */
export const MIN_BIT_MS = 2

/** Largest bit period `Flashlight.encode` accepts, in milliseconds (`docs/flashlight.md` §1). */
export const MAX_BIT_MS = 1000

/** Largest payload, in bytes, a frame may carry (encoder and decoder), per `docs/flashlight.md`. */
export const MAX_PAYLOAD_BYTES = 1024

/**
 * The version/flags byte every frame of Signet's flashlight channel spec (`docs/flashlight.md` §3)
 * starts with: version 1 in the high nibble, no flags. `Flashlight.decode` refuses any other value
 * (`UnsupportedVersion`).
 */
export const FRAME_VERSION_BYTE = 0x10

// ---------------------------------------------------------------------------
// Frame layout (in half-bit "chips": 1 = light on, 0 = light off)
// ---------------------------------------------------------------------------

/** Training square wave sent: 24 × "10" = 48 runs of one half-bit. */
export const TRAINING_BITS = 24
/** The decoder needs at least this many one-half-bit runs before the sync… */
export const MIN_TRAINING_RUNS = 16
/** …and calibrates on at most this many (the ones closest to the sync). */
export const MAX_TRAINING_RUNS = 32
/** Sync: light on for 4 half-bits, then off for 4 half-bits. */
export const SYNC_CHIPS = 4
/** Idle (light off) after the frame, in half-bits, at least. */
export const TRAILER_CHIPS = 8
/** Frame header: version/flags byte and the 16-bit payload length. */
export const HEADER_BYTES = 3
/** Frame trailer: the CRC-32. */
export const CRC_BYTES = 4

// Classification of a measured run, in half-bits (after calibration):
//   < 0.5 glitch | [0.5, 1.4) one | [1.4, 2.8) two | [2.8, 5.6) sync | ≥ 5.6 idle
/** Below this many half-bits a run is a glitch. */
export const GLITCH_BELOW = 0.5
/** From this many half-bits a run is two half-bits. */
export const TWO_FROM = 1.4
/** From this many half-bits a run is a sync run. */
export const LONG_FROM = 2.8
/** From this many half-bits a run is idle. */
export const SYNC_BELOW = 5.6

/** A duration in ms with at most 3 decimals ("12.5", "40"): the text format's and the error messages'. */
export const formatMs = (ms: number) => ms.toFixed(3).replace(/\.?0+$/, "")

/** A decoding failure with its reason. */
export const fail = (
  reason: FlashlightDecodeErrorReason,
  message: string
): Either.Either<never, FlashlightDecodeError> => Either.left(new FlashlightDecodeError({ reason, message }))

/** Appends the Manchester chips of `byte` (MSB first; 0 → on,off; 1 → off,on). */
export const pushByteChips = (chips: Array<0 | 1>, byte: number) => {
  for (let bit = 7; bit >= 0; bit--) {
    if ((byte >> bit) & 1) chips.push(0, 1)
    else chips.push(1, 0)
  }
}
