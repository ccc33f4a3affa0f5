// Onboarding end to end: a tenant made with the admin CLI as an operator runs it (`npm run -s admin -- tenant create`,
// a child process), then its first key, and nothing else, in the hands of real MCP clients over real HTTP.
import { spawn } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { CLIENT_KINDS } from "./support/clients.ts";

const { mcpUrl, adminCliEnv } = inject("e2e");

type Ws = { id: string; name: string };

/** `npm run -s admin -- <args> --json` in a child process with only the production-style environment. */
function admin(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, ["run", "-s", "admin", "--", ...args, "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...adminCliEnv },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`admin ${args.join(" ")}: ${code} ${stderr}`)),
    );
  });
}

async function newTenant(extra: string[] = []): Promise<string> {
  const slug = `onb-${crypto.randomUUID().slice(0, 8)}`;
  const made = await admin([
    "tenant",
    "create",
    "--slug",
    slug,
    "--name",
    `Onboarding ${slug}`,
    "--plan",
    "free",
    ...extra,
  ]);
  return made.apiKey as string;
}

for (const kind of CLIENT_KINDS) {
  describe(`${kind.name} [${kind.lane} lane]`, () => {
    if (kind.pending) {
      it.todo(`waits: ${kind.pending}`);
      return;
    }

    it("a tenant from `tenant create --no-default-workspace` creates its first workspace and a document with its first key", async () => {
      const client = await kind.connect(mcpUrl, await newTenant(["--no-default-workspace"]));
      try {
        expect((await client.callTool("list_workspaces")).structured).toEqual({ workspaces: [], truncated: false });
        const created = await client.callTool("create_workspace", { name: "Notes" });
        expect(created.isError).toBe(false);
        const ws = (created.structured as { workspace: Ws }).workspace;
        const doc = await client.callTool("create_document", {
          workspace_id: ws.id,
          title: "First note",
          body: "Hello.",
        });
        expect(doc.isError).toBe(false);
        const listed = await client.callTool("list_documents", { workspace_id: ws.id });
        expect((listed.structured as { documents: { title: string }[] }).documents.map((d) => d.title)).toEqual([
          "First note",
        ]);
      } finally {
        await client.close();
      }
    });

    it("a tenant from plain `tenant create` finds its Default workspace and writes a document into it", async () => {
      const client = await kind.connect(mcpUrl, await newTenant());
      try {
        const { workspaces } = (await client.callTool("list_workspaces")).structured as { workspaces: Ws[] };
        expect(workspaces.map((w) => w.name)).toEqual(["Default"]);
        const doc = await client.callTool("create_document", {
          workspace_id: workspaces[0]?.id,
          title: "Hello",
          body: "",
        });
        expect(doc.isError).toBe(false);
        expect((await client.callTool("create_workspace", { name: "default" })).text).toMatch(/already exists/);
      } finally {
        await client.close();
      }
    });
  });
}
