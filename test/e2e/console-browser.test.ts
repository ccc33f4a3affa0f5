// The web console in a real browser (headless Chromium, support/browser.ts) against the Worker under `wrangler dev`:
// an operator signs in, creates a tenant and sees its first key once, labels a key with markup that must stay text,
// revokes a key and the tenant's next /mcp request with it is refused, reads the audit log, and opens the usage pages,
// whose charts draw points for the calls seeded here. No page may log an error to the browser's console.
// UPDATE_CONSOLE_SCREENSHOT=1 also writes the usage page's screenshot to docs/console.png (the README shows it).
import { copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect } from "../../scripts/admin/connect.ts";
import { createOperator } from "../../src/control/operators.ts";
import { createTenant } from "../../src/control/tenants.ts";
import { findChromium, launchChromium, NO_BROWSER, type LaunchedBrowser } from "./support/browser.ts";

const { origin, mcpUrl, connection, adminDatabaseUrl } = inject("e2e");
const chromiumPath = findChromium();
const XSS_NAME = `<img src=x onerror="window.__pwned='name'">Acme`;
const XSS_LABEL = `<script>window.__pwned='label'</script><b>ci</b>`;

/** Status of an MCP initialize with `apiKey`: 200 when the key works, 401 when it is refused. */
async function mcpStatus(apiKey: string): Promise<number> {
  const res = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "console-test", version: "1" } },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

/** Writes `perDay[i]` calls `i + 1` days ago and today, some failing, for tenant `id`. */
async function seedCalls(id: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    for (let daysAgo = 0; daysAgo < 10; daysAgo++) {
      for (const [tool, n] of [
        ["search_documents", 3 + (daysAgo % 4)],
        ["get_document", 1 + (daysAgo % 3)],
      ] as const) {
        for (let i = 0; i < n; i++) {
          await client.query(
            `insert into public.audit_log (tenant_id, called_at, request_id, key_id, tool, status, duration_ms)
             values ($1, now() - make_interval(days => $2), $3, 'aaaaaaaaaaaaaaaa', $4, $5, $6)`,
            [
              id,
              daysAgo,
              `seed-${daysAgo}-${tool}-${i}`,
              tool,
              i === 0 && daysAgo % 3 === 0 ? "tool_error" : "ok",
              5 + i * 7,
            ],
          );
        }
      }
    }
  } finally {
    await client.end();
  }
}

/** Waits for the page's charts to be drawn; the number of points each drew. */
async function chartPoints(page: Page): Promise<number[]> {
  await page.waitForSelector("figure.chart[data-drawn='true']");
  await page.waitForFunction(
    `[...document.querySelectorAll("figure.chart")].every((f) => f.getAttribute("data-drawn") === "true")`,
  );
  return page.$$eval("figure.chart", (figs) => figs.map((f) => Number(f.getAttribute("data-points"))));
}

/** How many pixels of the first chart's canvas are painted: uPlot drew lines and points, not just an empty frame. */
async function paintedPixels(page: Page): Promise<number> {
  return Number(
    await page.evaluate(`(() => {
      const c = document.querySelector("figure.chart canvas");
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return painted;
    })()`),
  );
}

describe.skipIf(chromiumPath === null)("the web console in Chromium", () => {
  let browser: LaunchedBrowser;
  let page: Page;
  const consoleErrors: string[] = [];
  let operatorToken: string;
  let seeded: { slug: string };

  beforeAll(async () => {
    const deps = connect(connection);
    operatorToken = (await createOperator(deps, { name: `browser-${Date.now()}`, role: "admin" })).token;
    const slug = `charts-${crypto.randomUUID().slice(0, 8)}`;
    const made = await createTenant(deps, { slug, name: "Charts Co", plan: "pro" });
    await seedCalls(made.tenant.id);
    seeded = { slug };
    browser = await launchChromium(chromiumPath as string);
    page = await browser.context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
    // Failed answers, for the failure messages (the console errors above include them too).
    page.on("response", (r) => {
      if (r.status() >= 400)
        process.stderr.write(`[console-browser] ${r.status()} ${r.request().method()} ${r.url()}\n`);
    });
    page.on("dialog", (d) => void d.accept());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("signs in with an operator token; the browser keeps only an HttpOnly session cookie", async () => {
    await page.goto(`${origin}/admin`);
    await page.getByLabel("Operator token").fill(operatorToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Tenants");
    const [cookie] = await browser.context.cookies(`${origin}/admin/`);
    expect(cookie).toMatchObject({
      name: "tmcp_console",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/admin",
    });
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(await page.content()).not.toContain(operatorToken);
  });

  it("creates a tenant and shows its first key once; markup in names and labels stays text", async () => {
    await page.getByRole("link", { name: "New tenant", exact: true }).click();
    const slug = `web-${crypto.randomUUID().slice(0, 8)}`;
    await page.getByLabel("Slug", { exact: true }).fill(slug);
    await page.getByLabel("Name", { exact: true }).fill(XSS_NAME);
    await page.getByLabel("Plan").selectOption("free");
    await page.getByRole("button", { name: "Create tenant" }).click();
    const key = (await page.locator("#new-key").textContent()) ?? "";
    expect(key).toMatch(/^tmcp_/);
    expect(await mcpStatus(key)).toBe(200);

    await page.getByRole("link", { name: "Go to the tenant" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(`Tenant ${slug}`);
    // Shown once: the tenant's page lists the key by id, never the key itself.
    expect(await page.content()).not.toContain(key);
    expect(await page.locator("dl.facts").textContent()).toContain(XSS_NAME);

    await page.getByLabel("New key's label").fill(XSS_LABEL);
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.locator("#shown-key").textContent()).toMatch(/^tmcp_/);
    await expect.poll(() => page.locator("table").first().textContent()).toContain(XSS_LABEL);
    expect(await page.locator("main img, main script, main b").count()).toBe(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");

    // The tenant list renders the name as text too, and finds it by search.
    await page.getByRole("link", { name: "Tenants", exact: true }).click();
    await page.getByLabel("Search slug or name").fill(slug);
    await expect.poll(() => page.locator("#tenant-results tbody tr").count()).toBe(1);
    expect(await page.locator("#tenant-results tbody").textContent()).toContain(XSS_NAME);
    expect(await page.locator("main img").count()).toBe(0);

    // Revoke the first key from its row: the tenant's next /mcp request with it is refused.
    await page.getByRole("link", { name: slug, exact: true }).click();
    const firstKeyId = key.split("_")[1] as string;
    await page.getByRole("button", { name: `Revoke key ${firstKeyId}` }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe(`Key ${firstKeyId} revoked.`);
    expect(await mcpStatus(key)).toBe(401);

    // Suspend, then resume.
    await page.getByRole("button", { name: "Suspend tenant" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Tenant suspended.");
    await page.getByRole("button", { name: "Resume tenant" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Tenant resumed.");

    // The operator audit log has it all, by this operator.
    await page.getByRole("link", { name: "Audit log", exact: true }).click();
    await page.getByLabel("Tenant slug").fill(slug);
    await page.getByRole("button", { name: "Filter" }).click();
    await expect
      .poll(() => page.locator("#audit-results tbody").textContent())
      .toMatch(/tenant\.resume.*tenant\.suspend.*key\.revoke.*key\.create.*tenant\.create/s);
  });

  it("draws the seeded calls per day, error rate and p95 for the tenant and the platform", async () => {
    await page.goto(`${origin}/admin/#/tenants/${seeded.slug}`);
    const tenantPoints = await chartPoints(page);
    // 10 days of two tools; error rate on the days with a failure (every third); p95 on each of the 10 days.
    expect(tenantPoints).toEqual([20, 4, 10]);
    expect(await paintedPixels(page)).toBeGreaterThan(500);

    await page.getByRole("link", { name: "Usage", exact: true }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Platform usage");
    const platformPoints = await chartPoints(page);
    expect(platformPoints[0]).toBeGreaterThanOrEqual(20);
    expect(platformPoints[2]).toBeGreaterThanOrEqual(10);
    expect(await paintedPixels(page)).toBeGreaterThan(500);
    const shot = join(tmpdir(), `console-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.UPDATE_CONSOLE_SCREENSHOT === "1")
      await copyFile(shot, new URL("../../docs/console.png", import.meta.url));
  });

  it("logged no error to the browser's console on any page", () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe.skipIf(chromiumPath !== null)("the web console without a browser", () => {
  it("is skipped: no Chromium on this machine", (ctx) => {
    ctx.skip(NO_BROWSER);
  });
});
