// The soak's checker catches what it exists to catch: a planted duplicate, a planted loss, a document under another id,
// a cross-tenant answer, a 5xx and a hang; and a clean run reads clean.
import { describe, expect, it } from "vitest";
import { type AttemptRecord, checkSoak, type DatabaseState, soakLine, type WriteRecord } from "./checker.ts";

const ok: AttemptRecord = { status: 200, ms: 10, hung: false, crossTenant: false };
const writes: WriteRecord[] = [
  { tenantId: "a", title: "w1", acknowledged: true, documentId: "d1" },
  { tenantId: "a", title: "w2", acknowledged: true, documentId: "d2" },
  { tenantId: "b", title: "w3", acknowledged: false },
];
const db = (rows: Record<string, Record<string, string[]>>): DatabaseState =>
  new Map(Object.entries(rows).map(([t, byTitle]) => [t, new Map(Object.entries(byTitle))]));
const clean = db({ a: { w1: ["d1"], w2: ["d2"] }, b: { w3: ["d3"] } });

describe("soak checker", () => {
  it("reads a clean run as clean", () => {
    const s = checkSoak(writes, [ok, { ...ok, status: 503, ms: 30 }], clean);
    expect(s).toMatchObject({
      acknowledged: 2,
      present: 2,
      lost: 0,
      duplicated: 0,
      crossTenant: 0,
      fiveXX: 0,
      hangs: 0,
    });
    expect(soakLine(s)).toBe(
      "writes acknowledged 2 / present 2 / lost 0 / duplicated 0; cross-tenant 0; 5xx 0; hangs 0; p50 10 ms; p99 30 ms",
    );
  });

  it("catches a planted duplicate, acknowledged or not", () => {
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1", "dx"], w2: ["d2"] }, b: {} })).duplicated).toBe(1);
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1"], w2: ["d2"] }, b: { w3: ["d3", "d4"] } })).duplicated).toBe(1);
  });

  it("catches a planted loss: an acknowledged write that is absent, or there under another id or tenant", () => {
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1"] }, b: { w3: ["d3"] } }))).toMatchObject({
      lost: 1,
      present: 1,
    });
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1"], w2: ["other"] } })).lost).toBe(1);
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1"] }, b: { w2: ["d2"] } })).lost).toBe(1);
    // An unacknowledged write may be there once or not at all.
    expect(checkSoak(writes, [ok], db({ a: { w1: ["d1"], w2: ["d2"] } })).lost).toBe(0);
  });

  it("counts cross-tenant answers, 5xx other than 503, and hangs", () => {
    const s = checkSoak(
      writes,
      [
        ok,
        { ...ok, crossTenant: true },
        { ...ok, status: 500 },
        { ...ok, status: 502 },
        { ...ok, status: 0, hung: true },
      ],
      clean,
    );
    expect(s).toMatchObject({ crossTenant: 1, fiveXX: 2, hangs: 1 });
  });
});
