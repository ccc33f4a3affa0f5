// `tenant login`: how a tenant's users sign in at /authorize, set through the CLI's entry point against the test cloud
// (as in admin-cli.test.ts) and checked behind its back with the superuser: the client secret is stored sealed,
// bound to its tenant, opens only with the Worker's LOGIN_SECRET_KEY, and is never printed.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { openSecret, sealSecret } from "../../src/crypto/secret-box.ts";

const loginKey = (raw: string) => ({ name: "LOGIN_SECRET_KEY", raw });

const cloud = inject("cloud");
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
beforeAll(() => admin.connect());
afterAll(() => admin.end());

const ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOGIN_SECRET_KEY: cloud.loginSecretKey,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
};

const SECRET = "s3cret-value-of-the-client-0123456789";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], o: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, {
    env: o.env ?? ENV,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdin: async () => o.stdin ?? "",
  });
  return { code, stdout, stderr };
}

interface LoginJson {
  login: {
    slug: string;
    oidc: {
      issuer: string;
      clientId: string;
      clientSecret: string;
      allowedEmailDomains: string[];
      requiredClaim: { name: string; value: string } | null;
    } | null;
    apiKeyLogin: boolean;
    updatedAt: string | null;
  };
}

async function json(args: string[], stdin?: string): Promise<LoginJson> {
  const run = await cli([...args, "--json"], { stdin });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as LoginJson;
}

async function fails(args: string[], code: 1 | 2, message: RegExp, stdin?: string): Promise<Run> {
  const run = await cli(args, { stdin });
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).toMatch(message);
  expect(run.code).toBe(code);
  return run;
}

async function newTenant(): Promise<{ slug: string; id: string }> {
  const slug = `login-${crypto.randomUUID().slice(0, 8)}`;
  const run = await cli(["tenant", "create", "--slug", slug, "--name", "Login Test", "--plan", "free", "--json"]);
  expect(run.code).toBe(0);
  return { slug, id: (JSON.parse(run.stdout) as { tenant: { id: string } }).tenant.id };
}

async function storedRow(tenantId: string): Promise<Record<string, unknown> | undefined> {
  return (await admin.query("select * from public.tenant_login where tenant_id = $1", [tenantId])).rows[0];
}

describe("tenant login", { timeout: 30_000 }, () => {
  it("shows the defaults of a tenant that never set any: API-key login on, no OpenID Connect", async () => {
    const t = await newTenant();
    expect(await json(["tenant", "login", t.slug, "--show"])).toEqual({
      login: { slug: t.slug, oidc: null, apiKeyLogin: true, updatedAt: null },
    });
    expect(await storedRow(t.id)).toBeUndefined();
  });

  it("stores OpenID Connect settings with the secret sealed for the tenant, never printing it", async () => {
    const t = await newTenant();
    const set = await cli(
      [
        "tenant",
        "login",
        t.slug,
        "--oidc-issuer",
        "https://idp.example.com/",
        "--client-id",
        "tenant-mcp",
        "--client-secret-stdin",
        "--allowed-domains",
        "Example.com,example.org",
        "--require-claim",
        "groups=mcp-users",
      ],
      { stdin: `${SECRET}\n` },
    );
    expect([set.code, set.stderr]).toEqual([0, ""]);
    expect(set.stdout).not.toContain(SECRET);
    expect(set.stdout).toMatch(/^client secret\s+stored, encrypted \(never shown\)$/m);
    expect(set.stdout).toMatch(/^e-mail domains\s+example\.com, example\.org$/m);

    const shown = await json(["tenant", "login", t.slug, "--show"]);
    expect(shown.login.oidc).toEqual({
      issuer: "https://idp.example.com/",
      clientId: "tenant-mcp",
      clientSecret: "sealed",
      allowedEmailDomains: ["example.com", "example.org"],
      requiredClaim: { name: "groups", value: "mcp-users" },
    });
    expect(JSON.stringify(shown)).not.toContain(SECRET);

    const sealed = (await storedRow(t.id))?.oidc_client_secret as string;
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(SECRET);
    // The trailing newline of `echo` is not part of the secret; the Worker's key opens it, for this tenant only.
    expect(await openSecret(loginKey(cloud.loginSecretKey), t.id, sealed)).toBe(SECRET);
    await expect(openSecret(loginKey(cloud.loginSecretKey), crypto.randomUUID(), sealed)).rejects.toThrow(
      /does not open/,
    );
    const otherKey = Buffer.alloc(32, 7).toString("base64url");
    await expect(openSecret(loginKey(otherKey), t.id, sealed)).rejects.toThrow(/does not open/);
  });

  it("a sealed secret copied into another tenant's row does not open there", async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const issuer = ["--oidc-issuer", "https://idp.example.com", "--client-id", "c"];
    await json(["tenant", "login", a.slug, ...issuer, "--client-secret-stdin"], SECRET);
    await json(["tenant", "login", b.slug, ...issuer, "--client-secret-stdin"], "other");
    const sealedA = (await storedRow(a.id))?.oidc_client_secret as string;
    await admin.query("update public.tenant_login set oidc_client_secret = $1 where tenant_id = $2", [sealedA, b.id]);
    await expect(openSecret(loginKey(cloud.loginSecretKey), b.id, sealedA)).rejects.toThrow(/does not open/);
  });

  it("a new issuer replaces the secret: one registered at one provider is never sent to another", async () => {
    const t = await newTenant();
    await json(
      [
        "tenant",
        "login",
        t.slug,
        "--oidc-issuer",
        "https://a.example.com",
        "--client-id",
        "x",
        "--client-secret-stdin",
      ],
      SECRET,
    );
    const moved = await cli([
      "tenant",
      "login",
      t.slug,
      "--oidc-issuer",
      "https://b.example.com",
      "--client-id",
      "y",
      "--json",
    ]);
    expect(moved.code).toBe(0);
    expect(moved.stderr).toMatch(/^warning: no client secret given: a public client .*--client-secret-stdin/);
    expect((JSON.parse(moved.stdout) as LoginJson).login.oidc?.clientSecret).toBe("none");
    expect((await storedRow(t.id))?.oidc_client_secret).toBeNull();

    // Other settings change alone and keep the rest; a secret can be rotated without naming the issuer again.
    const rotated = await json(["tenant", "login", t.slug, "--client-secret-stdin"], "new-secret");
    expect(rotated.login.oidc).toMatchObject({
      issuer: "https://b.example.com",
      clientId: "y",
      clientSecret: "sealed",
    });
    const off = await json(["tenant", "login", t.slug, "--api-key-login", "off"]);
    expect(off.login).toMatchObject({ apiKeyLogin: false, oidc: { clientSecret: "sealed" } });
  });

  it("--disable-oidc drops everything of OpenID Connect; with API-key login off too, it warns that nobody can sign in", async () => {
    const t = await newTenant();
    await json(
      [
        "tenant",
        "login",
        t.slug,
        "--oidc-issuer",
        "https://a.example.com",
        "--client-id",
        "x",
        "--client-secret-stdin",
        "--allowed-domains",
        "a.com",
        "--require-claim",
        "k=v",
      ],
      SECRET,
    );
    const run = await cli(["tenant", "login", t.slug, "--disable-oidc", "--api-key-login", "off", "--json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: ".*" has no login method left/);
    expect((JSON.parse(run.stdout) as LoginJson).login).toMatchObject({ oidc: null, apiKeyLogin: false });
    expect(await storedRow(t.id)).toMatchObject({
      oidc_issuer: null,
      oidc_client_id: null,
      oidc_client_secret: null,
      allowed_email_domains: [],
      required_claim_name: null,
    });
  });

  it("refuses bad input with exit 2, naming the flag, before anything is stored", async () => {
    const t = await newTenant();
    const base = ["tenant", "login", t.slug];
    await fails([...base], 2, /nothing to change/);
    await fails([...base, "--show", "--api-key-login", "on"], 2, /--show cannot be combined with --api-key-login/);
    await fails([...base, "--oidc-issuer", "https://idp.example.com"], 2, /--oidc-issuer needs --client-id/);
    for (const issuer of [
      "http://idp.example.com",
      "https://idp.example.com/?x=1",
      "idp.example.com",
      "https://u:p@x.com",
    ]) {
      await fails(
        [...base, "--oidc-issuer", issuer, "--client-id", "x"],
        2,
        /--oidc-issuer must be the provider's issuer URL/,
      );
    }
    await fails([...base, "--client-id", "x"], 2, /--client-id applies to OpenID Connect, which is off/);
    await fails([...base, "--allowed-domains", "a.com"], 2, /--allowed-domains applies to OpenID Connect/);
    await fails([...base, "--api-key-login", "maybe"], 2, /--api-key-login must be on or off/);
    await fails([...base, "--require-claim", "novalue"], 2, /--require-claim must be name=value/);
    const issuer = ["--oidc-issuer", "https://idp.example.com", "--client-id", "x"];
    await fails(
      [...base, ...issuer, "--allowed-domains", "not a domain"],
      2,
      /--allowed-domains must be e-mail domains/,
    );
    await fails([...base, ...issuer, "--disable-oidc"], 2, /--disable-oidc cannot be combined with --oidc-issuer/);
    await fails([...base, ...issuer, "--client-secret-stdin"], 2, /--client-secret-stdin must not be empty/, "\n");
    await fails([...base, ...issuer, "--client-id", "tmcp_abcdefgh_secret"], 2, /must not contain an API key/);
    expect(await storedRow(t.id)).toBeUndefined();
    // http is accepted on loopback only: a provider on the developer's machine.
    const local = await cli([...base, "--oidc-issuer", "http://127.0.0.1:9/oidc", "--client-id", "x", "--json"]);
    expect([local.code, (JSON.parse(local.stdout) as LoginJson).login.oidc?.issuer]).toEqual([
      0,
      "http://127.0.0.1:9/oidc",
    ]);
  });

  it("without LOGIN_SECRET_KEY a secret is refused, and the message never quotes it", async () => {
    const t = await newTenant();
    const { LOGIN_SECRET_KEY: _, ...env } = ENV;
    const run = await cli(
      [
        "tenant",
        "login",
        t.slug,
        "--oidc-issuer",
        "https://idp.example.com",
        "--client-id",
        "x",
        "--client-secret-stdin",
      ],
      { stdin: SECRET, env },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: LOGIN_SECRET_KEY is not set: .* set it as the Worker has it/);
    expect(run.stderr).not.toContain(SECRET);
    expect(await storedRow(t.id)).toBeUndefined();
  });

  it("an unknown tenant is not found (exit 1)", async () => {
    await fails(["tenant", "login", "no-such-tenant-x", "--show"], 1, /no tenant with slug "no-such-tenant-x"/);
    await fails(["tenant", "login", "no-such-tenant-x", "--api-key-login", "off"], 1, /no tenant with slug/);
  });
});

describe("secret box", () => {
  it("seals with a fresh IV each time and refuses altered data, a bad key or an unknown form", async () => {
    const id = crypto.randomUUID();
    const [one, two] = [
      await sealSecret(loginKey(cloud.loginSecretKey), id, "x"),
      await sealSecret(loginKey(cloud.loginSecretKey), id, "x"),
    ];
    expect(one).not.toBe(two);
    const [v, iv, data] = one.split(".") as [string, string, string];
    const flipped = `${v}.${iv}.${data.slice(0, -2)}${data.at(-2) === "A" ? "B" : "A"}${data.at(-1)}`;
    await expect(openSecret(loginKey(cloud.loginSecretKey), id, flipped)).rejects.toThrow(/does not open/);
    await expect(openSecret(loginKey(cloud.loginSecretKey), id, `v2.${iv}.${data}`)).rejects.toThrow(/unknown form/);
    await expect(sealSecret(loginKey("short"), id, "x")).rejects.toThrow(/must be 32 bytes/);
    await expect(sealSecret(loginKey(""), id, "x")).rejects.toThrow(/not set/);
  });
});
