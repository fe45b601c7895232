import { expect } from 'vitest';
import { RawRespClient, arrayElements } from './raw-resp-client.js';

/**
 * A command, or a command with options: `on` picks another connection (for WATCH races), `sorted`
 * compares an array reply's elements in sorted order (KEYS, SMEMBERS: hash order is Redis's own),
 * `scan` runs a SCAN-like command (cursor first) to its end and gives what it found, sorted (the
 * cursors are each server's own), `masked` blanks what legitimately differs (a client id),
 * `wait` pauses first (ms).
 */
export type Step = string[] | { args: string[]; on?: number; sorted?: true; scan?: true; masked?: RegExp; wait?: number };

/** A SCAN-like command run from cursor 0 to the end: everything found, sorted, as one array reply. */
async function scanToEnd(client: RawRespClient, [command, ...rest]: string[]): Promise<string> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [cursorReply, items] = arrayElements(await client.call(command, cursor, ...rest.slice(1)));
    cursor = cursorReply.split('\r\n')[1];
    found.push(...arrayElements(items));
  } while (cursor !== '0');
  return `*${found.length}\r\n${found.sort().join('')}`;
}

/** An array reply with its elements in sorted order (each element's bytes unchanged). */
function sortedArray(reply: string): string {
  return reply.startsWith('*') ? [reply.slice(0, reply.indexOf('\r\n') + 2), ...arrayElements(reply).sort()].join('') : reply;
}

/**
 * Runs the steps on one server, on fresh connections after FLUSHALL; each reply's bytes. A
 * `sorted` command queued in MULTI has its element of EXEC's reply sorted.
 */
export async function run(port: number, steps: readonly Step[]): Promise<string[]> {
  const connections: RawRespClient[] = [];
  const connection = async (n: number) => (connections[n] ??= await RawRespClient.open(port));
  await (await connection(0)).call('FLUSHALL');
  const replies: string[] = [];
  // Per connection: which queued commands want their EXEC element sorted (undefined outside MULTI).
  const queued: (boolean[] | undefined)[] = [];
  try {
    for (const step of steps) {
      const { args, on = 0, sorted = false, scan, masked, wait } = Array.isArray(step) ? { args: step } : step;
      if (wait !== undefined) await new Promise((resolve) => setTimeout(resolve, wait));
      const client = await connection(on);
      let reply = scan ? await scanToEnd(client, args) : await client.call(...args);
      const name = args[0].toUpperCase();
      const transaction = queued[on];
      if (transaction !== undefined && (name === 'EXEC' || name === 'DISCARD')) {
        queued[on] = undefined;
        if (reply.startsWith('*') && name === 'EXEC') {
          const elements = arrayElements(reply).map((element, i) => (transaction[i] ? sortedArray(element) : element));
          reply = `${reply.slice(0, reply.indexOf('\r\n') + 2)}${elements.join('')}`;
        }
      } else if (transaction !== undefined && reply === '+QUEUED\r\n') transaction.push(sorted);
      else if (name === 'MULTI' && reply === '+OK\r\n') queued[on] = [];
      else if (sorted) reply = sortedArray(reply);
      replies.push(masked ? reply.replace(masked, '…') : reply);
    }
  } finally {
    for (const client of connections) client?.close();
  }
  return replies;
}

/** Runs the steps on both servers (redis-server's port first); expects the same replies, command by command; Redis's replies. */
export async function expectSameRepliesOn(redisPort: number, eddyPort: number, steps: readonly Step[]): Promise<string[]> {
  const [expected, actual] = await Promise.all([run(redisPort, steps), run(eddyPort, steps)]);
  const label = (i: number) => (Array.isArray(steps[i]) ? steps[i] : (steps[i] as { args: string[] }).args).join(' ');
  expect(actual.map((reply, i) => `${label(i)} -> ${JSON.stringify(reply)}`)).toEqual(expected.map((reply, i) => `${label(i)} -> ${JSON.stringify(reply)}`));
  return expected;
}
