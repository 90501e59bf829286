/**
 * Where presence tokens come from. An {@link InputAdapter} hands the agent raw items — a
 * presence token, or with `--flashlight` a pulse recording in the text format of
 * docs/flashlight.md §7 — and the agent turns each one into a signed, journaled proof.
 *
 * Implemented here: standard input ({@link stdinInput}), a file followed as it grows
 * ({@link fileInput}) and a local HTTP endpoint ({@link httpInput}). NFC and BLE readers are
 * not implemented: they are adapters to write against this interface (docs/beacon-agent.md,
 * "NFC and BLE").
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Readline from "node:readline"

/** One raw item received by an adapter. */
export interface InputItem {
  /** The text: a presence token, or (with `--flashlight`) a pulse recording. Trimmed. */
  readonly text: string
  /** When the item was received, local clock (ms). */
  readonly receivedAtMs: number
  /** Where it came from, for logs (`stdin:3`, `file:/run/tokens:12`, `http:127.0.0.1:50312`). */
  readonly origin: string
  /** A `proof_type` for this item, overriding the adapter's (e.g. a reader with two channels). */
  readonly proofType?: string
}

/** What the agent did with an item (answered to the adapter, e.g. as the HTTP response). */
export type ItemResult =
  | {
      /** The proof is signed, journaled (`fsync`ed) and queued for delivery. */
      readonly status: "journaled"
      readonly counter: number
      readonly nonce: string
    }
  | {
      /** The item was not turned into a proof (undecodable pulses, empty token, agent stopping). */
      readonly status: "rejected"
      /** `BadCrc`, `NoPreamble`… (flashlight decoder reasons), `NotText`, `BadToken`, `BadProofType`, `Stopping`. */
      readonly reason: string
      readonly message: string
    }

/** What an adapter is given while it runs. */
export interface InputContext {
  /**
   * Hands an item to the agent; resolves once it is journaled (or rejected). Calls may overlap
   * (the agent serialises them); awaiting each call gives natural back-pressure.
   */
  readonly onItem: (item: InputItem) => Promise<ItemResult>
  /** Aborted when the agent stops (SIGINT/SIGTERM): release the device and return promptly. */
  readonly signal: AbortSignal
  /** Reports a status event, printed by the agent as a JSON line (e.g. `{ event: "listening", url }`). */
  readonly report: (event: Record<string, unknown>) => void
}

/**
 * A source of presence tokens (stdin, a file, HTTP; NFC and BLE readers to implement).
 *
 * Contract:
 * - `run` calls `ctx.onItem` for every item, in arrival order;
 * - it resolves when the source ends by itself (end of standard input) — the agent then
 *   delivers what is queued and exits — or soon after `ctx.signal` aborts;
 * - it rejects (with an `Error` whose message is one line) when the source fails (device
 *   unplugged, port in use); the agent stops with that message.
 */
export interface InputAdapter {
  /** Name in logs, e.g. `stdin`, `file:/run/tokens`, `http:8765`, `nfc:pcsc`. */
  readonly name: string
  /** Default `proof_type` of the proofs (`^[A-Za-z][A-Za-z0-9_-]{0,31}$`): `manual`, `nfc`, `ble`. */
  readonly proofType: string
  /** Runs the source until it ends or `ctx.signal` aborts (see the interface comment). */
  readonly run: (ctx: InputContext) => Promise<void>
}

/**
 * How a text stream is cut into items: `line` — every non-empty line is an item (presence
 * tokens); `block` — items are separated by one or more blank lines (pulse recordings, which
 * span several lines). Lines starting with `#` are ignored in `line` mode (comments are part
 * of the pulse text format in `block` mode).
 */
export type Framing = "line" | "block"

/** Cuts text into items ({@link Framing}); `flush` ends the current item. */
class Framer {
  private partial = ""
  private block: Array<string> = []
  private lineNo = 0
  private blockStart = 0
  constructor(
    private readonly framing: Framing,
    private readonly emit: (text: string, line: number) => void
  ) {}

  /** Feeds a chunk of text (may end mid-line). */
  push(chunk: string): void {
    const lines = (this.partial + chunk).split(/\r?\n/)
    this.partial = lines.pop() ?? ""
    for (const line of lines) this.line(line)
  }

  /** Feeds one complete line. */
  line(line: string): void {
    this.lineNo++
    const trimmed = line.trim()
    if (this.framing === "line") {
      if (trimmed !== "" && !trimmed.startsWith("#")) this.emit(trimmed, this.lineNo)
      return
    }
    if (trimmed === "") this.endBlock()
    else {
      if (this.block.length === 0) this.blockStart = this.lineNo
      this.block.push(line)
    }
  }

  private endBlock(): void {
    const text = this.block.join("\n").trim()
    this.block = []
    if (text !== "") this.emit(text, this.blockStart)
  }

  /** Ends the pending partial line and block (end of input, or the input went quiet). */
  flush(): void {
    if (this.partial !== "") {
      const rest = this.partial
      this.partial = ""
      this.line(rest)
    }
    if (this.framing === "block") this.endBlock()
  }

  /** Whether text is waiting for a line end or a blank line. */
  get pending(): boolean {
    return this.partial !== "" || this.block.length > 0
  }
}

/** Runs `onItem` for each framed item, one at a time, in order. */
const serialEmitter = (ctx: InputContext, origin: (line: number) => string) => {
  let chain: Promise<unknown> = Promise.resolve()
  const emit = (text: string, line: number) => {
    const item: InputItem = { text, receivedAtMs: Date.now(), origin: origin(line) }
    chain = chain.then(() => ctx.onItem(item)).catch(() => undefined)
  }
  return { emit, drain: () => chain }
}

/**
 * Standard input: one presence token per line (`line`), or pulse recordings separated by
 * blank lines (`block`). Ends at end of input.
 */
export const stdinInput = (framing: Framing, stream: NodeJS.ReadableStream = process.stdin): InputAdapter => ({
  name: "stdin",
  proofType: "manual",
  run: async (ctx) => {
    const { emit, drain } = serialEmitter(ctx, (line) => `stdin:${line}`)
    const framer = new Framer(framing, emit)
    const rl = Readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY, terminal: false })
    const stop = () => rl.close()
    ctx.signal.addEventListener("abort", stop, { once: true })
    try {
      for await (const line of rl) framer.line(line)
      framer.flush()
      await drain()
    } finally {
      ctx.signal.removeEventListener("abort", stop)
    }
  }
})

/** How often a followed file is checked for new data. */
export const FILE_POLL_MS = 200
/** A partial line or block of a followed file counts as complete after this long without new data. */
export const FILE_IDLE_MS = 1000

/**
 * A file read from the start and then followed as it grows (like `tail -f -n +1`), polled
 * every {@link FILE_POLL_MS} ms: items as with {@link stdinInput}; an unfinished last line or
 * block is taken as complete after {@link FILE_IDLE_MS} ms without new data. A file that
 * shrinks or is replaced (log rotation) is read again from its start. Runs until stopped.
 *
 * Items already in the file when the agent starts are processed (again, after a restart):
 * their presence tokens are usually expired by then and the server refuses the proofs
 * (`PRESENCE_TOKEN_EXPIRED`); truncate the file after use to avoid it.
 */
export const fileInput = (path: string, framing: Framing): InputAdapter => ({
  name: `file:${path}`,
  proofType: "manual",
  run: async (ctx) => {
    if (!Fs.existsSync(path)) throw new Error(`input file ${path} not found`)
    const { emit, drain } = serialEmitter(ctx, (line) => `file:${path}:${line}`)
    let framer = new Framer(framing, emit)
    let offset = 0
    let inode = -1
    let lastData = Date.now()
    const decoder = new TextDecoder()
    const poll = () => {
      let stat: Fs.Stats
      try {
        stat = Fs.statSync(path)
      } catch {
        return // rotated away for a moment
      }
      if (stat.ino !== inode || stat.size < offset) {
        if (inode !== -1) framer.flush()
        framer = new Framer(framing, emit)
        inode = stat.ino
        offset = 0
      }
      if (stat.size > offset) {
        const fd = Fs.openSync(path, "r")
        try {
          const buffer = Buffer.alloc(Math.min(stat.size - offset, 1 << 20))
          const n = Fs.readSync(fd, buffer, 0, buffer.length, offset)
          offset += n
          framer.push(decoder.decode(buffer.subarray(0, n), { stream: true }))
        } finally {
          Fs.closeSync(fd)
        }
        lastData = Date.now()
      } else if (framer.pending && Date.now() - lastData >= FILE_IDLE_MS) framer.flush()
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          poll()
        } catch (e) {
          clearInterval(timer)
          reject(new Error(`cannot read input file ${path}: ${e instanceof Error ? e.message : String(e)}`))
        }
      }, FILE_POLL_MS)
      ctx.signal.addEventListener(
        "abort",
        () => {
          clearInterval(timer)
          resolve()
        },
        { once: true }
      )
      poll()
    })
    await drain()
  }
})

/** Largest body `POST /presence` accepts (a pulse recording of a 1024-byte token is ~60 KB). */
export const HTTP_MAX_BODY_BYTES = 1024 * 1024

/**
 * A local HTTP endpoint on `127.0.0.1:<port>` (`0` picks a free port; the agent prints it in
 * a `{"event":"listening","url":…}` line):
 *
 * - `POST /presence` with a text body — a presence token (or a pulse recording with
 *   `--flashlight`) — answers `202 {"status":"journaled","counter","nonce"}` once the proof is
 *   journaled, or `422 {"status":"rejected","reason","message"}` (`503` while the agent stops);
 * - `GET /health` answers `200 {"ok":true}`.
 *
 * Only the loopback interface is bound: the endpoint has no authentication, so it is meant
 * for a reader process on the same board. Runs until stopped.
 */
export const httpInput = (port: number, host = "127.0.0.1"): InputAdapter => ({
  name: `http:${port}`,
  proofType: "manual",
  run: (ctx) =>
    new Promise<void>((resolve, reject) => {
      const answer = (res: Http.ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" })
        res.end(`${JSON.stringify(body)}\n`)
      }
      const server = Http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost")
        if (url.pathname === "/health" && req.method === "GET") return answer(res, 200, { ok: true })
        if (url.pathname !== "/presence") return answer(res, 404, { error: "not found: use POST /presence" })
        if (req.method !== "POST") {
          res.setHeader("allow", "POST")
          return answer(res, 405, { error: "use POST" })
        }
        const chunks: Array<Buffer> = []
        let size = 0
        req.on("data", (chunk: Buffer) => {
          size += chunk.length
          if (size > HTTP_MAX_BODY_BYTES) {
            answer(res, 413, { error: `body over ${HTTP_MAX_BODY_BYTES} bytes` })
            req.destroy()
          } else chunks.push(chunk)
        })
        req.on("end", () => {
          if (size > HTTP_MAX_BODY_BYTES) return
          const item: InputItem = {
            text: Buffer.concat(chunks).toString("utf8").trim(),
            receivedAtMs: Date.now(),
            origin: `http:${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? "?"}`
          }
          ctx.onItem(item).then(
            (result) =>
              answer(res, result.status === "journaled" ? 202 : result.reason === "Stopping" ? 503 : 422, result),
            (e) => answer(res, 500, { error: e instanceof Error ? e.message : String(e) })
          )
        })
      })
      server.on("error", (e: NodeJS.ErrnoException) =>
        reject(
          new Error(e.code === "EADDRINUSE" ? `port ${port} on ${host} is already in use` : `HTTP input: ${e.message}`)
        )
      )
      server.listen(port, host, () => {
        const address = server.address()
        const actual = typeof address === "object" && address !== null ? address.port : port
        ctx.report({ event: "listening", url: `http://${host}:${actual}/presence` })
      })
      ctx.signal.addEventListener(
        "abort",
        () => {
          server.close(() => resolve())
          server.closeAllConnections()
        },
        { once: true }
      )
    })
})

/**
 * Parses `--input`: `stdin`, `file:<path>` or `http:<port>`.
 *
 * @param framing - `block` with `--flashlight` (pulse recordings span lines), else `line`.
 * @returns the adapter, or an error message.
 */
export const parseInputSpec = (spec: string, framing: Framing): InputAdapter | string => {
  if (spec === "stdin" || spec === "-") return stdinInput(framing)
  if (spec.startsWith("file:") && spec.length > 5) return fileInput(spec.slice(5), framing)
  const http = /^http:(\d{1,5})$/.exec(spec)
  if (http) {
    const port = Number(http[1])
    return port <= 65535 ? httpInput(port) : `--input ${spec}: port must be 0 to 65535`
  }
  return `--input ${spec}: expected stdin, file:<path> or http:<port>`
}
