/**
 * Every module that src/ loads with a dynamic `import()`, as the test runner can import it (one loader per module, with
 * the specifier the Worker uses resolved from the repository root). See test/support/preload-lazy-modules.ts.
 */
export const LAZY_MODULES: ReadonlyArray<() => Promise<unknown>> = [
  () => import("../../src/mcp/session-lane.ts"),
  () => import("../../src/mcp/stateless-lane.ts"),
  () => import("../../src/mcp/required-scopes.ts"),
  () => import("../../src/mcp/moving-guard.ts"),
  () => import("../../src/tasks/round.ts"),
  () => import("@neondatabase/serverless"),
  () => import("../../src/oauth/server.ts"),
  () => import("../../src/oauth/login/authorize.ts"),
  () => import("../../src/oauth/login/oidc-callback.ts"),
  () => import("../../src/admin/api.ts"),
  () => import("../../src/admin/authenticate.ts"),
  () => import("../../src/admin/audit-action.ts"),
];
