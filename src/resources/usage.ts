import * as z from "zod";
import { defineResourceTemplate } from "./define.ts";

/** The one URI of the resource: it names no tenant, since the caller's credential does. */
export const USAGE_URI = "tenant://usage";

/**
 * The tenant's own usage of this period as JSON, the same document as `GET /usage`, so an agent can answer "how much
 * of my quota is left?". A fixed resource (no variables): `resources/list` offers it, `resources/templates/list`
 * does not. Only ever the caller's tenant: the context's tenant is the credential's.
 */
export const usageResource = defineResourceTemplate({
  uriTemplate: USAGE_URI,
  name: "usage",
  title: "Usage and quota",
  description:
    "This account's tool calls this calendar month (UTC): the monthly quota, how much is used and left, when it " +
    "resets, calls and errors per tool, and calls per day over the last 30 days.",
  mimeType: "application/json",
  feature: "core",
  params: z.object({}),
  async read(_params, uri, ctx) {
    if (!ctx.usage) return null;
    const usage = await ctx.usage();
    return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(usage, null, 2) }] };
  },
  list: async () => [
    {
      uri: USAGE_URI,
      name: "usage",
      title: "Usage and quota",
      description: "This account's tool calls and quota this month.",
      mimeType: "application/json",
    },
  ],
});
