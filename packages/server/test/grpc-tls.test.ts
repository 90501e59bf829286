/**
 * TLS and mutual TLS on the gRPC listener (issue 21 §3, seed 004 "mTLS
 * between services"): a throwaway CA, server and client certificates made
 * with the `openssl` CLI at test time; a real `@grpc/grpc-js` client. And the
 * `SIGNET_GRPC_TLS_*` configuration's refusals. SQLite and Postgres.
 */

import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Grpc from "@grpc/grpc-js"
import * as ProtoLoader from "@grpc/proto-loader"
import { testDialects } from "@signet/core/testing"
import { GrpcEndpoint, grpcTlsConfig, LOADER_OPTIONS, PROTO_FILES, protoDir } from "@signet/server"
import { loginToken, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"

const dir = protoDir()
// biome-ignore lint/suspicious/noExplicitAny: grpc-js's loaded package object is untyped
const proto = Grpc.loadPackageDefinition(
  ProtoLoader.loadSync(
    PROTO_FILES.map((f) => Path.join(dir, f)),
    { ...LOADER_OPTIONS, includeDirs: [dir] }
  )
) as any

/** A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA; and a stranger CA's client certificate. */
const pki = (() => {
  const at = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-grpc-tls-"))
  const file = (name: string) => Path.join(at, name)
  const openssl = (...args: Array<string>) => execFileSync("openssl", args, { stdio: "pipe" })
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
  const ca = (name: string) =>
    openssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.crt`),
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign"
    )
  const leaf = (name: string, issuer: string, ext: string) => {
    openssl("req", ...key, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", `/CN=${name}`)
    Fs.writeFileSync(file(`${name}.ext`), ext)
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file(`${issuer}.crt`),
      "-CAkey",
      file(`${issuer}.key`),
      "-CAcreateserial",
      "-out",
      file(`${name}.crt`),
      "-days",
      "1",
      "-extfile",
      file(`${name}.ext`)
    )
  }
  ca("test-ca")
  ca("stranger-ca")
  leaf("server", "test-ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
  leaf("client", "test-ca", "extendedKeyUsage=clientAuth\n")
  leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n")
  const read = (name: string) => Fs.readFileSync(file(name), "utf8")
  return { file, read }
})()

const serverTls = (mutual: boolean) => ({
  cert: pki.read("server.crt"),
  key: Redacted.make(pki.read("server.key")),
  clientCa: mutual ? Option.some(pki.read("test-ca.crt")) : Option.none<string>()
})

/** ValidateToken over TLS with `client` as the client's certificate (or none): the status code, 0 when answered. */
const validate = (token: string, client?: "client" | "stranger") =>
  Effect.flatMap(GrpcEndpoint, ({ port }) =>
    Effect.promise(
      () =>
        new Promise<{ code: number; response?: { id: string } }>((resolve) => {
          const credentials = Grpc.credentials.createSsl(
            Buffer.from(pki.read("test-ca.crt")),
            client ? Buffer.from(pki.read(`${client}.key`)) : null,
            client ? Buffer.from(pki.read(`${client}.crt`)) : null
          )
          const c = new proto.core.api.v1.AuthService(`127.0.0.1:${Option.getOrThrow(port)}`, credentials)
          c.ValidateToken({ token }, { deadline: Date.now() + 10_000 }, (e: Grpc.ServiceError | null, r: unknown) => {
            c.close()
            resolve(e ? { code: e.code } : { code: 0, response: r as { id: string } })
          })
        })
    )
  )

/** A teacher's access token. */
const teacherToken = (slug: string) =>
  Effect.gen(function* () {
    yield* school(slug, { students: [], teachers: ["t1"] }, [])
    return yield* loginToken(slug, `t1@${slug}.example.edu`)
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, { grpcPort: Option.some(0), grpcTls: Option.some(serverTls(false)) }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`gRPC over TLS on ${dialect}`, (it) => {
    it.effect("a client trusting the CA calls ValidateToken over TLS", () =>
      Effect.gen(function* () {
        const token = yield* teacherToken("tls-plain")
        const r = yield* validate(token)
        expect(r.code).toBe(Grpc.status.OK)
        expect(r.response?.id).toMatch(/^[0-9a-f-]{36}$/)
      })
    )
  })

  layer(testServer(dialect, { grpcPort: Option.some(0), grpcTls: Option.some(serverTls(true)) }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`gRPC over mutual TLS on ${dialect}`, (it) => {
    it.effect("a client certificate signed by the client CA is accepted", () =>
      Effect.gen(function* () {
        const token = yield* teacherToken("mtls-ok")
        expect((yield* validate(token, "client")).code).toBe(Grpc.status.OK)
      })
    )

    it.effect("a client without a certificate is refused at the handshake", () =>
      Effect.gen(function* () {
        expect((yield* validate("any")).code).toBe(Grpc.status.UNAVAILABLE)
      })
    )

    it.effect("a client certificate of another CA is refused at the handshake", () =>
      Effect.gen(function* () {
        expect((yield* validate("any", "stranger")).code).toBe(Grpc.status.UNAVAILABLE)
      })
    )
  })
}

describe("SIGNET_GRPC_TLS_* configuration", () => {
  const load = (env: Record<string, string>) =>
    Effect.either(Effect.withConfigProvider(grpcTlsConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))

  it.effect("none of the variables is plaintext", () =>
    Effect.gen(function* () {
      expect(yield* load({})).toEqual(Either.right(Option.none()))
    })
  )

  it.effect("a certificate without its key is a configuration error", () =>
    Effect.gen(function* () {
      const r = yield* load({ SIGNET_GRPC_TLS_CERT: pki.file("server.crt") })
      expect(Either.isLeft(r) && String(r.left)).toContain("must be set together")
    })
  )

  it.effect("a client CA without certificate and key is a configuration error", () =>
    Effect.gen(function* () {
      const r = yield* load({ SIGNET_GRPC_TLS_CLIENT_CA: pki.file("test-ca.crt") })
      expect(Either.isLeft(r) && String(r.left)).toContain("must be set together")
    })
  )

  it.effect("an unreadable file is a configuration error naming the path", () =>
    Effect.gen(function* () {
      const missing = pki.file("no-such.key")
      const r = yield* load({ SIGNET_GRPC_TLS_CERT: pki.file("server.crt"), SIGNET_GRPC_TLS_KEY: missing })
      expect(Either.isLeft(r) && String(r.left)).toContain(`cannot read ${missing}`)
    })
  )

  it.effect("a file that is not PEM is a configuration error", () =>
    Effect.gen(function* () {
      const r = yield* load({
        SIGNET_GRPC_TLS_CERT: pki.file("server.ext"),
        SIGNET_GRPC_TLS_KEY: pki.file("server.key")
      })
      expect(Either.isLeft(r) && String(r.left)).toContain("is not a PEM file")
    })
  )

  it.effect("certificate, key and client CA are read as PEM", () =>
    Effect.gen(function* () {
      const r = yield* load({
        SIGNET_GRPC_TLS_CERT: pki.file("server.crt"),
        SIGNET_GRPC_TLS_KEY: pki.file("server.key"),
        SIGNET_GRPC_TLS_CLIENT_CA: pki.file("test-ca.crt")
      })
      const tls = Either.getOrThrow(r).pipe(Option.getOrThrow)
      expect(tls.cert).toContain("BEGIN CERTIFICATE")
      expect(Option.getOrThrow(tls.clientCa)).toContain("BEGIN CERTIFICATE")
    })
  )
})
