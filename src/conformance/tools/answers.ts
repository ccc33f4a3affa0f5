/**
 * Reading the client's answers to a fixture's input requests (MCP 2026-07-28 multi round-trip). Answers are client
 * input: each is checked against the request it answers, and a missing or malformed one counts as unanswered, so the
 * fixture asks for it again (SEP-2322: servers SHOULD re-request missing input rather than fail). Keys the fixture
 * never asked for are ignored.
 */
import * as z from "zod";
import type { InputRequest, ToolInput } from "../../tools/types.ts";

/** An answered request: the elicited form (`null` when the user declined or cancelled), the sampled text, or the roots. */
export type Answer =
  | { method: "elicitation/create"; content: Record<string, string | number | boolean> | null }
  | { method: "sampling/createMessage"; text: string }
  | { method: "roots/list"; roots: { uri: string; name?: string }[] };

/** Either every request is answered, or the requests still open (to ask again). */
export type Gathered<K extends string> =
  | { done: true; answers: Record<K, Answer> }
  | { done: false; open: Record<string, InputRequest> };

const Primitive = z.union([z.string(), z.number(), z.boolean()]);
const ElicitResult = z.discriminatedUnion("action", [
  z.object({ action: z.literal("accept"), content: z.record(z.string(), Primitive) }),
  z.object({ action: z.enum(["decline", "cancel"]) }),
]);
const SamplingResult = z.object({
  role: z.literal("assistant"),
  content: z.object({ type: z.literal("text"), text: z.string() }),
});
const RootsResult = z.object({ roots: z.array(z.object({ uri: z.string(), name: z.string().optional() })) });

/** The answers to `requests` that `input` carries, or the requests still unanswered. */
export function gather<K extends string>(input: ToolInput, requests: Record<K, InputRequest>): Gathered<K> {
  const answers: Partial<Record<K, Answer>> = {};
  const open: Record<string, InputRequest> = {};
  for (const key of Object.keys(requests) as K[]) {
    const answer = read(requests[key], input.responses?.[key]);
    if (answer) answers[key] = answer;
    else open[key] = requests[key];
  }
  return Object.keys(open).length ? { done: false, open } : { done: true, answers: answers as Record<K, Answer> };
}

function read(request: InputRequest, response: unknown): Answer | undefined {
  switch (request.method) {
    case "elicitation/create": {
      const r = ElicitResult.safeParse(response);
      if (!r.success) return undefined;
      const result = r.data;
      if (result.action !== "accept") return { method: request.method, content: null };
      // An accepted form must hold every required field.
      const missing = (request.params.requestedSchema.required ?? []).some((f) => !(f in result.content));
      return missing ? undefined : { method: request.method, content: result.content };
    }
    case "sampling/createMessage": {
      const r = SamplingResult.safeParse(response);
      return r.success ? { method: request.method, text: r.data.content.text } : undefined;
    }
    case "roots/list": {
      const r = RootsResult.safeParse(response);
      return r.success ? { method: request.method, roots: r.data.roots } : undefined;
    }
  }
}

/** A one-line account of an answer, for a fixture's result text. */
export function describe(answer: Answer): string {
  switch (answer.method) {
    case "elicitation/create":
      return answer.content ? Object.values(answer.content).join(", ") : "(declined)";
    case "sampling/createMessage":
      return answer.text;
    case "roots/list":
      return answer.roots.map((r) => r.uri).join(", ") || "(no roots)";
  }
}
