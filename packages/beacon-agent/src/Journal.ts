/**
 * The proof journal (`beacon-journal.jsonl`, mode `0600`): every signed proof is appended and
 * `fsync`ed before it is sent, and a `done` record is appended once the server has answered it
 * for good, so proofs survive a crash, a reboot or a network outage and are sent again on the
 * next start.
 *
 * Format: JSON Lines, one record per line.
 *
 * ```text
 * {"type":"proof","at_ms":1767000000000,"proof":{"beacon_id":"…","classroom_id":"…","presence_token":"…",
 *   "proof_type":"manual","proof_time_ms":1767000000000,"counter":7,"nonce":"…","signature":"…"}}
 * {"type":"done","at_ms":1767000000250,"counter":7,"nonce":"…","outcome":"accepted","reason_code":null,"http_status":200}
 * ```
 *
 * A proof without a `done` record with the same nonce is *undelivered*. A line that does not
 * parse (the torn tail of a write cut by a crash) is ignored. The journal is compacted —
 * rewritten atomically with only the undelivered proofs — when `run` opens it and whenever it
 * has grown past {@link COMPACT_AFTER} records with few undelivered ones.
 *
 * One `run` at a time per journal: {@link openJournal} takes a lock file (`<journal>.lock`,
 * holding the process id; a lock left by a process that no longer exists is taken over).
 *
 * @module
 */
import * as Fs from "node:fs"
import { Effect, type Scope } from "effect"
import { AgentError, writePrivateFileSync } from "./Files.js"

/** Default journal of `run` and `status`. */
export const DEFAULT_JOURNAL_FILE = "./beacon-journal.jsonl"

/** Records after which a journal with few undelivered proofs is rewritten. */
export const COMPACT_AFTER = 1000

/**
 * A signed presence proof, exactly the body of `POST /api/v1/beacon/proofs` (no `course_id`:
 * attendance resolves the course running in the classroom; the signature covers
 * `course_id: null`).
 */
export interface SignedProof {
  readonly beacon_id: string
  readonly classroom_id: string
  readonly presence_token: string
  readonly proof_type: string
  readonly proof_time_ms: number
  readonly counter: number
  readonly nonce: string
  /** base64url signature over `BeaconProtocol.proofMessage` of the other fields. */
  readonly signature: string
}

/**
 * How a proof ended: `accepted` / `late` (attendance recorded the student), or `refused`
 * (by the beacon checks — a 422 `reason_code` — or by attendance, or an unexpected 4xx).
 */
export type Outcome = "accepted" | "late" | "refused"

/** A journal line announcing a proof (before it is sent). */
export interface ProofRecord {
  readonly type: "proof"
  readonly at_ms: number
  readonly proof: SignedProof
}

/** A journal line closing a proof: the server's final answer. */
export interface DoneRecord {
  readonly type: "done"
  readonly at_ms: number
  readonly counter: number
  readonly nonce: string
  readonly outcome: Outcome
  readonly reason_code: string | null
  readonly http_status: number | null
}

/** One journal line. */
export type JournalRecord = ProofRecord | DoneRecord

/** What a journal holds. */
export interface JournalContents {
  /** Undelivered proofs, by increasing counter. */
  readonly pending: ReadonlyArray<SignedProof>
  /** Highest counter of any proof record (`-1` for none). */
  readonly lastCounter: number
  /** Parsed records. */
  readonly records: number
  /** Lines that did not parse (a torn tail after a crash) and were ignored. */
  readonly skipped: number
}

const isProof = (p: unknown): p is SignedProof => {
  if (typeof p !== "object" || p === null) return false
  const o = p as Record<string, unknown>
  return (
    typeof o.beacon_id === "string" &&
    typeof o.classroom_id === "string" &&
    typeof o.presence_token === "string" &&
    typeof o.proof_type === "string" &&
    typeof o.nonce === "string" &&
    typeof o.signature === "string" &&
    Number.isSafeInteger(o.proof_time_ms) &&
    Number.isSafeInteger(o.counter)
  )
}

/** Parses journal text (see the module comment). Never fails: bad lines are counted in `skipped`. */
export const parseJournal = (text: string): JournalContents => {
  const proofs = new Map<string, SignedProof>()
  const done = new Set<string>()
  let lastCounter = -1
  let records = 0
  let skipped = 0
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    let rec: any
    try {
      rec = JSON.parse(line)
    } catch {
      skipped++
      continue
    }
    if (rec?.type === "proof" && isProof(rec.proof)) {
      records++
      proofs.set(rec.proof.nonce, rec.proof)
      lastCounter = Math.max(lastCounter, rec.proof.counter)
    } else if (rec?.type === "done" && typeof rec.nonce === "string") {
      records++
      done.add(rec.nonce)
    } else skipped++
  }
  const pending = [...proofs.values()].filter((p) => !done.has(p.nonce)).sort((a, b) => a.counter - b.counter)
  return { pending, lastCounter, records, skipped }
}

/** Reads a journal; a missing file is an empty journal. */
export const readJournal = (path: string): Effect.Effect<JournalContents, AgentError> =>
  Effect.try({
    try: () => parseJournal(Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : ""),
    catch: (e) =>
      new AgentError({ message: `cannot read journal ${path}: ${e instanceof Error ? e.message : String(e)}` })
  })

/** An open journal (see {@link openJournal}). */
export interface Journal {
  /** The journal file. */
  readonly path: string
  /** What the journal held when it was opened (before compaction). */
  readonly initial: JournalContents
  /** Appends a proof record and `fsync`s it: call before sending the proof. */
  readonly appendProof: (proof: SignedProof) => Effect.Effect<void, AgentError>
  /** Appends a done record (`fsync`ed) for a proof the server answered for good. */
  readonly appendDone: (
    proof: SignedProof,
    answer: { readonly outcome: Outcome; readonly reason_code: string | null; readonly http_status: number | null }
  ) => Effect.Effect<void, AgentError>
  /** Number of undelivered proofs. */
  readonly pendingCount: Effect.Effect<number>
}

const ioError = (path: string, e: unknown) =>
  new AgentError({ message: `journal ${path}: ${e instanceof Error ? e.message : String(e)}` })

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"
  }
}

/** Takes `<journal>.lock` for this process (released with the scope). */
const lock = (path: string): Effect.Effect<void, AgentError, Scope.Scope> => {
  const lockPath = `${path}.lock`
  const take = (): void => {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = Fs.openSync(lockPath, "wx", 0o600)
        Fs.writeSync(fd, `${process.pid}\n`)
        Fs.closeSync(fd)
        return
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST" || attempt > 0) throw e
        const holder = Number.parseInt(Fs.readFileSync(lockPath, "utf8"), 10)
        if (Number.isSafeInteger(holder) && holder !== process.pid && pidAlive(holder)) {
          throw new AgentError({
            message: `journal ${path} is in use by another signet-beacon (pid ${holder}); stop it first`,
            reason: "LOCKED"
          })
        }
        Fs.rmSync(lockPath, { force: true }) // left by a process that is gone
      }
    }
  }
  return Effect.acquireRelease(
    Effect.try({ try: take, catch: (e) => (e instanceof AgentError ? e : ioError(lockPath, e)) }),
    () =>
      Effect.sync(() => {
        try {
          if (Number.parseInt(Fs.readFileSync(lockPath, "utf8"), 10) === process.pid) Fs.rmSync(lockPath)
        } catch {
          // already gone
        }
      })
  )
}

const proofLine = (proof: SignedProof, atMs: number): string =>
  `${JSON.stringify({ type: "proof", at_ms: atMs, proof } satisfies ProofRecord)}\n`

/**
 * Opens the journal for `run`: takes the lock, reads it, compacts it (rewrites it with only
 * the undelivered proofs, which also drops a torn last line) and opens it for appending. The
 * lock and the file are released with the scope.
 */
export const openJournal = (path: string): Effect.Effect<Journal, AgentError, Scope.Scope> =>
  Effect.gen(function* () {
    yield* lock(path)
    const initial = yield* readJournal(path)
    const pending = new Map<string, SignedProof>(initial.pending.map((p) => [p.nonce, p]))
    let records = 0
    let fd = -1
    const rewrite = () => {
      const proofs = [...pending.values()]
      writePrivateFileSync(path, proofs.map((p) => proofLine(p, Date.now())).join(""))
      if (fd >= 0) Fs.closeSync(fd)
      fd = Fs.openSync(path, "a", 0o600)
      records = proofs.length
    }
    yield* Effect.acquireRelease(Effect.try({ try: rewrite, catch: (e) => ioError(path, e) }), () =>
      Effect.sync(() => {
        if (fd >= 0) Fs.closeSync(fd)
        fd = -1
      })
    )
    const append = (line: string) =>
      Effect.try({
        try: () => {
          Fs.writeSync(fd, line)
          Fs.fsyncSync(fd)
          records++
        },
        catch: (e) => ioError(path, e)
      })
    return {
      path,
      initial,
      appendProof: (proof) =>
        Effect.zipRight(
          append(proofLine(proof, Date.now())),
          Effect.sync(() => pending.set(proof.nonce, proof))
        ),
      appendDone: (proof, answer) =>
        Effect.gen(function* () {
          const rec: DoneRecord = {
            type: "done",
            at_ms: Date.now(),
            counter: proof.counter,
            nonce: proof.nonce,
            ...answer
          }
          yield* append(`${JSON.stringify(rec)}\n`)
          pending.delete(proof.nonce)
          if (records >= COMPACT_AFTER && pending.size * 2 < records)
            yield* Effect.try({ try: rewrite, catch: (e) => ioError(path, e) })
        }),
      pendingCount: Effect.sync(() => pending.size)
    } satisfies Journal
  })
