import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { CloudContext } from "./test/cloud-context.ts";

process.env.WRANGLER_SEND_METRICS ??= "false";

export default defineConfig({
  test: {
    // Request log lines are noise when a test passes, and the first clue when it fails.
    silent: "passed-only",
    projects: [
      {
        // Tests inside workerd, against the local cloud over real PostgreSQL and Redis.
        plugins: [
          // The Worker under test gets the local cloud's endpoints as its bindings, exactly as `npm run dev` would.
          cloudflareTest(({ inject }) => {
            const cloud = inject("cloud") as CloudContext;
            return {
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  DATABASE_URL: cloud.appDatabaseUrl,
                  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
                  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
                  API_KEY_PEPPER: cloud.apiKeyPepper,
                  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
                  LOCAL_NEON_WS_PROXY: cloud.neonWsProxy,
                },
              },
            };
          }),
        ],
        test: {
          name: "worker",
          globalSetup: ["./test/global-setup.ts"],
          include: ["test/worker/**/*.test.ts"],
        },
      },
      {
        // Node-side tests of scripts/ (migrations, CLI), against the real servers.
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
        },
      },
    ],
  },
});
