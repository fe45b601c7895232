import { pack } from 'msgpackr';
import type { Log } from '../log/log.js';
import { encodeRecords } from './record-wire.js';
import type { ConnectedReplica, ReplicaPeer } from './replica-registry.js';
import { NO_HISTORY, type ReplicationIds } from './replication-ids.js';

/** Where a follower's stream starts: revisions from `from`, a checkpoint first, or nowhere (diverged). */
export type StartPoint = { from: number } | { checkpoint: true } | { diverged: string };

const PING_EVERY_MS = 1000;

/**
 * Decides where a follower resumes. It names the history it holds and its last revision (with that
 * record's time); it goes on from there when this node's log holds the same history up to that
 * revision. A history this node does not have, or a revision that differs, is a divergence.
 */
export async function startPoint(ids: ReplicationIds, log: Log, replid: string, rev: number, ts: number): Promise<StartPoint> {
  if (replid === NO_HISTORY || rev === 0) return log.oldestRev <= 1 ? { from: 1 } : { checkpoint: true };
  const known = (replid === ids.replid && rev <= log.committedRev) || (replid === ids.replid2 && rev <= ids.replid2Rev);
  if (!known) {
    const previous = ids.replid2Rev >= 0 ? `, and ${ids.replid2} up to ${ids.replid2Rev}` : '';
    return {
      diverged: `DIVERGED the follower holds history ${replid} up to revision ${rev}, which this primary does not have (it has ${ids.replid} up to ${log.committedRev}${previous})`,
    };
  }
  if (rev + 1 < log.oldestRev) return { checkpoint: true };
  if (ts > 0) {
    const record = await log.recordAt(rev);
    if (record !== undefined && record.ts !== ts) return { diverged: `DIVERGED the follower's revision ${rev} is not this primary's revision ${rev}` };
  }
  return { from: rev + 1 };
}

/**
 * Streams this node's log to a follower over its client connection: each committed batch as one
 * `log` push, in revision order, pausing while the follower does not read; a `ping` every second
 * carries the revision, so an idle link shows it is alive. Ends when the connection does.
 */
export async function streamLog(log: Log, replica: ConnectedReplica, from: number, timeoutSeconds: () => number): Promise<void> {
  const peer = replica.peer;
  const stopper = new AbortController();
  peer.onClose(() => stopper.abort());
  const pinger = setInterval(() => {
    if (Date.now() - replica.ackAt > timeoutSeconds() * 1000) peer.close();
    else peer.send(['ping', String(log.committedRev)]);
  }, PING_EVERY_MS);
  try {
    for await (const batch of log.readBatches(from, { follow: true, signal: stopper.signal })) {
      if (!peer.send(['log', encodeRecords(batch).toString('latin1')])) return;
      if (peer.congested) await peer.drained();
    }
  } finally {
    clearInterval(pinger);
  }
}

/**
 * A follower too far behind (or new, past retention) gets a checkpoint first (one made for it):
 * its rows shard by shard, then `rows-end`; the log follows from the oldest of its revisions.
 */
export async function sendCheckpoint(log: Log, peer: ReplicaPeer, revs: readonly number[]): Promise<boolean> {
  for (let shard = 0; shard < revs.length; shard++)
    for await (const rows of log.checkpoints.rows(shard, revs[shard])) {
      if (!peer.send(['rows', String(shard), pack(rows).toString('latin1')])) return false;
      if (peer.congested) await peer.drained();
    }
  return peer.send(['rows-end']);
}
