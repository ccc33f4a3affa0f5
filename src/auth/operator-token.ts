/**
 * Operator tokens: `tmop_<token id>_<secret>`, the credential of the operator API (/admin/api/v1). Shaped like API keys
 * (src/auth/api-key.ts) and hashed the same way, with a prefix of their own, so neither kind can be mistaken for the
 * other: a tenant's key never parses as an operator token, and a leaked token is easy to scan for.
 */
import { hashSecret, randomBase32 } from "./api-key.ts";

/** Every operator token starts with this. */
export const OPERATOR_TOKEN_PREFIX = "tmop_";

const TOKEN_ID_LENGTH = 16;
const SECRET_LENGTH = 40;
const TOKEN_PATTERN = new RegExp(
  `^${OPERATOR_TOKEN_PREFIX}([a-z2-7]{${TOKEN_ID_LENGTH}})_([a-z2-7]{${SECRET_LENGTH}})$`,
);

/** A token split into its parts. */
export interface ParsedOperatorToken {
  tokenId: string;
  secret: string;
}

/** Splits a presented token; `null` for anything that is not exactly the format (an API key, an OAuth token, junk). */
export function parseOperatorToken(token: string): ParsedOperatorToken | null {
  const m = TOKEN_PATTERN.exec(token);
  return m ? { tokenId: m[1] as string, secret: m[2] as string } : null;
}

/** A new token: the whole token (shown once), its id, and the hash to store. */
export async function mintOperatorToken(
  pepper: string,
): Promise<{ token: string; tokenId: string; secretHash: string }> {
  const tokenId = randomBase32(TOKEN_ID_LENGTH);
  const secret = randomBase32(SECRET_LENGTH);
  return {
    token: `${OPERATOR_TOKEN_PREFIX}${tokenId}_${secret}`,
    tokenId,
    secretHash: await hashSecret(pepper, secret),
  };
}
