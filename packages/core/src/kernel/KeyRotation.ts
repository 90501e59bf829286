/**
 * Master key rotation (ARCHITECTURE §3 "Secrets at rest"; `signet keys
 * rotate-master`).
 *
 * Rotation adds a new master key as current and re-wraps the data key of
 * every ciphertext in every registered encrypted column under it; payloads
 * are not re-encrypted (envelope encryption). Old keys stay in the key file
 * until `--retire` removes them after a successful re-wrap, so a crash half
 * way leaves every value decryptable.
 *
 * Modules register their encrypted columns in {@link ENCRYPTED_COLUMNS}.
 *
 * @module
 */

import * as Fs from "node:fs"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type Envelope, generateMasterKey, type KeyFile, readKeyFile, writeKeyFile } from "./Crypto.js"

/** A column holding envelope ciphertexts. */
export interface EncryptedColumn {
  /** Table name. */
  readonly table: string
  /** Columns that identify a row (e.g. `["tenant_id", "id"]`). */
  readonly keyColumns: ReadonlyArray<string>
  /** The ciphertext column. */
  readonly column: string
  /** The AAD the value was encrypted with, rebuilt from the row's key columns. */
  readonly aad: (row: Record<string, unknown>) => string
}

/**
 * Every encrypted column of every module. Empty until a module stores
 * secrets (identity: signing keys and TOTP seeds; beacon: TOTP secrets).
 */
export const ENCRYPTED_COLUMNS: Array<EncryptedColumn> = []

/** Result of a re-wrap pass. */
export interface RewrapReport {
  readonly columns: number
  readonly rewrapped: number
  readonly alreadyCurrent: number
}

/**
 * Re-wraps every value of the given columns under the envelope's current
 * key. Run it with an owner connection on Postgres (row-level security would
 * otherwise hide tenant rows). Each row is updated on its own, so the pass is
 * restartable.
 */
export const rewrapAll = (
  envelope: Envelope["Type"],
  columns: ReadonlyArray<EncryptedColumn> = ENCRYPTED_COLUMNS
): Effect.Effect<RewrapReport, unknown, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    let rewrapped = 0
    let alreadyCurrent = 0
    for (const col of columns) {
      const rows = yield* sql.unsafe<Record<string, unknown>>(
        `SELECT ${[...col.keyColumns, col.column].join(", ")} FROM ${col.table} WHERE ${col.column} IS NOT NULL`
      )
      for (const row of rows) {
        const value = String(row[col.column])
        if ((yield* envelope.keyIdOf(value)) === envelope.currentKeyId) {
          alreadyCurrent++
          continue
        }
        const next = yield* envelope.rewrap(value, col.aad(row))
        const where = col.keyColumns.map((k, i) => `${k} = $${i + 2}`).join(" AND ")
        const params = [next, ...col.keyColumns.map((k) => row[k])]
        yield* sql.onDialectOrElse({
          pg: () => sql.unsafe(`UPDATE ${col.table} SET ${col.column} = $1 WHERE ${where}`, params),
          orElse: () =>
            sql.unsafe(
              `UPDATE ${col.table} SET ${col.column} = ? WHERE ${col.keyColumns.map((k) => `${k} = ?`).join(" AND ")}`,
              params
            )
        })
        rewrapped++
      }
    }
    return { columns: columns.length, rewrapped, alreadyCurrent }
  })

/**
 * Adds a freshly generated master key to a key file as the current key
 * (mode 0600 kept; previous keys retained). Returns the new key id.
 */
export const addMasterKey = (path: string) =>
  Effect.map(readKeyFile(path), (ring) => {
    const key = generateMasterKey()
    const file = JSON.parse(Fs.readFileSync(path, "utf8")) as KeyFile
    writeKeyFile(path, { version: 1, current: key.id, keys: { ...file.keys, [key.id]: key.base64 } }, true)
    return { previous: ring.current, current: key.id }
  })

/** Removes every key but the current one from a key file. */
export const retireOldKeys = (path: string) =>
  Effect.map(readKeyFile(path), (ring) => {
    const file = JSON.parse(Fs.readFileSync(path, "utf8")) as KeyFile
    const current = file.keys[ring.current]!
    writeKeyFile(path, { version: 1, current: ring.current, keys: { [ring.current]: current } }, true)
    return [...ring.keys.keys()].filter((k) => k !== ring.current)
  })
