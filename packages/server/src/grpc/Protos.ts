/**
 * The seeds' `.proto` files (issue 21 §3), loaded with `@grpc/proto-loader`:
 * `academics.proto`, `attendance.proto`, `identity.proto` (seed 004,
 * verbatim) and `core.proto` (seed 000 §6), kept in
 * `packages/contracts/proto/`. Inside the single binary they are embedded
 * assets (`proto/<name>.proto`), written to a private temporary directory
 * for the loader.
 *
 * @module
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import type * as ProtoLoader from "@grpc/proto-loader"

/** The proto files served, by file name. */
export const PROTO_FILES = ["academics.proto", "attendance.proto", "identity.proto", "core.proto"] as const

/**
 * How messages are decoded into JavaScript: field names as in the proto
 * (snake_case, like the RPC contracts), 64-bit integers as strings, enums as
 * their names, absent fields as their defaults.
 */
export const LOADER_OPTIONS: ProtoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true
}

/** The single executable's asset reader, when running as one. */
const seaAssets = (): { getAsset(name: string, encoding: string): string } | undefined => {
  const sea = process.getBuiltinModule?.("node:sea") as
    | { isSea(): boolean; getAsset(name: string, encoding: string): string }
    | undefined
  return sea?.isSea() ? sea : undefined
}

/** The directory holding the proto files: the contracts package's `proto/`, or a copy of the binary's assets. */
export const protoDir = (): string => {
  const sea = seaAssets()
  if (sea === undefined) {
    const contracts = createRequire(import.meta.url).resolve("@signet/contracts") // not reached in the binary
    return Path.resolve(Path.dirname(contracts), "../proto")
  }
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-proto-"))
  for (const name of PROTO_FILES) Fs.writeFileSync(Path.join(dir, name), sea.getAsset(`proto/${name}`, "utf8"))
  return dir
}

/** Loads every proto file into one package definition (`academics.api.v1.AcademicsQueryService`, …). */
export const loadProtos = (loader: typeof ProtoLoader): ProtoLoader.PackageDefinition => {
  const dir = protoDir()
  return loader.loadSync(
    PROTO_FILES.map((f) => Path.join(dir, f)),
    { ...LOADER_OPTIONS, includeDirs: [dir] }
  )
}
