import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { DATABASE_URL: inject<string>("hello") } },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/worker/**/*.test.ts"],
  },
});
