/**
 * Resources the MCP conformance suite reads by URI (`test://static-text`, `test://static-binary`,
 * `test://template/{id}/data`), as `@modelcontextprotocol/server-everything` serves them. Only tenants with the
 * `conformance_fixtures` feature have them.
 */
import * as z from "zod";
import { defineResourceTemplate } from "../resources/define.ts";
import type { BlobResourceContents, ResourceTemplate, TextResourceContents } from "../resources/types.ts";
import { RED_PIXEL_PNG } from "./tools/media.ts";

const FEATURE = "conformance_fixtures";

/** One fixed resource: a template without variables, offered by `resources/list`. */
function fixedResource(
  name: string,
  description: string,
  contents: TextResourceContents | BlobResourceContents,
): ResourceTemplate {
  return defineResourceTemplate({
    uriTemplate: contents.uri,
    name,
    title: name,
    description,
    mimeType: contents.mimeType,
    feature: FEATURE,
    params: z.object({}),
    read: async () => ({ contents: [contents] }),
    list: async () => [{ uri: contents.uri, name, title: name, description, mimeType: contents.mimeType }],
  });
}

const staticText = fixedResource("static-text", "A fixed text resource (conformance: resources-read-text).", {
  uri: "test://static-text",
  mimeType: "text/plain",
  text: "This is the content of the static text resource.",
});

const staticBinary = fixedResource("static-binary", "A fixed binary resource (conformance: resources-read-binary).", {
  uri: "test://static-binary",
  mimeType: "image/png",
  blob: RED_PIXEL_PNG,
});

const templated = defineResourceTemplate({
  uriTemplate: "test://template/{id}/data",
  name: "template-data",
  title: "Templated data",
  description: "JSON that echoes the id in its URI (conformance: resources-templates-read).",
  mimeType: "application/json",
  feature: FEATURE,
  params: z.object({ id: z.string().min(1).max(64) }),
  read: async ({ id }, uri) => ({
    contents: [
      {
        uri,
        mimeType: "application/json",
        text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      },
    ],
  }),
});

/** The conformance fixture resources. */
export const CONFORMANCE_RESOURCES: readonly ResourceTemplate[] = Object.freeze([staticText, staticBinary, templated]);
