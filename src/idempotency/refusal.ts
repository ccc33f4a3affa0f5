/** Why a keyed call was refused: `mismatch` (the key belongs to another call), `in_progress` (its first call runs). */
export type RefusalKind = "mismatch" | "in_progress";

/**
 * A keyed tool call that must not run. Thrown through the tool's handler (defineTool lets it pass): `mismatch` becomes
 * JSON-RPC -32602 in the lane, `in_progress` an `isError` result saying to retry. The message is public.
 */
export class IdempotencyRefusal extends Error {
  readonly kind: RefusalKind;

  constructor(kind: RefusalKind, message: string) {
    super(message);
    this.name = "IdempotencyRefusal";
    this.kind = kind;
  }
}
