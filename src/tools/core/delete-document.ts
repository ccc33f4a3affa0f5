import * as z from "zod";
import { RETRY_WITH_KEY } from "../annotations.ts";
import { documentUri } from "../../resources/documents.ts";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import type { ToolInput, ToolResult } from "../types.ts";
import { isMicros } from "./cursor.ts";
import { DocumentSummary, Id, SUMMARY_COLUMNS, toSummary } from "./documents.ts";

const Output = z.object({
  deleted: z.boolean(),
  document: DocumentSummary.nullable().describe("The deleted document; null when nothing was deleted"),
});

/** The key of the confirmation request in the `InputRequiredResult`, and of its answer in the retry. */
const CONFIRM = "confirm";

/**
 * The exact row version (updated_at in microseconds since the epoch, as text) the user is shown. Deleting only that
 * version means an edit between question and answer is asked about again, never deleted unseen.
 */
const VERSION = "(extract(epoch from d.updated_at) * 1000000)::bigint::text as version";

/** What the tool seals into its question and gets back, verified, with the answer. */
interface AskedState {
  id: string;
  version: string;
}

/**
 * Deletes a document after the user confirms. The first round answers with a confirmation form (`inputRequired`); the
 * lane asks the client's user (2026-07-28: an `InputRequiredResult` and a retry; session lane: `elicitation/create` on
 * the call's SSE stream, src/mcp/client-requests/) and runs the tool again with the answer.
 */
export const deleteDocument = defineTool({
  name: "delete_document",
  title: "Delete document",
  description: `Deletes a document by id, after asking the user to confirm. Nothing is deleted unless the user confirms. ${RETRY_WITH_KEY}`,
  feature: "core",
  asksClient: true,
  input: z.object({ id: Id.describe("Document id") }),
  output: Output,
  // Deleting twice leaves the same state (the second call finds nothing).
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  // A deleted document ends its resource and changes the resource list.
  changes: (args) => [{ kind: "resource_updated", uri: documentUri(args.id) }, { kind: "resources_list_changed" }],
  async handler(args, ctx) {
    if (!ctx.input)
      return errorResult("delete_document needs a client that can ask its user to confirm (elicitation).");

    const answer = confirmation(ctx.input);
    if (answer === "declined") {
      const out: z.output<typeof Output> = { deleted: false, document: null };
      return dataResult(out, [{ type: "text", text: "Nothing was deleted: the user did not confirm." }]);
    }

    const asked = askedState(ctx.input.state, args.id);
    if (answer === "confirmed" && asked) {
      // One round trip: delete the confirmed version; in the same transaction, read what is there now, so a miss can
      // tell "gone" (not found) from "changed since the user confirmed" (ask again).
      const [deleted, current] = await ctx.db.batch(
        [
          {
            text: `delete from documents d
                    where d.id = $1 and d.updated_at = timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
                returning ${SUMMARY_COLUMNS}`,
            params: [args.id, asked.version],
          },
          { text: `select ${SUMMARY_COLUMNS}, ${VERSION} from documents d where d.id = $1`, params: [args.id] },
        ],
        { signal: ctx.signal },
      );
      const [row] = deleted ?? [];
      if (row) {
        const out: z.output<typeof Output> = { deleted: true, document: toSummary(row) };
        return dataResult(out);
      }
      const [now] = current ?? [];
      return now ? ask(now) : errorResult(Messages.documentNotFound);
    }

    // RLS hides other tenants' rows, so their ids get exactly the answer of ids that exist nowhere.
    const [row] = await ctx.db.query(
      `select ${SUMMARY_COLUMNS}, ${VERSION} from documents d where d.id = $1`,
      [args.id],
      {
        readOnly: true,
        signal: ctx.signal,
      },
    );
    return row ? ask(row) : errorResult(Messages.documentNotFound);
  },
});

/** The confirmation question for the current version of a document. */
function ask(row: Record<string, unknown>): ToolResult {
  const doc = toSummary(row);
  const title = doc.title.length > 200 ? `${doc.title.slice(0, 200)}…` : doc.title;
  const state: AskedState = { id: doc.id, version: String(row.version) };
  return {
    content: [{ type: "text", text: `The user must confirm deleting "${title}" first.` }],
    inputRequired: {
      requests: {
        [CONFIRM]: {
          method: "elicitation/create",
          params: {
            mode: "form",
            message: `Delete the document "${title}" (${doc.size_bytes} bytes)? This cannot be undone.`,
            requestedSchema: {
              type: "object",
              properties: { confirm: { type: "boolean", title: "Delete it", default: false } },
              required: ["confirm"],
            },
          },
        },
      },
      state,
    },
  };
}

/** The user's answer, read defensively: it is client input. Accepting with `confirm: false` is a "no". */
function confirmation(input: ToolInput): "confirmed" | "declined" | "none" {
  const answer = input.responses?.[CONFIRM];
  if (typeof answer !== "object" || answer === null) return "none";
  const { action, content } = answer as { action?: unknown; content?: unknown };
  if (action === "accept") {
    return typeof content === "object" && content !== null && (content as { confirm?: unknown }).confirm === true
      ? "confirmed"
      : "declined";
  }
  return action === "decline" || action === "cancel" ? "declined" : "none";
}

/** The verified state of the question, when it was about this document. */
function askedState(state: unknown, id: string): AskedState | null {
  if (typeof state !== "object" || state === null) return null;
  const { id: askedId, version } = state as Partial<AskedState>;
  return askedId === id && isMicros(version) ? { id: askedId, version } : null;
}
