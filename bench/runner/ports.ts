import { createServer, type Server } from "node:net";

/** The ports one bench run listens on (each `wrangler dev` also picks a free inspector port of its own). */
export interface BenchPorts {
  neon: number;
  upstash: number;
  worker: number;
  naive: number;
  /** One per peer Worker, in `--peers` order. */
  peers: number[];
}

const NAMES = ["neon", "upstash", "worker", "naive"] as const;

/**
 * `base`..`base + 3` (then one per peer) when `base` is set; otherwise free ports picked by the OS now (held together while picking, so
 * they differ). They are fixed for the whole run because the cloud restarts (with a delay) on the same ports while
 * both Workers keep pointing at them.
 */
export async function benchPorts(base: number, peerCount = 0): Promise<BenchPorts> {
  const count = NAMES.length + peerCount;
  const ports = base > 0 ? Array.from({ length: count }, (_, i) => base + i) : await freePorts(count);
  return {
    ...(Object.fromEntries(NAMES.map((name, i) => [name, ports[i]])) as Omit<BenchPorts, "peers">),
    peers: ports.slice(NAMES.length),
  };
}

async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            resolve(typeof address === "object" && address ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
