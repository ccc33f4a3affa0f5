import { sha256Hex } from "../crypto/digest.ts";

/**
 * SHA-256 (hex) of a tool call: its tool name and its parsed arguments as canonical JSON (object keys sorted at every
 * level), so the same call hashes the same whatever order the client wrote its keys in.
 */
export function requestHash(tool: string, args: unknown): Promise<string> {
  return sha256Hex(`${tool}\n${canonicalJson(args)}`);
}

/** JSON with object keys in code-point order at every level; `undefined` members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
