// Notification streams (src/streams/): a session's GET /mcp delivers resources/updated for what it subscribed to and
// list_changed for its tenant, from the tenant's event stream in Redis; the 2026-07-28 lane's subscriptions/listen
// delivers the same; both are counted per tenant and per session. From the attacker's side: another tenant's write to
// a document URI one subscribed to is never delivered.
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type ServerNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { updateTenant } from "../../src/control/tenants.ts";
import { documentUri } from "../../src/resources/documents.ts";
import { streamSlotsKey } from "../../src/redis/keys.ts";
import { controlDeps, createTenant, MCP_URL, openSession, post, redis, type TestTenant } from "./support/fixtures.ts";
import { SseReader } from "./support/sse.ts";
import { fetchSettled } from "./admin-support.ts";
import * as scripts from "../../src/streams/scripts.ts";
import { postStateless, statelessMessage } from "./support/stateless.ts";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
});

/** Notifications one client received, and a way to wait for the next matching one. */
class Inbox {
  private readonly seen: ServerNotification[] = [];
  private waiters: (() => void)[] = [];

  push(n: ServerNotification): void {
    this.seen.push(n);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first notification (in arrival order, from `from` on) that `match` accepts. */
  async first(match: (n: ServerNotification) => boolean, from = 0, timeoutMs = 8000): Promise<ServerNotification> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.seen.slice(from).find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error("notification not received in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get length(): number {
    return this.seen.length;
  }

  all(): ServerNotification[] {
    return [...this.seen];
  }
}

/** A v1 SDK client whose standalone GET stream is open when this resolves. */
async function listeningClient(apiKey: string): Promise<{ client: Client; inbox: Inbox }> {
  let opened: () => void = () => {};
  const streamOpen = new Promise<void>((resolve) => (opened = resolve));
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: async (url, init) => {
      const res = await SELF.fetch(url as string, init as RequestInit);
      if ((init?.method ?? "GET") === "GET" && res.status === 200) opened();
      return res;
    },
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client({ name: "listener", version: "1.0.0" });
  const inbox = new Inbox();
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => inbox.push(n as ServerNotification));
  client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => inbox.push(n as ServerNotification));
  await client.connect(transport);
  closers.push(() => client.close());
  await streamOpen;
  return { client, inbox };
}

/** Another client of the same tenant, which writes. */
async function writer(apiKey: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) =>
      (init?.method ?? "GET") === "GET"
        ? Promise.resolve(new Response(null, { status: 405 }))
        : SELF.fetch(url as string, init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client({ name: "writer", version: "1.0.0" });
  await client.connect(transport);
  closers.push(() => client.close());
  return client;
}

async function update(client: Client, id: string, title: string): Promise<void> {
  const result = await client.callTool({ name: "update_document", arguments: { id, title } });
  expect(result.isError, JSON.stringify(result)).toBeFalsy();
}

const updated = (uri: string) => (n: ServerNotification) =>
  n.method === "notifications/resources/updated" && (n.params as { uri: string }).uri === uri;

describe("session lane: GET /mcp and resource subscriptions", () => {
  it("advertises subscriptions and list-changed notifications", async () => {
    const t = await createTenant("free");
    const { client } = await listeningClient(t.apiKey);
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
    });
  });

  it("delivers resources/updated after another client updates a subscribed document", async () => {
    const t = await createTenant("free");
    const { client, inbox } = await listeningClient(t.apiKey);
    const uri = documentUri(t.documentIds[0]!);
    await client.subscribeResource({ uri });
    await update(await writer(t.apiKey), t.documentIds[0]!, "Changed by another client");
    expect(await inbox.first(updated(uri))).toMatchObject({ params: { uri } });
  });

  it("never delivers another tenant's update, even to a subscription naming that tenant's document", async () => {
    const victim = await createTenant("free");
    const attacker = await createTenant("free");
    const { client, inbox } = await listeningClient(attacker.apiKey);
    const theirs = documentUri(victim.documentIds[0]!);
    const own = documentUri(attacker.documentIds[0]!);
    await client.subscribeResource({ uri: theirs });
    await client.subscribeResource({ uri: own });
    await update(await writer(victim.apiKey), victim.documentIds[0]!, "Victim's edit");
    // The attacker's own update comes after the victim's: once it arrives, the victim's would have too.
    await update(await writer(attacker.apiKey), attacker.documentIds[0]!, "Own edit");
    await inbox.first(updated(own));
    expect(inbox.all().filter(updated(theirs))).toEqual([]);
  });

  it("stops delivering after resources/unsubscribe", async () => {
    const t = await createTenant("free");
    const { client, inbox } = await listeningClient(t.apiKey);
    const [a, b] = [documentUri(t.documentIds[0]!), documentUri(t.documentIds[1]!)];
    await client.subscribeResource({ uri: a });
    await client.subscribeResource({ uri: b });
    await client.unsubscribeResource({ uri: a });
    const w = await writer(t.apiKey);
    await update(w, t.documentIds[0]!, "After unsubscribe");
    await update(w, t.documentIds[1]!, "Still subscribed");
    // Events of one tenant arrive in order: b's update came after a's.
    await inbox.first(updated(b));
    expect(inbox.all().filter(updated(a))).toEqual([]);
  });

  it("a plan change delivers tools/list_changed, and the next tools/list differs", async () => {
    const t = await createTenant("free");
    const { client, inbox } = await listeningClient(t.apiKey);
    const before = (await client.listTools()).tools.map((x) => x.name);
    await updateTenant(controlDeps, t.slug, { plan: "pro" });
    await inbox.first((n) => n.method === "notifications/tools/list_changed");
    const after = (await client.listTools()).tools.map((x) => x.name);
    expect(after).not.toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
  });

  it("GET needs a live session of the caller: none is 400, another tenant's is 404", async () => {
    const a = await createTenant("free");
    const b = await createTenant("free");
    const session = await openSession(a.apiKey);
    const get = (apiKey: string, headers: Record<string, string> = {}) =>
      SELF.fetch(MCP_URL, { headers: { authorization: `Bearer ${apiKey}`, accept: "text/event-stream", ...headers } });
    expect((await get(a.apiKey)).status).toBe(400);
    const foreign = await get(b.apiKey, { "mcp-session-id": session });
    expect(foreign.status).toBe(404);
    expect((await get(a.apiKey, { "mcp-session-id": session, accept: "application/json" })).status).toBe(406);
  });

  it("resumes after Last-Event-ID: a reconnect replays what came after the last event seen", async () => {
    const t = await createTenant("free");
    const session = await openSession(t.apiKey);
    const headers = { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session };
    const uri = documentUri(t.documentIds[0]!);
    const sub = await post({ jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri } }, headers);
    expect(sub.status).toBe(200);
    const first = await SELF.fetch(MCP_URL, { headers: { ...headers, accept: "text/event-stream" } });
    expect(first.status).toBe(200);
    const reader = new SseReader(first.body!);
    const w = await writer(t.apiKey);
    await update(w, t.documentIds[0]!, "One");
    const one = await reader.next();
    await update(w, t.documentIds[0]!, "Two");
    const two = await reader.next();
    await reader.cancel();
    expect([one?.id, two?.id].every((id) => /^\d+-\d+$/.test(id ?? ""))).toBe(true);
    const resumed = await SELF.fetch(MCP_URL, {
      headers: { ...headers, accept: "text/event-stream", "last-event-id": one!.id! },
    });
    const replay = new SseReader(resumed.body!);
    closers.push(() => replay.cancel());
    const again = await replay.next();
    expect(again?.id).toBe(two!.id);
    expect(JSON.parse(again!.data)).toMatchObject({ method: "notifications/resources/updated", params: { uri } });
  });
});

describe("stream limits", () => {
  const openStream = async (t: TestTenant, session: string) =>
    SELF.fetch(MCP_URL, {
      headers: { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session, accept: "text/event-stream" },
    });

  it("per session (STREAM_MAX_PER_SESSION = 2): the third is 429 with a clear message; other sessions still open", async () => {
    const t = await createTenant("free");
    const session = await openSession(t.apiKey);
    const open = [await openStream(t, session), await openStream(t, session)];
    for (const r of open) closers.push(() => r.body!.cancel());
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await openStream(t, session);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(
      /Too many open notification streams for this session \(at most 2\)/,
    );
    const other = await openStream(t, await openSession(t.apiKey));
    closers.push(() => other.body!.cancel());
    expect(other.status).toBe(200);
  });

  it("per tenant: at its limit a tenant is refused while another tenant still opens streams", async () => {
    const full = await createTenant("free");
    // Fill the tenant's count as other isolates' live streams would (slots lapse a minute later).
    const lapse = Date.now() + 60_000;
    const members = Array.from({ length: 20 }, (_, i) => ({ score: lapse, member: `other${i}|x` }));
    await redis.zadd(streamSlotsKey(full.id), members[0]!, ...members.slice(1));
    const refused = await openStream(full, await openSession(full.apiKey));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/for this account/);
    const other = await createTenant("free");
    const ok = await openStream(other, await openSession(other.apiKey));
    closers.push(() => ok.body!.cancel());
    expect(ok.status).toBe(200);
  });

  it("an idle stream ends by itself after STREAM_IDLE_SECONDS, giving its slot back", async () => {
    const t = await createTenant("free");
    const session = await openSession(t.apiKey);
    // fetchSettled reads the whole body: it returns only because the stream ended.
    const res = await fetchSettled(
      MCP_URL,
      { headers: { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session, accept: "text/event-stream" } },
      { STREAM_IDLE_SECONDS: "1", STREAM_POLL_MAX_MS: "200" },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^retry: \d+\nid: \d+-\d+\ndata: \n\n$/);
    expect(await redis.zcard(streamSlotsKey(t.id))).toBe(0);
  });

  it("2026-07-28: subscriptions/listen at the tenant's limit is 429 too", async () => {
    const full = await createTenant("free");
    const lapse = Date.now() + 60_000;
    const members = Array.from({ length: 20 }, (_, i) => ({ score: lapse, member: `other${i}|x` }));
    await redis.zadd(streamSlotsKey(full.id), members[0]!, ...members.slice(1));
    const res = await postStateless(
      statelessMessage("subscriptions/listen", { notifications: { toolsListChanged: true } }),
      {
        authorization: `Bearer ${full.apiKey}`,
      },
    );
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/for this account/);
  });

  it("a lapsed slot (a crashed isolate's) does not count", async () => {
    const t = await createTenant("free");
    const past = Date.now() - 1;
    const members = Array.from({ length: 20 }, (_, i) => ({ score: past, member: `dead${i}|x` }));
    await redis.zadd(streamSlotsKey(t.id), members[0]!, ...members.slice(1));
    const res = await openStream(t, await openSession(t.apiKey));
    closers.push(() => res.body!.cancel());
    expect(res.status).toBe(200);
  });
});

describe("2026-07-28: subscriptions/listen", () => {
  it("acknowledges, then delivers resources/updated for a document another request updates", async () => {
    const t = await createTenant("free");
    const uri = documentUri(t.documentIds[0]!);
    const auth = { authorization: `Bearer ${t.apiKey}` };
    const res = await postStateless(
      statelessMessage("subscriptions/listen", {
        notifications: { resourceSubscriptions: [uri], toolsListChanged: true },
      }),
      auth,
    );
    expect(res.status).toBe(200);
    const reader = new SseReader(res.body!);
    closers.push(() => reader.cancel());
    const ack = await reader.message();
    expect(ack).toMatchObject({
      method: "notifications/subscriptions/acknowledged",
      params: { notifications: { resourceSubscriptions: [uri], toolsListChanged: true } },
    });
    // The feed fixed its position before the answer: an update after the acknowledgement is always delivered.
    const call = await postStateless(
      statelessMessage("tools/call", { name: "update_document", arguments: { id: t.documentIds[0], title: "New" } }),
      auth,
    );
    expect(call.status).toBe(200);
    const got = await reader.message();
    expect(got).toMatchObject({ method: "notifications/resources/updated", params: { uri } });
  });
});

describe("stream scripts", () => {
  it("the written-out hash of each script is its SHA-1", async () => {
    const sha1 = async (text: string): Promise<string> => {
      const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    };
    expect(scripts.PUBLISH_EVENTS_SHA).toBe(await sha1(scripts.PUBLISH_EVENTS.source));
    expect(scripts.OPEN_SLOT_SHA).toBe(await sha1(scripts.OPEN_SLOT.source));
    expect(scripts.POLL_EVENTS_SHA).toBe(await sha1(scripts.POLL_EVENTS.source));
  });
});
