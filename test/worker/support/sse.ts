/** One Server-Sent Event as a test reads it. */
export interface SseEvent {
  id?: string;
  data: string;
}

/** Reads SSE events off a response body, one at a time. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffer = "";
  private ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * The next event with data (priming events and comments are skipped), or `null` when the stream ended. Fails after
   * `timeoutMs`: a notification that never comes must fail the test, not hang it.
   */
  async next(timeoutMs = 8000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cut = this.buffer.indexOf("\n\n");
      if (cut >= 0) {
        const frame = this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut + 2);
        const event: SseEvent = { data: "" };
        for (const line of frame.split("\n")) {
          if (line.startsWith("id:")) event.id = line.slice(3).trim();
          if (line.startsWith("data:")) event.data += line.slice(5).trim();
        }
        if (event.data) return event;
        continue;
      }
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no SSE event in time");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no SSE event in time")), left);
      });
      try {
        const { value, done } = await Promise.race([this.reader.read(), timeout]);
        if (done) this.ended = true;
        else this.buffer += value;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The next JSON-RPC message of the stream (see {@link next}). */
  async message(timeoutMs?: number): Promise<Record<string, any> | null> {
    const event = await this.next(timeoutMs);
    return event ? JSON.parse(event.data) : null;
  }

  /** Stops reading; the server sees the client go away. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
