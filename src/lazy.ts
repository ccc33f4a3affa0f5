/**
 * A module loaded on first use (a dynamic `import()` of a module bundled with the Worker), remembered once loaded, so
 * later requests pay a check, not an import. It remembers the module and never the promise of loading it: workerd ties
 * a pending promise to the request that started it, and where loading is I/O (under the test runner) a request awaiting
 * another's load would never complete once that request ended. Until the module is loaded each request imports it
 * itself; the module system evaluates it once. A request must await every load it starts (no fire-and-forget), for the
 * same reason. docs/architecture.md "What an isolate loads, and when" lists what loads this way.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: T | undefined;
  return async () => {
    loaded ??= await load();
    return loaded;
  };
}
