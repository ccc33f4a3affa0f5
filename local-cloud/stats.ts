/**
 * Request counters of the local cloud, by kind. The benchmark reads them over HTTP (GET /__stats) to count the
 * upstream round trips a Worker request costs, so every adapter counts what it serves here.
 */
export class Stats {
  private counts = new Map<string, number>();

  /** Adds `n` (default 1) to the counter `kind`. */
  count(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }

  /** The counters as a plain object, kinds sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.counts.clear();
  }
}
