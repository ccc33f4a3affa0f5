import type { NeonQueryFunction } from "@neondatabase/serverless";

/**
 * The part of Neon's HTTP query function the server uses: `query(text, params)` and `transaction` of such queries (one
 * HTTP request). The Worker's query functions come from src/db/client.ts (loading the driver on first use); the admin
 * CLI and tests may pass Neon's own.
 */
export type Sql = Pick<NeonQueryFunction<false, false>, "query" | "transaction">;
