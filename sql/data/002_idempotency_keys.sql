-- Idempotency keys of tool calls (issue 16, src/idempotency/): a write tool called with a key stores the key and the
-- rows its write returned in the same transaction as the write, so a retry with the same key gets the first call's
-- answer and nothing runs twice. Here, next to the tenant tables, because that one transaction runs wherever the
-- tenant's data lives (every isolation tier); a move copies the keys with the rest (every table with tenant_id).

SET LOCAL ROLE tenant_mcp_owner;

CREATE TABLE idempotency_keys (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid,
  -- The credential the key belongs to, as `<kind>:<id>` (api_key:<key id>, oauth_grant:<grant id>): two credentials of
  -- one tenant never share a key.
  credential text NOT NULL CHECK (char_length(credential) BETWEEN 1 AND 200),
  key text NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
  tool text NOT NULL,
  -- SHA-256 (hex) of the call's arguments in canonical JSON: the same key with other arguments is refused.
  request_hash text NOT NULL,
  -- One JSON array per statement of the write transaction: the rows it returned, recorded by the statement itself.
  results jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, credential, key)
);

CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (tenant_id, expires_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, DELETE ON idempotency_keys TO tenant_mcp_app;
GRANT UPDATE (tool, request_hash, results, created_at, expires_at) ON idempotency_keys TO tenant_mcp_app;

-- Claims a key for the write that follows it in the same transaction, or refuses the write:
--   * SQLSTATE 55TI1 when the key was used for this same call: the DETAIL is the first call's recorded results (the
--     transaction aborts, so nothing of this call is written);
--   * 55TI2 when the key was used for another tool or other arguments (DETAIL: that tool's name);
--   * 55P03 when the first call with the key is still running after p_wait: an insert of the same key waits for the
--     transaction that inserted it first, and gets its outcome (committed: a replay; rolled back: this call runs).
-- An expired key is claimed anew. Each claim also deletes a few of the tenant's expired keys (every tier; the Cron
-- Trigger sweeps the main database's locations in bulk, sql/017). Invoker's rights, so row-level security applies; its
-- search_path is pinned below to the location it is made in (with pg_catalog first and pg_temp last, as Postgres
-- puts them), so its unqualified table names mean this location's table whoever calls it. OR REPLACE: a database a
-- tenant leaves keeps its functions when its tables are dropped (discardLocation), and may take a tenant again.
CREATE OR REPLACE FUNCTION claim_idempotency_key(p_credential text, p_key text, p_tool text, p_hash text, p_ttl interval,
                                      p_wait text) RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_lock_timeout text := pg_catalog.current_setting('lock_timeout');
  v_tool text;
  v_hash text;
  v_results jsonb;
  v_claimed integer;
BEGIN
  DELETE FROM idempotency_keys AS k
   WHERE (k.credential, k.key) IN (SELECT e.credential, e.key FROM idempotency_keys AS e
                                    WHERE e.expires_at < pg_catalog.now() LIMIT 20 FOR UPDATE SKIP LOCKED);
  PERFORM pg_catalog.set_config('lock_timeout', p_wait, true);
  INSERT INTO idempotency_keys AS k (credential, key, tool, request_hash, expires_at)
  VALUES (p_credential, p_key, p_tool, p_hash, pg_catalog.now() + p_ttl)
  ON CONFLICT (tenant_id, credential, key) DO UPDATE
     SET tool = excluded.tool, request_hash = excluded.request_hash, results = '[]'::jsonb,
         created_at = excluded.created_at, expires_at = excluded.expires_at
   WHERE k.expires_at < pg_catalog.now();
  GET DIAGNOSTICS v_claimed = ROW_COUNT;
  PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
  IF v_claimed > 0 THEN
    RETURN;
  END IF;
  SELECT k.tool, k.request_hash, k.results INTO v_tool, v_hash, v_results
    FROM idempotency_keys AS k WHERE k.credential = p_credential AND k.key = p_key;
  IF v_tool IS DISTINCT FROM p_tool OR v_hash IS DISTINCT FROM p_hash THEN
    RAISE EXCEPTION 'idempotency key already used for another call' USING ERRCODE = '55TI2', DETAIL = v_tool;
  END IF;
  RAISE EXCEPTION 'idempotency key already used for this call' USING ERRCODE = '55TI1', DETAIL = v_results::text;
END
$$;

DO $$
BEGIN
  EXECUTE pg_catalog.format(
    'ALTER FUNCTION claim_idempotency_key(text, text, text, text, interval, text) SET search_path = %I, pg_temp',
    current_schema());
END
$$;

GRANT EXECUTE ON FUNCTION claim_idempotency_key(text, text, text, text, interval, text) TO tenant_mcp_app;

-- The Cron Trigger's sweeper (sql/017) sees and deletes expired keys only, of every tenant, in this location.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenant_mcp_idempotency_sweeper') THEN
    -- public's USAGE comes from sql/017 (the owner cannot grant it); a tenant schema belongs to the owner.
    IF current_schema() <> 'public' THEN
      EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO tenant_mcp_idempotency_sweeper', current_schema());
    END IF;
    GRANT SELECT (tenant_id, credential, key, expires_at), DELETE ON idempotency_keys TO tenant_mcp_idempotency_sweeper;
    CREATE POLICY sweeper_read ON idempotency_keys FOR SELECT TO tenant_mcp_idempotency_sweeper
      USING (expires_at < pg_catalog.now());
    CREATE POLICY sweeper_delete ON idempotency_keys FOR DELETE TO tenant_mcp_idempotency_sweeper
      USING (expires_at < pg_catalog.now());
  END IF;
END
$$;
