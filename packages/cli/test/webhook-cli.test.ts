import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { testDialects } from "@signet/core/testing"
import { Webhook } from "standardwebhooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet webhook on ${dialect}`, () => {
    const { signet } = cliTenant(dialect, "cli-hooks", { SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" })
    let receiver: Http.Server
    let url: string
    const got: Array<{ headers: Record<string, string>; body: string }> = []
    let endpoint: { id: string }
    let secret: string
    const T = ["--tenant", "cli-hooks"]

    beforeAll(async () => {
      receiver = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          got.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") })
          res.writeHead(204).end()
        })
      })
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`
    }, TIMEOUT)

    afterAll(async () => {
      receiver.close()
    })

    it(
      "create prints the endpoint and its secret once; list shows the endpoint without it",
      async () => {
        const created = await signet([
          "webhook",
          "create",
          ...T,
          "--url",
          url,
          "--event-type",
          "signet.test.",
          "--json"
        ])
        expect(created.code, created.stderr).toBe(0)
        const body = JSON.parse(created.stdout)
        endpoint = body.endpoint
        secret = body.secret
        expect(secret).toMatch(/^whsec_/)
        const listed = await signet(["webhook", "list", ...T, "--json"])
        expect(JSON.parse(listed.stdout).map((e: { id: string }) => e.id)).toEqual([endpoint.id])
        expect(listed.stdout).not.toContain(secret.slice(6))
      },
      TIMEOUT
    )

    it(
      "ping sends a request the receiver verifies with the printed secret",
      async () => {
        const pinged = await signet(["webhook", "ping", ...T, endpoint.id])
        expect(pinged.code, pinged.stderr).toBe(0)
        expect(pinged.stdout).toMatch(/: 204 in \d+ ms/)
        expect(got).toHaveLength(1)
        const event = new Webhook(secret).verify(got[0]!.body, got[0]!.headers) as { type: string }
        expect(event.type).toBe("signet.integrations.endpoint.ping")
      },
      TIMEOUT
    )

    it(
      "recover with since after until fails with one line naming the field, nothing queued",
      async () => {
        const bad = await signet([
          "webhook",
          "recover",
          ...T,
          endpoint.id,
          "--since",
          "2026-02-01T00:00:00Z",
          "--until",
          "2026-01-01T00:00:00Z"
        ])
        expect(bad.code).not.toBe(0)
        expect(bad.stderr).toContain("since")
        expect(bad.stderr).not.toMatch(/\n\s+at /)
        const ok = await signet(["webhook", "recover", ...T, endpoint.id, "--since", "2026-01-01T00:00:00Z", "--json"])
        expect(JSON.parse(ok.stdout)).toEqual({ requeued: 0, more: false })
      },
      TIMEOUT
    )

    it(
      "disable then delete: the list shows it disabled, then empty",
      async () => {
        expect((await signet(["webhook", "disable", ...T, endpoint.id])).stdout).toContain("disabled")
        const listed = JSON.parse((await signet(["webhook", "list", ...T, "--json"])).stdout)
        expect(listed[0].enabled).toBe(false)
        expect((await signet(["webhook", "delete", ...T, endpoint.id])).code).toBe(0)
        expect(JSON.parse((await signet(["webhook", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "without the operator's allowance a loopback URL is refused naming the rule",
      async () => {
        const refused = await signet(["webhook", "create", ...T, "--url", url], {
          SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "false"
        })
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toMatch(/https|loopback|private/)
      },
      TIMEOUT
    )
  })
}
