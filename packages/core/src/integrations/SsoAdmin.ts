/**
 * The SSO connections facade (issue 19 §2). Tenant and actor come from
 * context; `sso:read` lists and reads connections, `sso:write` registers,
 * replaces and deletes them. Discovery (which connection serves an e-mail
 * address) needs no permission: the login page asks it before anyone has
 * signed in, and it answers only a connection name.
 *
 * @module
 */
import type { PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { policyRequire } from "../access/Policy.js"
import { SsoConnections } from "./SsoConnections.js"

const read = policyRequire("sso", "read")
const write = policyRequire("sso", "write")

/** SSO connections; see the module comment for who may do what. */
export const SsoAdmin = {
  /** Registers or replaces the connection `name` (the secret is never answered). */
  put: (name: string, input: PutSsoConnection) => write(SsoConnections.use((s) => s.put(name, input))),
  list: () => read(SsoConnections.use((s) => s.list)),
  get: (name: string) => read(SsoConnections.use((s) => s.get(name))),
  delete: (name: string) => write(SsoConnections.use((s) => s.delete(name))),
  /** Which connection, if any, serves `email` (no permission; see the module comment). */
  discover: (email: string) => SsoConnections.use((s) => s.discover(email))
} as const
