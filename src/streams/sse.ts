/** The headers of every notification stream (no caching or buffering on the way). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
});

/** Pause the client should take before reconnecting to a stream that ended (SSE `retry`), in ms. */
const RETRY_MS = 2000;

/** Writes Server-Sent Events frames to a stream's controller; every write after `close` is dropped. */
export class SseWriter {
  private readonly encoder = new TextEncoder();
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private closed = false;

  /** Binds the writer to the stream being started. */
  attach(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /**
   * The priming event (MCP 2025-11-25, "Resumability"): an id and no data, so the client can resume from here, and
   * the reconnect delay.
   */
  prime(id: string): void {
    this.write(`retry: ${RETRY_MS}\nid: ${id}\ndata: \n\n`);
  }

  /** One JSON-RPC notification, with the event id a client resumes from. */
  notify(id: string, method: string, params: Record<string, unknown> | undefined): void {
    const message = JSON.stringify({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });
    this.write(`id: ${id}\nevent: message\ndata: ${message}\n\n`);
  }

  /** A comment frame, which keeps the connection from looking idle to proxies. */
  heartbeat(): void {
    this.write(": keep-alive\n\n");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.controller?.close();
    } catch {
      // Already closed or errored by the runtime (the client went away).
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private write(frame: string): void {
    if (this.closed || !this.controller) return;
    try {
      this.controller.enqueue(this.encoder.encode(frame));
    } catch {
      this.closed = true;
    }
  }
}
