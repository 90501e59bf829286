#!/usr/bin/env node
/**
 * Bundles the repository's `signet` command (packages/cli/dist/main.js, the
 * output of `tsc -b`) into one ES module, packages/cli/dist/signet.bundle.mjs,
 * which packages/cli/bin/signet.js runs while it is newer than every file of
 * the compiled packages it holds (issue 23: the repository CLI took ~1.2 s per
 * command on a quiet machine, 2.2 s on a loaded one, most of it Node resolving
 * and reading ~1,900 module files).
 *
 *   node scripts/bundle-cli.mjs          (run by `npm ci`, `npm run build` and `npm test`)
 *
 * In the bundle: Signet's own packages (`@signet/*`) and the pure ES-module
 * libraries that make up most of the file count (Effect, fast-check, which
 * Effect's Schema loads, jose, Stripe's SDK, libphonenumber-js, markdown-it,
 * Connect and protobuf-es, …; `BUNDLED`; a family whose packages share
 * classes, such as `@connectrpc/*` or `@effect/*`, is bundled whole, so no
 * external package holds a second copy of a class the bundle checks with
 * `instanceof`). Everything else stays an import from node_modules, exactly
 * as the unbundled command loads it: native addons (better-sqlite3,
 * @node-rs/argon2, msgpackr-extract), CommonJS packages that read files
 * beside themselves at run time (gRPC's proto files, …) and the rest. The
 * single binary has its own, complete bundle (scripts/build-binary.mjs).
 *
 * Writes nothing but the bundle; fails (exit 1) when esbuild reports an error.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const entry = Path.join(root, "packages/cli/dist/main.js")
const outfile = Path.join(root, "packages/cli/dist/signet.bundle.mjs")

/** Bare import specifiers bundled (the package name, or its scope followed by `/`); the rest stay external. */
const BUNDLED = [
  "@signet/",
  "effect",
  "@effect/",
  "fast-check",
  "pure-rand",
  "jose",
  "stripe",
  "libphonenumber-js",
  "markdown-it",
  "mdurl",
  "uc.micro",
  "linkify-it",
  "entities",
  "punycode.js",
  "uuid",
  "csv-parse",
  "csv-stringify",
  "@noble/",
  "multipasta",
  "find-my-way-ts",
  "@bufbuild/",
  "@connectrpc/"
]

/** The package a bare specifier names (`@scope/name` or `name`). */
const packageOf = (spec) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/")

const bundled = (spec) => {
  const pkg = packageOf(spec)
  return BUNDLED.some((b) => (b.endsWith("/") ? pkg.startsWith(b) : pkg === b))
}

if (!Fs.existsSync(entry)) {
  console.error(`bundle-cli: ${Path.relative(root, entry)} is missing; run \`tsc -b\` first`)
  process.exit(1)
}

const started = performance.now()
const result = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile,
  // Bundled CommonJS modules (if any) `require` Node's built-ins through this.
  banner: {
    js: 'import { createRequire as __signetRequire } from "node:module";\nconst require = __signetRequire(import.meta.url);'
  },
  legalComments: "none",
  logLevel: "silent",
  plugins: [
    {
      name: "signet-externals",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => {
          if (a.path.startsWith("node:") || bundled(a.path)) return undefined
          return { path: a.path, external: true }
        })
      }
    }
  ]
})
for (const e of [...result.errors, ...result.warnings]) {
  const where = e.location ? ` (${e.location.file}:${e.location.line})` : ""
  console.error(`bundle-cli: ${e.text}${where}`)
}
if (result.errors.length > 0) process.exit(1)
const bytes = Fs.statSync(outfile).size
console.log(
  `bundle-cli: ${Path.relative(root, outfile)} (${(bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`
)
