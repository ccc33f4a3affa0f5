import type { ReadyInfo } from "../local-cloud/ready.ts";

/**
 * What the test setup hands to the tests (`inject("cloud")`): the local cloud's endpoints as it announced them (its
 * `engines`: `server`, or the embedded fallback it chose because nothing answered at {@link CloudContext.serverUrls};
 * `adminDatabaseUrl`: the superuser the migrations ran as), and the database URLs of the fresh test database for the
 * other roles.
 */
export interface CloudContext extends ReadyInfo {
  /** The Worker's role (NOBYPASSRLS, owns nothing). */
  appDatabaseUrl: string;
  /** The role that owns the schema. */
  ownerDatabaseUrl: string;
  /** Pepper of API-key hashes in the test Worker. */
  apiKeyPepper: string;
  /** LOGIN_SECRET_KEY of the test Worker: tenants' OpenID Connect client secrets are sealed with it. */
  loginSecretKey: string;
  /** DATA_SECRET_KEY: dedicated tenant databases' connection strings are sealed with it. */
  dataSecretKey: string;
  /**
   * `POST {"input": <CreateTenantInput>, "isolation": "schema"|"database"}` here creates a tenant on that tier as
   * `tenant create --isolation` does (test/support/provision.ts); test/worker/support/tiers.ts wraps it.
   */
  provisionUrl: string;
  /** The servers the cloud was pointed at (the test setup's database and Redis URLs). */
  serverUrls: { postgres: string; redis: string };
}

/** The local OpenID Connect provider the test setup starts (local-cloud/oidc.ts), as `inject("oidc")`. */
export interface OidcContext {
  /** Its issuer, e.g. `http://127.0.0.1:39211`. */
  issuer: string;
  /** Its users (see OIDC_USERS in local-cloud/oidc.ts), by role in the tests. */
  users: { sub: string; email: string; password: string; emailVerified: boolean; groups?: string[] }[];
}

declare module "vitest" {
  interface ProvidedContext {
    cloud: CloudContext;
    oidc: OidcContext;
    /** The soak run's length and seed (test/soak/soak.test.ts; SOAK_SECONDS, SOAK_SEED; default 45 s, seed 1). */
    soak: { seconds: number; seed: number };
  }
}
