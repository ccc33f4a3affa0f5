import { verifySecret } from "../../src/auth/api-key.ts";
import { parseOperatorToken } from "../../src/auth/operator-token.ts";
import { createOperator, findOperator } from "../../src/control/operators.ts";
import type { AdminDeps } from "../../src/control/types.ts";

/** The name of the local stack's operator token, as `operator list` and the operator audit log show it. */
const DEV_OPERATOR_NAME = "dev (npm run dev)";

/**
 * An `admin` operator token for the local stack's operator API: `previous` (from .dev-keys.json) while it still
 * verifies and is not revoked, else a new one, made through the control plane as `operator create` would.
 */
export async function ensureDevOperatorToken(deps: AdminDeps, previous: string | undefined): Promise<string> {
  const parsed = previous ? parseOperatorToken(previous) : null;
  if (parsed) {
    const stored = await findOperator(deps.sql, parsed.tokenId);
    if (stored && !stored.revoked && (await verifySecret(deps.pepper, parsed.secret, stored.secretHash)))
      return previous as string;
  }
  return (await createOperator(deps, { name: DEV_OPERATOR_NAME, role: "admin" })).token;
}
