"use strict"
/**
 * Main script of the single executable (scripts/build-binary.mjs).
 *
 * The application is the SEA asset `app.js` (`app.js.gz`, gzipped, by default): the esbuild bundle wrapped as
 * `(function (exports, require, module, __filename, __dirname) { … })`. It is
 * compiled here with the V8 code cache `app.cache`, which the build made by
 * running the bundle's module initialisation once (scripts/sea/code-cache.cjs),
 * so the functions that run at start-up are already compiled; then `main()`
 * runs. SIGNET_SEA_DEBUG=1 prints whether V8 accepted the cache and how long
 * each step took.
 *
 * `signet --version` alone answers from the manifest's `version` (the CLI
 * package's, written by the build) without loading the application, as the
 * repository's bin/signet.js does (issue 23); with SIGNET_SEA_DEBUG set it
 * takes the full path, so the steps above are still reported.
 *
 * `require` here is the single executable's: built-in modules only, which is
 * all the bundle requires.
 */
const sea = require("node:sea")
const vm = require("node:vm")

const debug = process.env.SIGNET_SEA_DEBUG
  ? [`process start → main script ${performance.now().toFixed(1)} ms`]
  : undefined
let t = performance.now()
const lap = (what) => {
  if (!debug) return
  const now = performance.now()
  debug.push(`${what} ${(now - t).toFixed(1)} ms`)
  t = now
}

// The build marks a pure-ASCII bundle (esbuild escapes non-ASCII text), which
// decodes faster as latin1.
// It is gzipped in the blob unless built with --no-gzip-app (sea.json `appCompression`).
const { appEncoding, appCompression, version } = JSON.parse(sea.getAsset("sea.json", "utf8"))

const start = () => {
  const source = (
    appCompression === "gzip"
      ? require("node:zlib").gunzipSync(sea.getRawAsset("app.js.gz"))
      : Buffer.from(sea.getRawAsset("app.js"))
  ).toString(appEncoding)
  lap(appCompression === "gzip" ? "gunzip and decode" : "decode")
  let cachedData
  try {
    cachedData = Buffer.from(sea.getRawAsset("app.cache"))
  } catch {}
  const script = new vm.Script(source, {
    filename: "signet.js",
    cachedData
  })
  lap(
    `compile (code cache ${cachedData === undefined ? "absent" : script.cachedDataRejected ? "rejected" : "accepted"})`
  )
  const app = { exports: {} }
  script.runInThisContext()(app.exports, require, app, "signet.js", ".")
  lap("module initialisation")
  if (debug) process.stderr.write(`signet: ${debug.join(", ")}\n`)
  app.exports.main()
}

if (!debug && version !== undefined && process.argv.length === 3 && process.argv[2] === "--version") {
  process.stdout.write(`${version}\n`)
} else {
  start()
}
