import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { ShardQueue } from '../../src/shards/shard-queue.js';
import { SLOTS, shardOfSlot, slotOf } from '../../src/shards/slot.js';

describe('slotOf', () => {
  it('agrees with Redis Cluster (as computed by cluster-key-slot) on ASCII keys and hash tags', () => {
    for (const key of ['', 'foo', 'user:1000', '{user1000}.following', '{user1000}.followers', 'foo{{bar}}zap', 'foo{bar}{zap}', '123456789'])
      expect(slotOf(key)).toBe(calculateSlot(key));
    expect(slotOf('123456789')).toBe(0x31c3 % SLOTS);
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    // An empty tag hashes the whole key (Redis's keyHashSlot; cluster-key-slot differs here).
    expect(slotOf('foo{}{bar}')).toBe(8363); // CRC16/XMODEM of the whole key (Python's binascii.crc_hqx) mod 16384
  });

  it('hashes bytes, not UTF-8 code points, for non-ASCII keys', () => {
    const key = Buffer.from('clé', 'utf8');
    expect(slotOf(key.toString('latin1'))).toBe(calculateSlot(key));
  });

  it('spreads slots over shards in contiguous ranges', () => {
    expect(shardOfSlot(0, 4)).toBe(0);
    expect(shardOfSlot(SLOTS - 1, 4)).toBe(3);
    expect(shardOfSlot(4096, 4)).toBe(1);
  });
});

describe('ShardQueue', () => {
  it('runs jobs at once when free and in arrival order behind a holder', async () => {
    const queue = new ShardQueue();
    const order: string[] = [];
    queue.submit(() => order.push('now'));
    await queue.acquire();
    queue.submit(() => order.push('first'));
    const second = queue.acquire().then(() => {
      order.push('second-holder');
      queue.release();
    });
    queue.submit(() => order.push('third'));
    expect(order).toEqual(['now']);
    queue.release();
    await second;
    expect(order).toEqual(['now', 'first', 'second-holder', 'third']);
    expect(queue.free).toBe(true);
  });
});
