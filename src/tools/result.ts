import type { ContentBlock, ToolResult } from "./types.ts";

/**
 * A successful result carrying data: `structuredContent` for clients that read `outputSchema`, and the same JSON as a
 * text block for clients that predate structured output (MCP 2025-06-18: a tool returning structured content SHOULD
 * also return it serialised in a text block).
 */
export function dataResult<T extends object>(data: T, extra: ContentBlock[] = []): ToolResult {
  return {
    content: [...extra, { type: "text", text: JSON.stringify(data) }],
    structuredContent: data as Record<string, unknown>,
  };
}

/** A domain failure the model should see. The message must not depend on whether the object exists elsewhere. */
export function errorResult(message: string): ToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/**
 * Public messages of domain failures. Fixed strings without the requested id, so "another tenant's object" and "no
 * such object" are byte-identical answers.
 */
export const Messages = {
  documentNotFound: "Document not found.",
  workspaceNotFound: "Workspace not found.",
  workspaceNameTaken: "A workspace with this name already exists in this account (names ignore case).",
  workspaceArchived: "The workspace is archived: restore it (update_workspace with archived false) to add documents.",
  invalidCursor: "Invalid cursor: pass a next_cursor value from an earlier call, unchanged.",
} as const;
