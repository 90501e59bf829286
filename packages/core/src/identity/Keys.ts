/**
 * JWT signing keys and token signing/verification (RFC 7515/7519 through
 * `jose`; RFC 8725 JWT BCP; RFC 9068 `at+jwt` for access tokens).
 *
 * - Keys are ES256 (default) or EdDSA, identified by `kid`, stored with the
 *   private JWK envelope-encrypted (`signing_keys.private_key_enc`, AAD
 *   `signing_keys:<kid>`), published as a JWKS at `/.well-known/jwks.json`.
 * - Rotation adds a key and gives the previous one `retire_after = now +
 *   longest token lifetime`: it stops signing at once and keeps verifying until
 *   every token it signed has expired.
 * - Verification pins the algorithm list (no `none`, no HS*), the `typ`
 *   header per token kind, `iss`, `aud` and `exp`, and resolves `kid` only
 *   among known keys; an unknown `kid` reloads the key table once (another
 *   replica may have rotated) and otherwise fails. The key table is also
 *   re-read when it changed, checked at most every {@link KEY_REFRESH_MS}
 *   (a rotation by `signet keys rotate` in another process takes effect).
 * - Per-tenant keys (issue 3 §4, optional): `rotate(alg, grace, tenantId)`
 *   gives a tenant keys of its own. Its tokens (those whose `tid` is the
 *   tenant) are then signed with its newest key; a tenant key verifies only
 *   tokens of its tenant (a token of another tenant signed with it is
 *   refused); tokens signed with the platform key before stay valid until
 *   they expire. The tenant's JWKS ({@link SigningKeys} `jwksFor`) lists its
 *   keys and the platform's; `/.well-known/jwks.json` the platform's only.
 *   `dropTenantKeys` returns a tenant to the platform key.
 *
 * The keys are stored through the repository `repo/SigningKeys.ts`; the
 * service is split along its seams under `identity/keys/` (issue 14 §3).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Config, Effect } from "effect"
import { Envelope } from "../kernel/Crypto.js"
import { makeJwt } from "./keys/Jwt.js"
import { makePublication } from "./keys/Publication.js"
import { makeRotation } from "./keys/Rotation.js"
import { makeKeyStore } from "./keys/Store.js"
import { ALGORITHMS, type SigningAlg, SigningKeysRepo } from "./repo/SigningKeys.js"

export {
  KEY_REFRESH_MS,
  type PublicJwk,
  type SigningKeyInfo,
  signingKeyColumn,
  TOKEN_KINDS,
  type TokenKind
} from "./keys/Shared.js"
export { ALGORITHMS, type SigningAlg } from "./repo/SigningKeys.js"

/** Issuer (`iss`) of Signet's tokens: `SIGNET_ISSUER`, default `signet`. */
export const issuerConfig = Config.string("SIGNET_ISSUER").pipe(Config.withDefault("signet"))

/**
 * Signing-key service. `sign` and `verify` are the only ways tokens are made
 * and checked. Composed of its seams: `keys/Store` (key table, generation),
 * `keys/Jwt` (signing, verification), `keys/Publication` (JWKS, listing) and
 * `keys/Rotation` (rotation, tenant keys).
 */
export class SigningKeys extends Effect.Service<SigningKeys>()("Signet/SigningKeys", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* SigningKeysRepo
    const envelope = yield* Envelope
    const issuer = yield* issuerConfig.pipe(Effect.orElseSucceed(() => "signet"))
    const preferredAlg: SigningAlg = yield* Config.literal(...ALGORITHMS)("SIGNET_JWT_ALG").pipe(
      Config.withDefault("ES256" as const),
      Effect.orElseSucceed(() => "ES256" as const)
    )
    const store = yield* makeKeyStore(repo, envelope, preferredAlg)
    const { sign, verify, verifyIgnoringExpiry } = makeJwt(store, issuer)
    const { jwks, jwksFor, privateJwksFor, list } = makePublication(store)
    const { rotate, dropTenantKeys } = makeRotation(sql, repo, store, list, preferredAlg)

    return {
      sign,
      verify,
      verifyIgnoringExpiry,
      jwks,
      jwksFor,
      privateJwksFor,
      list,
      rotate,
      dropTenantKeys,
      issuer,
      reload: Effect.asVoid(store.load)
    } as const
  }),
  dependencies: [SigningKeysRepo.Default]
}) {}
