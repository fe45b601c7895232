import type { Redis } from 'ioredis';

/** Every key of the selected db with its type, value and whether it expires: for comparing whole datasets. */
export async function dumpDataset(redis: Redis): Promise<Record<string, unknown>> {
  const keys = (await redis.keys('*')).sort();
  const dump: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    const expires = (await redis.pttl(key)) > 0;
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'zset') value = await redis.zrange(key, 0, '-1', 'WITHSCORES');
    // Entries, counters, groups, consumers and PELs with their times: all a stream holds.
    else if (type === 'stream') value = await redis.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0');
    dump[key] = { type, value, expires };
  }
  return dump;
}

/** dumpDataset of every database that holds keys, by number; leaves database 0 selected. */
export async function dumpDatabases(redis: Redis): Promise<Record<number, Record<string, unknown>>> {
  const dumps: Record<number, Record<string, unknown>> = {};
  for (let db = 0; db < 16; db++) {
    await redis.select(db);
    const dump = await dumpDataset(redis);
    if (Object.keys(dump).length > 0) dumps[db] = dump;
  }
  await redis.select(0);
  return dumps;
}
