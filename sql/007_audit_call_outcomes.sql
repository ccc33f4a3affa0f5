-- The audit log records what the client saw, not only whether a tool result had isError, and links the round trips
-- of one multi-round-trip call (MCP 2026-07-28 InputRequiredResult) so `usage` counts such a call once.
--
-- status, one value per row (each row is one round trip of a tools/call):
--   ok              a result without isError
--   tool_error      a result with isError: true (bad arguments, not found, a database failure the tool reported)
--   protocol_error  a JSON-RPC error instead of a result (-32602 unknown tool / invalid params, -32021 missing client
--                   capability, -32603 internal error, ...)
--   input_required  a round trip that ended in an InputRequiredResult: a question to the user, not a finished call.
--                   The call finishes on the round trip that answers it (same call_id); one never answered stays here.
--   error           written before this migration only, for what is now tool_error (an isError result or a handler
--                   that threw). Old rows keep it: rewriting them would lock the table for nothing, and readers treat
--                   it as tool_error. Rows before this migration may also count as ok a call that was refused with
--                   -32021, and as two calls a confirmed delete_document; nothing in them can tell those apart.
--
-- The check only widens, so a Worker still running the previous release keeps writing ok/error during a deploy.

SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.audit_log DROP CONSTRAINT audit_log_status_check;
ALTER TABLE public.audit_log ADD CONSTRAINT audit_log_status_check
  CHECK (status IN ('ok', 'tool_error', 'protocol_error', 'input_required', 'error'));

-- The same id on every round trip of one multi-round-trip call: minted by the server when the call first asks for
-- input, sealed into requestState (HMAC, bound to the tenant), and read back from the verified state when the client
-- answers. NULL for a call that finished in one round trip, and for a round trip whose requestState failed to verify
-- (nothing in it can be trusted). No new grant: the Worker's INSERT on the table covers new columns.
ALTER TABLE public.audit_log ADD COLUMN call_id uuid;
