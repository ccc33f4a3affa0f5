import { handleMcp } from "../mcp/endpoint.ts";
import { newApp, preflightFor } from "./scope.ts";

/**
 * `/mcp`, mounted at that path: every method goes to the endpoint, which serves POST, GET and DELETE per lane and
 * answers the others with 405 (src/mcp/endpoint.ts). GET opens a session's notification stream (src/streams/).
 */
export const mcpRoutes = newApp().all("/", preflightFor(["POST", "GET", "DELETE"]), (c) =>
  handleMcp(c.req.raw, c.var.rc, c.var.headers),
);
