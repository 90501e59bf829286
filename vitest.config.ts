import * as Path from "node:path"
import { defineConfig } from "vitest/config"

const pkg = (name: string) => Path.resolve(__dirname, "packages", name, "src")

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@signet\/contracts$/, replacement: `${pkg("contracts")}/index.ts` },
      { find: /^@signet\/contracts\/(.*)$/, replacement: `${pkg("contracts")}/$1.ts` },
      { find: /^@signet\/core$/, replacement: `${pkg("core")}/index.ts` },
      { find: /^@signet\/core\/(.*)$/, replacement: `${pkg("core")}/$1.ts` },
      { find: /^@signet\/server$/, replacement: `${pkg("server")}/index.ts` },
      { find: /^@signet\/server\/(.*)$/, replacement: `${pkg("server")}/$1.ts` },
      { find: /^@signet\/sdk$/, replacement: `${pkg("sdk")}/index.ts` },
      { find: /^@signet\/cli$/, replacement: `${pkg("cli")}/index.ts` },
      { find: /^@signet\/beacon-agent$/, replacement: `${pkg("beacon-agent")}/index.ts` }
    ]
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/test/**/*.test.ts"],
    globalSetup: ["./test/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ["default", "./test/summaryReporter.ts"]
  }
})
