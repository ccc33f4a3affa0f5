import { lazyModule } from "../lazy.ts";
import { newApp } from "./scope.ts";

const loadOperatorApi = lazyModule(() => import("../admin/api.ts"));

/**
 * The operator API (docs/operator-api.md), mounted at `/admin` after the console: every path the console does not
 * answer goes to src/admin/api.ts (its operations, the OpenAPI document, 404 for the rest, all behind an operator
 * token). That module, its schemas and the control plane load with the first such request, not at every isolate's
 * start-up: no MCP request needs them.
 */
export const adminRoutes = newApp().all("*", async (c) => {
  const { serveOperatorApi } = await loadOperatorApi();
  return serveOperatorApi(c);
});
