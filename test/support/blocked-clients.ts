import type { Redis } from 'ioredis';

/** Waits until the server reports `count` blocked clients (INFO clients), so that tests order blocking without sleeps. */
export async function waitForBlockedClients(redis: Redis, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await redis.info('clients');
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1]) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} blocked clients after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
