import type { Context } from "hono";
import { HttpError } from "../http/errors.ts";
import { notFound } from "../http/messages.ts";
import { mcpResourceOf, type McpResource } from "../oauth/resource.ts";
import { OIDC_CALLBACK_ROUTE } from "../oauth/login/redirect.ts";
import { newApp, type AppEnv } from "./scope.ts";
import { lazyModule } from "../lazy.ts";

const loadAuthorize = lazyModule(() => import("../oauth/login/authorize.ts"));
const loadOidcCallback = lazyModule(() => import("../oauth/login/oidc-callback.ts"));
const loadAuthorizationServer = lazyModule(() => import("../oauth/server.ts"));

/**
 * The embedded OAuth authorization server (src/oauth/server.ts), on every host that has an MCP resource (the shared
 * host of PUBLIC_BASE_URL, tenant hosts): its metadata (RFC 8414), token endpoint (with refresh and revocation) and
 * dynamic client registration are the library's; `/authorize` and the callback of tenants' OpenID Connect providers
 * are ours (src/oauth/login/). Elsewhere: 404, as any unknown path. The handlers' modules (the OAuth library, the OpenID
 * Connect client) load on the first request that needs them, not at every isolate's start-up.
 */
export const oauthRoutes = newApp()
  .all("/.well-known/oauth-authorization-server", (c) => library(c))
  .all("/oauth/token", (c) => library(c))
  .all("/oauth/register", (c) => library(c))
  .on(["GET", "POST"], "/authorize", async (c) => {
    const { authorize } = await loadAuthorize();
    return authorize(c.req.raw, c.var.rc, resourceOf(c), c.env);
  })
  .get(OIDC_CALLBACK_ROUTE, async (c) => {
    const { oidcCallback } = await loadOidcCallback();
    return oidcCallback(c.req.raw, c.var.rc, resourceOf(c), c.env, c.req.param("slug"));
  });

function resourceOf(c: Context<AppEnv>): McpResource {
  const resource = mcpResourceOf(c.req.raw, c.var.rc.config);
  if (!resource) throw new HttpError(404, notFound(new URL(c.req.url).pathname), { internal: "no OAuth on this host" });
  return resource;
}

async function library(c: Context<AppEnv>): Promise<Response> {
  const resource = resourceOf(c);
  const { authorizationServerFor } = await loadAuthorizationServer();
  const server = authorizationServerFor(resource, c.var.rc.config);
  // Hono types its context as the older ExecutionContext; the object is the runtime's own.
  return server.fetch(c.req.raw, c.env, c.executionCtx as Parameters<typeof server.fetch>[2]);
}
