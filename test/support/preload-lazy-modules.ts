// Loads, before a test sends its first request, every module the Worker loads on first use (dynamic `import()` in
// src/: the lanes, the tool checks, the Neon driver, the OAuth library, the operator API; LAZY_MODULES below).
//
// Why: in a deployed or `wrangler dev` Worker those imports are of modules bundled with the rest, and loading one is no
// I/O. Under the test runner it is: the module runner fetches the module from vitest. workerd ties a pending promise to
// the request that started it, and the runner shares one pending load among concurrent importers, so two requests that
// load the same module at once (the fuzz and load tests do) would leave one waiting forever once the other ended. With
// every such module loaded here, each import() the Worker makes is answered from the runner's cache.
// test/node/lean-lanes.test.ts checks that LAZY_MODULES names every dynamic import in src/.
import { LAZY_MODULES } from "./lazy-modules.ts";

await Promise.all(LAZY_MODULES.map((load) => load()));
