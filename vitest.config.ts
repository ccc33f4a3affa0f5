import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { Reporter } from "vitest/node";
import type { CloudContext } from "./test/cloud-context.ts";

process.env.WRANGLER_SEND_METRICS ??= "false";

export default defineConfig({
  test: {
    // Request log lines are noise when a test passes, and the first clue when it fails.
    silent: "passed-only",
    reporters: ["default", printSummaries()],
    // At the root, so it runs once and the worker and node projects share one cloud (`inject("cloud")`): the admin
    // CLI's tests run it from Node against the same services. A project with its own setup overrides what it provides.
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      {
        // Tests inside workerd, against the local cloud over real PostgreSQL and Redis.
        plugins: [
          // The Worker under test gets the local cloud's endpoints as its bindings, exactly as `npm run dev` would.
          cloudflareTest(({ inject }) => {
            const cloud = inject("cloud") as CloudContext;
            return {
              wrangler: { configPath: "./wrangler.toml" },
              // The conformance build (production plus the suite's fixtures, which some tests' tenants use).
              main: "./src/conformance/worker.ts",
              // PUBLIC_BASE_URL names the origin the tests send to (MCP_URL in test/worker/support/fixtures.ts), so
              // the protected resource metadata and the OAuth challenges of /mcp are served as on a deployment.
              // AUDIT_LINGER_MS 0: a tool call's audit row is written by its own request right after the response, so a
              // test that settles a call finds its row (rows riding in other requests' commands are tested in
              // test/capacity/, where requests do not run in parallel).
              miniflare: {
                bindings: {
                  ...cloudBindings(cloud),
                  ...DEPLOYED_VARS,
                  PUBLIC_BASE_URL: TEST_ORIGIN,
                  AUDIT_LINGER_MS: "0",
                },
              },
            };
          }),
        ],
        test: {
          name: "worker",
          // Every module the Worker loads on first use, loaded before the first request (the file says why).
          setupFiles: ["./test/support/preload-lazy-modules.ts"],
          // The local cloud's own tests (local-cloud/test/worker/) drive its endpoints with the real drivers, from workerd.
          include: ["test/worker/**/*.test.ts", "local-cloud/test/worker/**/*.test.ts"],
        },
      },
      {
        // Fault injection, load and fuzz, inside workerd against a local cloud of their own: an injected fault hits
        // every client of a cloud, so these files run one at a time (vitest runs them after the parallel ones).
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            // The conformance build (production plus the suite's fixtures, which some tests' tenants use).
            main: "./src/conformance/worker.ts",
            // Timeouts (defaults in wrangler.toml: limiter 300 ms, Redis 1 s, Postgres 10 s): the fault tests measure
            // against whatever is set; the load run counts exactly only while no limiter call times out, which the
            // defaults do not ensure on a busy 2-core machine; and a dead database should not cost 10 s per test.
            miniflare: {
              bindings: {
                ...cloudBindings(inject("cloud") as CloudContext),
                ...DEPLOYED_VARS,
                RATE_LIMIT_TIMEOUT_MS: "1000",
                REDIS_TIMEOUT_MS: "3000",
                DB_TIMEOUT_MS: "3000",
                // As in the worker project: each call's audit row written by its own request (test/capacity/ sets its own).
                AUDIT_LINGER_MS: "0",
              },
            },
          })),
        ],
        test: {
          name: "resilience",
          // Every module the Worker loads on first use, loaded before the first request (the file says why).
          setupFiles: ["./test/support/preload-lazy-modules.ts"],
          globalSetup: ["./test/faults/global-setup.ts"],
          include: [
            "test/faults/**/*.test.ts",
            "test/load/**/*.test.ts",
            "test/fuzz/**/*.test.ts",
            "test/capacity/**/*.test.ts",
            "test/soak/soak.test.ts",
          ],
          fileParallelism: false,
        },
      },
      {
        // The Worker over three Upstash databases (UPSTASH_SHARDS), against a local cloud of its own that serves them
        // (test/sharded/global-setup.ts): tenants spread over the shards keep isolation, limits, sessions, quota,
        // revocation and audit exactly as on one (the worker project's files listed here, unchanged), and a shard made
        // unreachable fails only its tenants (test/sharded/). One file at a time: a shard fault hits every client.
        plugins: [
          cloudflareTest(({ inject }) => {
            const cloud = inject("cloud") as CloudContext;
            return {
              wrangler: { configPath: "./wrangler.toml" },
              main: "./src/conformance/worker.ts",
              miniflare: {
                bindings: {
                  ...cloudBindings(cloud),
                  UPSTASH_SHARDS: JSON.stringify(cloud.upstashShards),
                  ...DEPLOYED_VARS,
                  PUBLIC_BASE_URL: TEST_ORIGIN,
                  AUDIT_LINGER_MS: "0",
                },
              },
            };
          }),
        ],
        test: {
          name: "sharded",
          // Every module the Worker loads on first use, loaded before the first request (the file says why).
          setupFiles: ["./test/support/preload-lazy-modules.ts"],
          globalSetup: ["./test/sharded/global-setup.ts"],
          include: [
            "test/sharded/**/*.test.ts",
            ...[
              "admission",
              "audit",
              "mcp-auth",
              "mcp-isolation",
              "mcp-ratelimit",
              "mcp-session",
              "oauth-revocation",
              "quota",
              "session-limits",
              "stateless-isolation",
              "stateless-ratelimit",
              "usage",
            ].map((name) => `test/worker/${name}.test.ts`),
          ],
          fileParallelism: false,
        },
      },
      {
        // Real MCP clients (SDK v1 and v2, the Inspector's CLI) over real HTTP against the Worker under `wrangler dev`,
        // which the setup starts with a local cloud and database of its own.
        test: {
          name: "e2e",
          environment: "node",
          globalSetup: ["./test/e2e/global-setup.ts"],
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // Node-side tests of scripts/ (migrations, CLI) and of the local cloud (local-cloud/test/node/), against the
        // real servers or the embedded engines.
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts", "local-cloud/test/node/**/*.test.ts", "test/soak/checker.test.ts"],
        },
      },
    ],
  },
});

/**
 * Variables pinned to wrangler.toml's values: wrangler also reads a `.dev.vars` that `npm run dev` left in the
 * checkout, which turns ALLOW_LOCALHOST_ORIGINS on. Tests see what a deploy gets and opt in per request.
 */
const DEPLOYED_VARS = { ALLOW_LOCALHOST_ORIGINS: "false" };

/** The origin of the worker project's requests: `MCP_URL` of test/worker/support/fixtures.ts is `<it>/mcp`. */
const TEST_ORIGIN = "http://tenant-mcp.test";

/** The Worker's bindings for a local cloud, exactly as `npm run dev` would set them. */
function cloudBindings(cloud: CloudContext): Record<string, string> {
  return {
    DATABASE_URL: cloud.appDatabaseUrl,
    // The operator API's login: the owner role, as `npm run dev` writes it (local-cloud/dev-vars.ts).
    OPERATOR_DATABASE_URL: cloud.ownerDatabaseUrl,
    UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
    API_KEY_PEPPER: cloud.apiKeyPepper,
    LOGIN_SECRET_KEY: cloud.loginSecretKey,
    DATA_SECRET_KEY: cloud.dataSecretKey,
    LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
    LOCAL_NEON_WS_PROXY: cloud.neonWsProxy,
  };
}

/**
 * Prints the one-line counts that load and fuzz runs attach to their test (`annotate(line, "summary")`), which the
 * default reporter shows only when the test fails: their request logs stay silent, their numbers do not. And, for
 * each file, one line per reason its tests were skipped (`ctx.skip(note)`, e.g. the server a test needs where
 * `npm test` runs on the embedded engines: test/support/servers.ts), which the default reporter shows only in a
 * per-test listing.
 */
function printSummaries(): Reporter {
  return {
    onTestCaseAnnotate(_test, annotation) {
      if (annotation.type === "summary") process.stdout.write(`${annotation.message}\n`);
    },
    onTestModuleEnd(module) {
      const skipped = new Map<string, number>();
      for (const test of module.children.allTests("skipped")) {
        const { note } = test.result() as { note?: string };
        if (note) skipped.set(note, (skipped.get(note) ?? 0) + 1);
      }
      for (const [note, n] of skipped) {
        process.stdout.write(`skipped: ${note}: ${n} test${n === 1 ? "" : "s"} of ${module.relativeModuleId}\n`);
      }
    },
  };
}
