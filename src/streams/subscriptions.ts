import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../log/logger.ts";
import { handle } from "../mcp/handlers.ts";

/** Most resources one session may subscribe to: the list lives in the session record, which must stay small. */
export const MAX_SUBSCRIPTIONS = 64;
/** Longest URI a subscription keeps. */
const URI_MAX = 512;

/** What the subscription handlers read and change of the caller's session. */
export interface SessionSubscriptions {
  /** The URIs subscribed to so far. */
  current(): readonly string[];
  /** Stores the new list with the session. Throws when the session store fails. */
  save(uris: string[]): Promise<void>;
}

/**
 * `resources/subscribe` and `resources/unsubscribe` (MCP 2025-11-25, "Resources / Subscriptions") for the session
 * lane: the list is kept in the session record in Redis, where the session's `GET /mcp` stream reads it to pick the
 * `notifications/resources/updated` it delivers. A URI is not checked against the tenant's resources: events are
 * per tenant, so subscribing to anything (another tenant's document URI included) can only ever match this tenant's
 * own changes. Two concurrent subscribe calls of one session may keep only one of them (the record is rewritten
 * whole, as `logging/setLevel` does); a client subscribes in sequence.
 */
export function handleSubscriptions(server: Server, session: SessionSubscriptions, log: Logger): void {
  const save = async (uris: string[]): Promise<void> => {
    try {
      await session.save(uris);
    } catch (err) {
      log.error("could not store the subscriptions", { error: err instanceof Error ? err : String(err) });
      throw new McpError(ErrorCode.InternalError, "Service temporarily unavailable");
    }
  };
  handle(server, SubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    if (uri.length > URI_MAX)
      throw new McpError(ErrorCode.InvalidParams, `The URI is longer than ${URI_MAX} characters`);
    const now = session.current();
    if (now.includes(uri)) return {};
    if (now.length >= MAX_SUBSCRIPTIONS) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `A session may subscribe to at most ${MAX_SUBSCRIPTIONS} resources: unsubscribe from one first`,
      );
    }
    await save([...now, uri]);
    return {};
  });
  handle(server, UnsubscribeRequestSchema, async (request) => {
    const now = session.current();
    if (now.includes(request.params.uri)) await save(now.filter((u) => u !== request.params.uri));
    return {};
  });
}
