/** What the operator tools need to reach tenants' data locations, beyond the admin CLI's control-plane clients. */
export interface DataAdmin {
  /**
   * Admin login of the main database over TCP (node-postgres): the superuser locally (the local cloud's
   * `adminDatabaseUrl`), the Neon project owner in production (`DATABASE_ADMIN_URL`). It creates tenant schemas and
   * databases; every row it touches it touches as tenant_mcp_owner under the tenant's own scope.
   */
  adminDatabaseUrl: string;
  /** The Worker's DATA_SECRET_KEY (32 bytes, base64url): seals and opens dedicated databases' connection strings. */
  dataSecretKey: string;
  /** The sql/ folder (numbered migrations, data/). Default: the repository's. */
  sqlDir?: string;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}
