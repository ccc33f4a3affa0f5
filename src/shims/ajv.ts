// Stands in for `ajv` in the Worker's bundle (wrangler.toml [alias]). The session lane's SDK imports Ajv for its
// default JSON Schema validator, which the Worker never builds: both lanes pass the Workers validator
// (@cfworker/json-schema, src/mcp/*-server.ts). Ajv and what it pulls in (ajv-formats, fast-uri) are about a tenth of
// the bundle and of start-up time; this stub keeps them out, and fails loudly if a default validator is ever built.

/** Never constructed: see the module comment. */
export default class Ajv {
  constructor() {
    throw new Error("Ajv is not bundled in the Worker: pass jsonSchemaValidator (the Workers validator)");
  }
}
