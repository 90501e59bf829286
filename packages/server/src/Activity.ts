/**
 * The server's request activity: how many HTTP requests and gRPC calls are
 * in flight and how many were served. Counted by the global HTTP middleware
 * and the gRPC listener; read by the idle collection (`IdleGc.ts`) and the
 * graceful shutdown's drain (issue 23).
 *
 * @module
 */
import { Context } from "effect"

/**
 * Request activity, as counted by the global HTTP middleware and the gRPC
 * listener (every unary call): what the idle collection and the graceful
 * shutdown's drain read.
 */
export interface Activity {
  /** Requests or calls being handled now. */
  n: number
  /** Requests or calls started since the process began. */
  total: number
}

/** The running server's {@link Activity} counter (provided by `serverLayer`; read-only for others). */
export class ServerActivity extends Context.Tag("signet/ServerActivity")<ServerActivity, Readonly<Activity>>() {}
