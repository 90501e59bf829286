"use strict"
/**
 * Run-time side of the single executable's embedded assets (bundled into the
 * application by scripts/build-binary.mjs; never loaded from the repository).
 *
 * Assets may be brotli-compressed (name ending in `.br`); the manifest asset
 * `sea.json` says, for each native addon, which asset holds it and its SHA-256.
 *
 * Native addons:
 * A `.node` file can only be loaded from a real file (`dlopen`), so each addon
 * embedded as a SEA asset is written once to a content-addressed cache path
 *
 *   $SIGNET_ADDON_DIR/<sha256>/<name>
 *   else $XDG_CACHE_HOME/signet/addons/<sha256>/<name>
 *   else ~/.cache/signet/addons/<sha256>/<name>
 *   else <os tmpdir>/signet-<uid>/addons/<sha256>/<name>
 *
 * (the first location that can be written and whose directories are owned by
 * the user and not writable by others; directories 0700, files 0500, written
 * to a temporary name then renamed, so concurrent first starts are safe) and
 * loaded from there with `process.dlopen`. A cached file is used
 * only when its SHA-256 matches the embedded one, so a truncated or altered
 * file is rewritten, never loaded.
 *
 * The SHA-256 comes from the manifest (computed at build time), so a start
 * with a warm cache hashes only the cached file and never decompresses.
 */
const Crypto = require("node:crypto")
const Fs = require("node:fs")
const Os = require("node:os")
const Path = require("node:path")
const Zlib = require("node:zlib")

let manifest
const loaded = new Map()

const sea = () => {
  // `node:sea` exists from Node 20.12 / 21.7 on; outside a single executable
  // `isSea()` is false and no asset can be read.
  const m = require("node:sea")
  if (!m.isSea()) throw new Error("embedded native addons are only available inside the single executable")
  return m
}

const readManifest = () => {
  if (manifest === undefined) manifest = JSON.parse(sea().getAsset("sea.json", "utf8"))
  return manifest
}

/** Bytes of asset `name`, decompressed when it ends in `.br`. */
const assetBytes = (name) => {
  const raw = Buffer.from(sea().getRawAsset(name))
  return name.endsWith(".br") ? Zlib.brotliDecompressSync(raw) : raw
}

/** Text of asset `name` (UTF-8, decompressed when it ends in `.br`). */
const assetText = (name) => assetBytes(name).toString("utf8")

/**
 * Cache directories to try, each with the directory above which every
 * directory must be ours: a parent owned by someone else could swap the file
 * between the hash check and `dlopen`.
 */
const candidates = () => {
  const dirs = []
  const env = process.env
  if (env.SIGNET_ADDON_DIR) {
    const dir = Path.resolve(env.SIGNET_ADDON_DIR)
    dirs.push({ dir, trusted: Path.dirname(dir) })
  }
  if (env.XDG_CACHE_HOME && Path.isAbsolute(env.XDG_CACHE_HOME)) {
    dirs.push({ dir: Path.join(env.XDG_CACHE_HOME, "signet", "addons"), trusted: env.XDG_CACHE_HOME })
  }
  let home
  try {
    home = Os.homedir()
  } catch {}
  if (home) dirs.push({ dir: Path.join(home, ".cache", "signet", "addons"), trusted: home })
  const uid = typeof process.getuid === "function" ? process.getuid() : "user"
  dirs.push({ dir: Path.join(Os.tmpdir(), `signet-${uid}`, "addons"), trusted: Os.tmpdir() })
  return dirs
}

const sha256File = (file) => {
  try {
    return Crypto.createHash("sha256").update(Fs.readFileSync(file)).digest("hex")
  } catch {
    return undefined
  }
}

/** Every directory from `dir` up to (not including) `trusted` is ours and not writable by others. */
const checkOwned = (dir, trusted) => {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined
  for (let d = dir; d !== trusted && d !== Path.dirname(d); d = Path.dirname(d)) {
    const st = Fs.lstatSync(d)
    if (!st.isDirectory()) throw new Error(`${d} is not a directory`)
    if (uid !== undefined && st.uid !== uid) throw new Error(`${d} is owned by another user`)
    if ((st.mode & 0o022) !== 0) throw new Error(`${d} is writable by others`)
  }
}

/** Path of a verified copy of addon `name`, writing it if needed. */
const materialize = (name) => {
  const entry = readManifest().addons[name]
  if (!entry) throw new Error(`no embedded native addon ${name}`)
  const hash = entry.sha256
  const errors = []
  for (const { dir: base, trusted } of candidates()) {
    const dir = Path.join(base, hash)
    const file = Path.join(dir, name)
    try {
      Fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      checkOwned(dir, trusted)
      if (sha256File(file) === hash) return file
      const bytes = assetBytes(entry.asset)
      if (Crypto.createHash("sha256").update(bytes).digest("hex") !== hash) {
        throw new Error(`embedded ${entry.asset} does not match its manifest`)
      }
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
      Fs.writeFileSync(tmp, bytes, { mode: 0o500 })
      Fs.renameSync(tmp, file)
      return file
    } catch (e) {
      errors.push(`${dir}: ${e?.message ?? e}`)
    }
  }
  throw new Error(
    `could not write native addon ${name} to any cache directory (set SIGNET_ADDON_DIR to a writable, executable directory):\n  ${errors.join("\n  ")}`
  )
}

/**
 * Outside a single executable, only for the build's code-cache training
 * (scripts/sea/code-cache.cjs): addon name → file, from SIGNET_SEA_TRAINING_ADDONS.
 */
const trainingFile = (name) => {
  const m = require("node:sea")
  if (m.isSea() || !process.env.SIGNET_SEA_TRAINING_ADDONS) return undefined
  return JSON.parse(process.env.SIGNET_SEA_TRAINING_ADDONS)[name]
}

/** `exports` of the embedded addon `name` (for example "better_sqlite3.node"), loaded once. */
const loadAddon = (name) => {
  let exports = loaded.get(name)
  if (exports === undefined) {
    const file = trainingFile(name) ?? materialize(name)
    const module = { exports: {} }
    try {
      process.dlopen(module, file)
    } catch (e) {
      const hint = /failed to map segment|operation not permitted/i.test(String(e?.message))
        ? " (is the directory on a noexec mount? set SIGNET_ADDON_DIR to another directory)"
        : ""
      e.message = `could not load native addon ${file}${hint}: ${e.message}`
      throw e
    }
    exports = module.exports
    loaded.set(name, exports)
  }
  return exports
}

/**
 * An object whose listed properties load the addon on first use, so that a
 * command which never hashes a password never loads argon2.
 */
const lazyAddon = (name, keys) => {
  const target = {}
  for (const key of keys) {
    Object.defineProperty(target, key, { enumerable: true, get: () => loadAddon(name)[key] })
  }
  return target
}

/**
 * An object whose property `key` is the text of asset `name`, read on first
 * use (for a module whose export is a large string, such as the Scalar
 * bundle of @effect/platform's /docs page).
 */
const lazyText = (key, name) => {
  let text
  const read = () => {
    const file = trainingFile(name)
    return file ? Zlib.brotliDecompressSync(Fs.readFileSync(file)).toString("utf8") : assetText(name)
  }
  return Object.defineProperty({}, key, { enumerable: true, get: () => (text ??= read()) })
}

/**
 * `module.exports` of a CommonJS bundle embedded as the brotli text asset
 * `name` (a module the build made lazy, such as undici or nodemailer),
 * evaluated once, on first use: the bundle and its code cache do not carry
 * it, and the binary holds it compressed. Its `require` is the single
 * executable's own (Node's built-in modules); everything else is inside it.
 */
const lazyModule = (name) => {
  let exports = loaded.get(name)
  if (exports === undefined) {
    const file = trainingFile(name)
    const code = file ? Zlib.brotliDecompressSync(Fs.readFileSync(file)).toString("utf8") : assetText(name)
    const module = { exports: {} }
    const run = require("node:vm").compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], {
      filename: name
    })
    run(module.exports, require, module, name, ".")
    exports = module.exports
    loaded.set(name, exports)
  }
  return exports
}

module.exports = { loadAddon, lazyAddon, lazyText, lazyModule, assetText }
