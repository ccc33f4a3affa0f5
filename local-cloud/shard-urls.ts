/**
 * The Redis URLs of shards 1 to `shards` - 1 when none are given: the same server, the db numbers after the first
 * shard's (counting down from it when they would pass 15, Redis's last default db).
 */
export function shardDbUrls(redisUrl: string, shards: number): string[] {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.slice(1) || "0");
  return Array.from({ length: shards - 1 }, (_, k) => {
    const i = k + 1;
    const shardUrl = new URL(url);
    const shardDb = db + (shards - 1) <= 15 ? db + i : db - i;
    if (shardDb < 0)
      throw new Error(`no free Redis db numbers for ${shards} shards after ${redisUrl}: give their URLs`);
    shardUrl.pathname = `/${shardDb}`;
    return shardUrl.toString();
  });
}
