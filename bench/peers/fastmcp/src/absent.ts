/**
 * Stands in for the schema libraries xsschema imports on demand (wrangler.toml's [alias]): only reached for a Sury,
 * Effect or Valibot schema, and the peer's tools use zod.
 */
export {};
