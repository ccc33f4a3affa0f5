import { registerPrompts } from "../prompts/registry.ts";
import { registerResourceTemplates } from "../resources/registry.ts";
import { registerTools } from "../tools/registry.ts";
import { CONFORMANCE_PROMPTS } from "./prompts.ts";
import { CONFORMANCE_RESOURCES } from "./resources.ts";
import { CONFORMANCE_TOOLS } from "./tools/tools.ts";

// The official conformance suite's fixtures, added to the catalogue when this module is evaluated. Only tenants with
// the `conformance_fixtures` feature (never a plan's) see them, and only the conformance build has them at all: the
// production entry (src/index.ts) never imports this folder, so none of it is in the deployed bundle.
registerTools(CONFORMANCE_TOOLS);
registerResourceTemplates(CONFORMANCE_RESOURCES);
registerPrompts(CONFORMANCE_PROMPTS);
