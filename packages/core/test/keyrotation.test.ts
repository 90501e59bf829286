import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Crypto, KeyRotation } from "@signet/core"
import { ownerQuery, testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { TestDbUrl, testCore } from "./support.js"

const column: KeyRotation.EncryptedColumn = {
  table: "rotation_probe",
  keyColumns: ["tenant_id", "id"],
  column: "secret",
  aad: (row) => `tenant:${row.tenant_id}:rotation_probe:${row.id}`
}

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Master key rotation on ${dialect}`, (it) => {
    it.effect("re-wraps every registered ciphertext under the new key; old key can then be retired", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const url = yield* TestDbUrl
        const ddl =
          "CREATE TABLE rotation_probe (tenant_id TEXT NOT NULL, id TEXT NOT NULL, secret TEXT, PRIMARY KEY (tenant_id, id))"
        // The application role may not create tables on Postgres: the owner does, as migrations would.
        if (dialect === "pg") yield* Effect.promise(() => ownerQuery(url, ddl))
        else yield* sql.unsafe(ddl)
        const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-rot-"))
        const file = Path.join(dir, "master.key")
        const k1 = Crypto.generateMasterKey()
        Crypto.writeKeyFile(file, { version: 1, current: k1.id, keys: { [k1.id]: k1.base64 } })
        const before = Crypto.makeEnvelope(yield* Crypto.readKeyFile(file))
        for (const [t, id] of [
          ["t1", "a"],
          ["t1", "b"],
          ["t2", "a"]
        ] as const) {
          const ct = yield* before.encrypt(`secret-${t}-${id}`, column.aad({ tenant_id: t, id }))
          yield* sql`INSERT INTO rotation_probe (tenant_id, id, secret) VALUES (${t}, ${id}, ${ct})`
        }
        const { current, previous } = yield* KeyRotation.addMasterKey(file)
        expect(previous).toBe(k1.id)
        expect(Fs.statSync(file).mode & 0o777).toBe(0o600)
        const after = Crypto.makeEnvelope(yield* Crypto.readKeyFile(file))
        expect(after.currentKeyId).toBe(current)
        const report = yield* KeyRotation.rewrapAll(after, [column])
        expect(report).toEqual({ columns: 1, rewrapped: 3, alreadyCurrent: 0 })
        expect(yield* KeyRotation.rewrapAll(after, [column])).toEqual({ columns: 1, rewrapped: 0, alreadyCurrent: 3 })
        expect(yield* KeyRotation.retireOldKeys(file)).toEqual([k1.id])
        const onlyNew = Crypto.makeEnvelope(yield* Crypto.readKeyFile(file))
        const rows = yield* sql<{
          tenant_id: string
          id: string
          secret: string
        }>`SELECT * FROM rotation_probe ORDER BY tenant_id, id`
        for (const row of rows) {
          expect(yield* onlyNew.keyIdOf(row.secret)).toBe(current)
          expect((yield* onlyNew.decrypt(row.secret, column.aad(row))).toString()).toBe(
            `secret-${row.tenant_id}-${row.id}`
          )
        }
        Fs.rmSync(dir, { recursive: true })
      })
    )
  })
}
