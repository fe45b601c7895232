import { RawRespClient } from './raw-resp-client.js';
import { RespStream } from './resp-stream.js';

/**
 * The keyevent notifications that `commands` cause on the server at `port`, as `event key` in the
 * order they came: from a FLUSHALL on, with every class enabled (KEA); a final `SET end x` marks
 * the last. Notifications are off again afterwards. Run it on redis-server and on Eddy to compare.
 */
export async function keyEventsOf(port: number, commands: readonly (readonly string[])[]): Promise<string[]> {
  const raw = await RawRespClient.open(port);
  await raw.call('FLUSHALL');
  await raw.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  const listener = await RespStream.open(port);
  listener.send('PSUBSCRIBE', '__keyevent@0__:*');
  await listener.next();
  for (const each of commands) await raw.call(...each);
  await raw.call('SET', 'end', 'x');
  const seen: string[] = [];
  while (seen.at(-1) !== 'set end') {
    const [, , channel, key] = (await listener.next()) as string[];
    seen.push(`${channel.replace('__keyevent@0__:', '')} ${key}`);
  }
  await raw.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  listener.close();
  raw.close();
  return seen.slice(0, -1);
}
