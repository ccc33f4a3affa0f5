/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects). A timer: a Worker waiting on it spends no CPU,
 * which is what the pollers that park a request on Redis rely on (src/rendezvous/wait.ts, src/streams/feed.ts).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
