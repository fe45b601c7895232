import { randomBytes } from 'node:crypto';
import type { Log } from '../log/log.js';

/**
 * A history's name, as Redis's replication ids: `replid` names the history this node's log
 * follows; after a promotion, `replid2` names the one it followed before, up to `replid2Rev`. A
 * follower asking to resume under a name and revision the primary does not know has diverged.
 */
export interface ReplicationIds {
  replid: string;
  replid2: string;
  /** The last revision shared with the history `replid2` (-1: none). */
  replid2Rev: number;
}

/** What a follower sends when its history does not count (a new node, or a resync from scratch). */
export const NO_HISTORY = '?';

export function newReplicationId(): string {
  return randomBytes(20).toString('hex');
}

export async function loadReplicationIds(log: Log): Promise<ReplicationIds> {
  const stored = await log.readMeta('repl');
  if (stored !== undefined) return JSON.parse(stored.toString('utf8')) as ReplicationIds;
  const ids = { replid: newReplicationId(), replid2: '0'.repeat(40), replid2Rev: -1 };
  await saveReplicationIds(log, ids);
  return ids;
}

export async function saveReplicationIds(log: Log, ids: ReplicationIds): Promise<void> {
  await log.writeMeta('repl', Buffer.from(JSON.stringify(ids)));
}
