import { env, SELF } from "cloudflare:test";
import { expect, it } from "vitest";
it("works", async () => {
  const r = await SELF.fetch("http://x/");
  expect(await r.text()).toBe("ok");
  expect(env.DATABASE_URL).toBe("world");
  const f = await fetch("http://127.0.0.1:9/").catch((e) => String(e));
  console.log("fetch to closed port:", f);
});
