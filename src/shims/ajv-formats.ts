// Stands in for `ajv-formats` in the Worker's bundle, with src/shims/ajv.ts (see there why).

/** Never called: the stub Ajv cannot be constructed, so nothing adds formats to one. */
export default function addFormats(): never {
  throw new Error("ajv-formats is not bundled in the Worker: pass jsonSchemaValidator (the Workers validator)");
}
