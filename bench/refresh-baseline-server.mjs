#!/usr/bin/env node
/**
 * The bare baseline of bench/login.mjs's refresh figure: `node:http` and
 * better-sqlite3 (WAL, synchronous=FULL) doing what a Signet refresh does —
 * in one immediate transaction redeem the presented token (conditional
 * UPDATE … RETURNING), read the session with its user, touch the session,
 * store the successor token (hashed) — then sign an ES256 access token with
 * node:crypto. No framework, no validation library, no audit or events.
 *
 *   node bench/refresh-baseline-server.mjs <database file> <sessions>
 *
 * Prints one JSON line `{ "url": …, "tokens": [ …one refresh token per session… ] }`
 * and serves `POST /refresh` (`{ "refresh_token": … }`) until killed.
 */
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const Database = createRequire(Path.join(root, "package.json"))("better-sqlite3")
const [file, sessionsArg] = process.argv.slice(2)
const SESSIONS = Number(sessionsArg ?? 16)
const TENANT = Crypto.randomUUID()
const DAY = 86_400_000

const db = new Database(file)
db.pragma("journal_mode = WAL")
db.pragma("synchronous = FULL")
db.pragma("foreign_keys = ON")
db.exec(`
  CREATE TABLE users (tenant_id TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, user_type TEXT NOT NULL,
    deleted_at TEXT, PRIMARY KEY (tenant_id, id));
  CREATE TABLE user_sessions (tenant_id TEXT NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL, ip TEXT,
    created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id));
  CREATE TABLE refresh_tokens (tenant_id TEXT NOT NULL, token_hash TEXT NOT NULL, session_id TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, session_id) REFERENCES user_sessions (tenant_id, id));
`)
const iso = (ms) => new Date(ms).toISOString()
const sha256 = (s) => Crypto.createHash("sha256").update(s).digest("hex")
const newToken = () => `sgr_${Crypto.randomBytes(32).toString("base64url")}`

const insertToken = db.prepare(
  "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)"
)
const tokens = []
const seed = db.transaction(() => {
  const now = Date.now()
  for (let i = 0; i < SESSIONS; i++) {
    const user = Crypto.randomUUID()
    const session = Crypto.randomUUID()
    db.prepare("INSERT INTO users (tenant_id, id, status, user_type) VALUES (?, ?, 'active', 'teacher')").run(
      TENANT,
      user
    )
    db.prepare(
      "INSERT INTO user_sessions (tenant_id, id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"
    ).run(TENANT, session, user, iso(now), iso(now), iso(now + 7 * DAY))
    const token = newToken()
    insertToken.run(TENANT, sha256(token), session, iso(now), iso(now + 7 * DAY))
    tokens.push(token)
  }
})
seed()

const redeem =
  db.prepare(`UPDATE refresh_tokens SET used_at = ? WHERE tenant_id = ? AND token_hash = ? AND used_at IS NULL
  AND expires_at > ? RETURNING session_id`)
const sessionOf = db.prepare(`SELECT u.*, s.revoked_at AS session_revoked_at, s.expires_at AS session_expires_at
  FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
  WHERE s.tenant_id = ? AND s.id = ? AND u.deleted_at IS NULL`)
const touch = db.prepare(
  "UPDATE user_sessions SET last_seen_at = ?, expires_at = ?, ip = ? WHERE tenant_id = ? AND id = ?"
)
const rotate = db.transaction((hash, ip) => {
  const now = Date.now()
  const redeemed = redeem.get(iso(now), TENANT, hash, iso(now))
  if (!redeemed) return null
  const row = sessionOf.get(TENANT, redeemed.session_id)
  if (!row || row.session_revoked_at !== null || Date.parse(row.session_expires_at) <= now || row.status !== "active")
    return null
  touch.run(iso(now), iso(now + 7 * DAY), ip, TENANT, redeemed.session_id)
  const token = newToken()
  insertToken.run(TENANT, sha256(token), redeemed.session_id, iso(now), iso(now + 7 * DAY))
  return { token, user: row, session: redeemed.session_id }
})

const { privateKey } = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url")
const header = b64({ alg: "ES256", kid: "baseline", typ: "at+jwt" })
const accessToken = (user, session) => {
  const now = Math.floor(Date.now() / 1000)
  const body = `${header}.${b64({
    sub: user.id,
    tid: TENANT,
    tenant_slug: "bench",
    user_type: user.user_type,
    roles: ["teacher"],
    sid: session,
    iss: "signet",
    aud: "signet-api",
    iat: now,
    exp: now + 900,
    jti: Crypto.randomUUID()
  })}`
  const signature = Crypto.sign("sha256", Buffer.from(body), { key: privateKey, dsaEncoding: "ieee-p1363" })
  return `${body}.${signature.toString("base64url")}`
}

const server = Http.createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    }
    let presented
    try {
      presented = JSON.parse(Buffer.concat(chunks).toString("utf8")).refresh_token
    } catch {
      return send(400, { message: "bad body" })
    }
    if (req.method !== "POST" || req.url !== "/refresh" || typeof presented !== "string")
      return send(400, { message: "bad request" })
    const out = rotate.immediate(sha256(presented), req.socket.remoteAddress ?? null)
    if (!out) return send(401, { message: "invalid or expired refresh token" })
    send(200, {
      access_token: accessToken(out.user, out.session),
      refresh_token: out.token,
      token_type: "Bearer",
      expires_in: 900,
      refresh_expires_in: 7 * 86_400,
      session_id: out.session
    })
  })
})
server.keepAliveTimeout = 5_000
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, tokens })}\n`)
})
