import * as z from "zod";
import { listGrants, revokeGrant, revokeUserGrants } from "../control/grants.ts";
import { createKey, listKeys, resolveKeyId, revokeKey, rotateKey } from "../control/keys.ts";
import { createKeyInput, rotateKeyInput } from "../control/schemas.ts";
import { operation, page, pageQuery, type Operation } from "./operation.ts";

/** The key and grant operations: the CLI's `key create|list|revoke|rotate` and `grant list|revoke`. */
export const KEY_OPERATIONS: Operation[] = [
  operation({
    id: "listKeys",
    method: "get",
    path: "/tenants/{slug}/keys",
    tag: "keys",
    summary: "List a tenant's API keys, oldest first (never the secrets)",
    query: pageQuery,
    async run({ deps, params, query }) {
      return { body: page(await listKeys(deps, params.slug as string), query) };
    },
  }),
  operation({
    id: "createKey",
    method: "post",
    path: "/tenants/{slug}/keys",
    tag: "keys",
    summary: "Create an API key for a tenant; the key is in this answer only",
    action: "key.create",
    body: createKeyInput.strict(),
    status: 201,
    async run({ deps, params, body }) {
      const key = await createKey(deps, params.slug as string, body);
      return {
        body: key,
        audit: { tenantSlug: params.slug, target: key.keyId, detail: { name: body.name ?? null, scopes: key.scopes } },
      };
    },
  }),
  operation({
    id: "revokeKey",
    method: "post",
    path: "/keys/{keyId}/revoke",
    tag: "keys",
    summary: "Revoke an API key now: its next request gets 401, also inside an open session",
    action: "key.revoke",
    async run({ deps, params }) {
      const keyId = resolveKeyId(params.keyId as string);
      const { key, tenantId } = await revokeKey(deps, keyId);
      return { body: { key }, audit: { tenantId, target: keyId } };
    },
  }),
  operation({
    id: "rotateKey",
    method: "post",
    path: "/keys/{keyId}/rotate",
    tag: "keys",
    summary: "Replace an API key; the old one works until the grace period ends. The new key is in this answer only",
    action: "key.rotate",
    body: rotateKeyInput.strict(),
    status: 201,
    async run({ deps, params, body }) {
      const keyId = resolveKeyId(params.keyId as string);
      const { tenantId, ...rotated } = await rotateKey(deps, keyId, body);
      return {
        body: rotated,
        audit: { tenantId, target: keyId, detail: { newKeyId: rotated.keyId, graceSeconds: body.graceSeconds } },
      };
    },
  }),
  operation({
    id: "listGrants",
    method: "get",
    path: "/tenants/{slug}/grants",
    tag: "grants",
    summary: "List a tenant's OAuth grants (who signed in, with which client)",
    query: pageQuery.extend({ subject: z.string({ error: "must be text" }).min(1).optional() }),
    async run({ deps, params, query }) {
      const grants = await listGrants(
        deps,
        params.slug as string,
        query.subject === undefined ? {} : { subject: query.subject },
      );
      return { body: page(grants, query) };
    },
  }),
  operation({
    id: "revokeGrant",
    method: "post",
    path: "/grants/{grantId}/revoke",
    tag: "grants",
    summary: "Revoke one OAuth grant: its tokens fail on their next request and it can no longer be refreshed",
    action: "grant.revoke",
    async run({ deps, params }) {
      const result = await revokeGrant(deps, params.grantId as string);
      return { body: result, audit: { target: result.grantId } };
    },
  }),
  operation({
    id: "revokeUserGrants",
    method: "post",
    path: "/tenants/{slug}/grants/revoke",
    tag: "grants",
    summary: "Revoke every grant a tenant's user (OAuth subject) holds now; a later sign-in works",
    action: "grant.revoke_user",
    body: z.strictObject({ subject: z.string({ error: "must be text" }).min(1, { error: "must not be empty" }) }),
    async run({ deps, params, body }) {
      const result = await revokeUserGrants(deps, params.slug as string, body.subject);
      return {
        body: result,
        audit: { tenantSlug: params.slug, tenantId: result.tenantId, target: body.subject },
      };
    },
  }),
];
