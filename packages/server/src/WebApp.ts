/**
 * Serves the web app (issue 17) built by `@signet/web` into its `dist/`, or
 * embedded in the single binary (assets `web/…` listed by `web.json`):
 *
 * - `/`, `/t/{slug}/…`, `/platform/…` (the platform operators' pages): the
 *   app's `index.html` (`Cache-Control: no-cache`), the client-side router
 *   takes it from there;
 * - `/assets/…`: hashed, immutable files (`max-age` one year, `immutable`);
 * - `/sw.js`, `/manifest.webmanifest`, `/icon.svg`, `/icon-192.png`,
 *   `/icon-512.png`: the PWA's files (Chromium's installability wants PNG
 *   icons of 192 and 512 pixels).
 *
 * Files are read once at start and kept in memory with their brotli and gzip
 * forms (written at build time by `scripts/compress.mjs`), chosen by
 * `Accept-Encoding`. The CSP of these responses is the web app's
 * ({@link WEB_CSP} in Middleware.ts): scripts and styles of this origin only,
 * no `unsafe-inline`, no other host.
 *
 * @module
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"

/** One file of the app, with its precompressed forms. */
export interface WebFile {
  readonly body: Uint8Array
  readonly br: Uint8Array | undefined
  readonly gz: Uint8Array | undefined
  readonly type: string
}

/** The app's files by path (`/index.html`, `/assets/index-abc.js`, …). */
export type WebFiles = ReadonlyMap<string, WebFile>

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8"
}

const typeOf = (name: string) => TYPES[Path.extname(name)] ?? "application/octet-stream"

/** Reads a built `dist/` directory (without its `.br`/`.gz` siblings as files of their own). */
export const readWebDir = (dir: string): WebFiles => {
  const files = new Map<string, WebFile>()
  const walk = (d: string) => {
    for (const e of Fs.readdirSync(d, { withFileTypes: true })) {
      const p = Path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (!/\.(br|gz)$/.test(e.name)) {
        const read = (q: string) => (Fs.existsSync(q) ? new Uint8Array(Fs.readFileSync(q)) : undefined)
        files.set(`/${Path.relative(dir, p).split(Path.sep).join("/")}`, {
          body: new Uint8Array(Fs.readFileSync(p)),
          br: read(`${p}.br`),
          gz: read(`${p}.gz`),
          type: typeOf(e.name)
        })
      }
    }
  }
  walk(dir)
  return files
}

/** The files embedded in the single binary (`web.json` lists them), if this is one. */
const readSea = (): WebFiles | undefined => {
  try {
    const sea = process.getBuiltinModule?.("node:sea") as {
      isSea(): boolean
      getRawAsset(name: string): ArrayBuffer
      getAsset(name: string, encoding: string): string
    }
    if (!sea?.isSea()) return undefined
    const list = JSON.parse(sea.getAsset("web.json", "utf8")) as ReadonlyArray<string>
    const raw = (name: string) => {
      try {
        return new Uint8Array(sea.getRawAsset(name))
      } catch {
        return undefined
      }
    }
    const files = new Map<string, WebFile>()
    for (const path of list) {
      const gz = raw(`web${path}.gz`)
      // Files with a gzip form are embedded compressed only: the plain body is their gunzip.
      const body = raw(`web${path}`) ?? (gz ? new Uint8Array(Zlib.gunzipSync(gz)) : undefined)
      if (body) files.set(path, { body, br: raw(`web${path}.br`), gz, type: typeOf(path) })
    }
    return files
  } catch {
    return undefined
  }
}

// The module's own location: `import.meta.url` here, `__filename` in the single binary's CommonJS bundle.
const __filename_or_url = (): string => (typeof __filename === "string" ? __filename : import.meta.url)

/**
 * The app's files: embedded ones in the single binary, else `dir` when
 * given, else `@signet/web`'s `dist/`. Undefined when there is no build (the
 * server then answers the API only, and `/` says how to build the app).
 */
export const loadWebFiles = (dir?: string): WebFiles | undefined => {
  const sea = readSea()
  if (sea) return sea
  try {
    const root =
      dir ?? Path.join(Path.dirname(createRequire(__filename_or_url()).resolve("@signet/web/package.json")), "dist")
    return Fs.existsSync(Path.join(root, "index.html")) ? readWebDir(root) : undefined
  } catch {
    return undefined
  }
}

const IMMUTABLE = "public, max-age=31536000, immutable"

/** The response for one file, compressed as the client accepts. */
const respond = (request: HttpServerRequest.HttpServerRequest, file: WebFile, cacheControl: string) => {
  const accept = request.headers["accept-encoding"] ?? ""
  const [body, encoding] =
    file.br && /\bbr\b/.test(accept)
      ? [file.br, "br"]
      : file.gz && /\bgzip\b/.test(accept)
        ? [file.gz, "gzip"]
        : [file.body, undefined]
  return HttpServerResponse.uint8Array(body, {
    contentType: file.type,
    headers: {
      "cache-control": cacheControl,
      vary: "accept-encoding",
      ...(encoding ? { "content-encoding": encoding } : {})
    }
  })
}

const NO_BUILD = `<!doctype html><meta charset="utf-8"><title>Signet</title><p>The web app is not built. Run <code>npm run build</code> (or <code>npm ci</code>) and restart <code>signet serve</code>; the API is at <a href="/docs">/docs</a>.</p>`

/** The PWA's files at the root (served as they are, `no-cache`). */
const PWA_FILES = ["/sw.js", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png"] as const

/** Paths the web app answers (for route labels): its own files and its client-side routes. */
export const WEB_ROUTES = ["/", "/t/*", "/platform", "/platform/*", "/assets/*", ...PWA_FILES] as const

/** Whether a request path is one of the web app's (its responses get the web app's CSP). */
export const isWebPath = (path: string): boolean =>
  path === "/" ||
  path.startsWith("/t/") ||
  path === "/platform" ||
  path.startsWith("/platform/") ||
  path.startsWith("/assets/") ||
  (PWA_FILES as ReadonlyArray<string>).includes(path)

/** The web app's routes over `files` (a page saying how to build it when there are none). */
export const webRoutes = (files: WebFiles | undefined) => {
  const index = files?.get("/index.html")
  const page = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.succeed(
      index
        ? respond(request, index, "no-cache")
        : HttpServerResponse.html(NO_BUILD).pipe(HttpServerResponse.setHeader("cache-control", "no-store"))
    )
  )
  const asset = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname)
    const file = files?.get(path)
    if (!file || path.includes("..")) return Effect.succeed(HttpServerResponse.empty({ status: 404 }))
    return Effect.succeed(respond(request, file, path.startsWith("/assets/") ? IMMUTABLE : "no-cache"))
  })
  return Layer.mergeAll(
    HttpLayerRouter.add("GET", "/", page),
    HttpLayerRouter.add("GET", "/t/*", page),
    HttpLayerRouter.add("GET", "/platform", page),
    HttpLayerRouter.add("GET", "/platform/*", page),
    HttpLayerRouter.add("GET", "/assets/*", asset),
    ...PWA_FILES.map((path) => HttpLayerRouter.add("GET", path, asset))
  )
}
