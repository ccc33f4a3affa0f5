import type { z } from "zod";
import type { Feature } from "../tenancy/tenant.ts";
import type { ToolContext } from "../tools/types.ts";

/** The `resources/templates/list` entry of a template, in MCP's wire shape. */
export interface ResourceTemplateListing {
  uriTemplate: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
}

/** One `resources/list` entry. */
export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** Size in bytes, when known. */
  size?: number;
}

/** One item of a `resources/read` result with text contents. */
export interface TextResourceContents {
  uri: string;
  mimeType: string;
  text: string;
}

/** One item of a `resources/read` result with binary contents, base64-encoded. */
export interface BlobResourceContents {
  uri: string;
  mimeType: string;
  blob: string;
}

/** An MCP `ReadResourceResult`, SDK-neutral. */
interface ReadResourceResult {
  contents: (TextResourceContents | BlobResourceContents)[];
}

/**
 * Outcome of reading a URI. `not_found` maps to JSON-RPC -32002 (MCP "Resource not found"), `failed` to -32603;
 * `message` is safe to send.
 */
export type ReadResourceOutcome =
  | { ok: true; result: ReadResourceResult }
  | { ok: false; error: "not_found" | "failed"; message: string };

/** A resource template as written in `src/resources/<name>.ts`. */
export interface ResourceTemplateSpec<P extends z.ZodObject> {
  /** RFC 6570 level-1 template; each `{var}` matches one non-empty path segment. */
  uriTemplate: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
  feature: Feature;
  /** Validates the template variables; a URI whose variables fail is "not found", never a database error. */
  params: P;
  /** The resource's contents, or `null` when it does not exist (for this tenant). */
  read(params: z.output<P>, uri: string, ctx: ToolContext): Promise<ReadResourceResult | null>;
  /** Concrete resources to offer in `resources/list` (e.g. the most recent ones). */
  list?(ctx: ToolContext): Promise<ResourceListing[]>;
}

/** A template ready to serve: listing precomputed, URI matcher compiled once. */
export interface ResourceTemplate {
  feature: Feature;
  listing: ResourceTemplateListing;
  /** The parsed variables when `uri` is an instance of this template and they validate; `null` otherwise. */
  match(uri: string): unknown;
  read(params: unknown, uri: string, ctx: ToolContext): Promise<ReadResourceResult | null>;
  list?(ctx: ToolContext): Promise<ResourceListing[]>;
}
