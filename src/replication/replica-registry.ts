/**
 * What replication needs of the connection a follower streams over: a session's client, adapted
 * by src/commands/replication-commands.ts (replication never sees the session itself).
 */
export interface ReplicaPeer {
  readonly remoteAddress: string;
  /** Sends one stream message (a push), whatever the output limits; false once the connection is gone. */
  send(items: string[]): boolean;
  /** True while what was sent piles up unread. */
  readonly congested: boolean;
  /** Resolves once a congested connection has drained, or closed. */
  drained(): Promise<void>;
  close(): void;
  onClose(cleanup: () => void): void;
}

/** A follower connected to this node, as INFO and ROLE show it. */
export interface ConnectedReplica {
  readonly peer: ReplicaPeer;
  /** The port it serves clients on (REPLCONF listening-port), for INFO's slaveN and Sentinel. */
  listeningPort: number;
  /** Redis's states: wait_bgsave while a checkpoint is made for it, send_bulk while it is sent, online after. */
  state: 'wait_bgsave' | 'send_bulk' | 'online';
  /** The highest revision it has written to its log (REPLCONF ACK). */
  ackRev: number;
  ackAt: number;
}

/** The address a follower connected from, without its port (and without IPv4-mapped IPv6's prefix). */
export function replicaIp(replica: ConnectedReplica): string {
  return replica.peer.remoteAddress.replace(/:\d+$/, '').replace(/^::ffff:/, '');
}

/**
 * The followers streaming from this node: their acknowledged revisions answer WAIT, and their
 * lag decides min-replicas-to-write.
 */
export class ReplicaRegistry {
  private readonly replicas = new Map<ReplicaPeer, ConnectedReplica>();
  private waiters: { rev: number; count: number; wake: () => void }[] = [];
  /** REPLCONF listening-port said before the stream starts, by peer. */
  private readonly announcedPorts = new WeakMap<ReplicaPeer, number>();

  announcePort(peer: ReplicaPeer, port: number): void {
    this.announcedPorts.set(peer, port);
    const replica = this.replicas.get(peer);
    if (replica !== undefined) replica.listeningPort = port;
  }

  add(peer: ReplicaPeer): ConnectedReplica {
    const replica: ConnectedReplica = { peer, listeningPort: this.announcedPorts.get(peer) ?? 0, state: 'wait_bgsave', ackRev: 0, ackAt: Date.now() };
    this.replicas.set(peer, replica);
    peer.onClose(() => this.replicas.delete(peer));
    return replica;
  }

  /** REPLCONF ACK from a follower. */
  ack(peer: ReplicaPeer, rev: number): void {
    const replica = this.replicas.get(peer);
    if (replica === undefined) return;
    replica.ackRev = Math.max(replica.ackRev, rev);
    replica.ackAt = Date.now();
    this.wakeWaiters();
  }

  all(): ConnectedReplica[] {
    return [...this.replicas.values()];
  }

  isReplica(peer: ReplicaPeer): boolean {
    return this.replicas.has(peer);
  }

  /** Followers that have written `rev`. */
  countAcked(rev: number): number {
    let count = 0;
    for (const replica of this.replicas.values()) if (replica.state === 'online' && replica.ackRev >= rev) count++;
    return count;
  }

  /** Followers heard from within `maxLagSeconds` (min-replicas-max-lag). */
  countGood(maxLagSeconds: number, now = Date.now()): number {
    let count = 0;
    for (const replica of this.replicas.values()) if (replica.state === 'online' && now - replica.ackAt <= maxLagSeconds * 1000) count++;
    return count;
  }

  /** WAIT: resolves once `count` followers have written `rev`, or after `timeoutMs` (0: no limit), with how many have. */
  waitFor(rev: number, count: number, timeoutMs: number): Promise<number> {
    if (this.countAcked(rev) >= count) return Promise.resolve(this.countAcked(rev));
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        rev,
        count,
        wake: () => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((other) => other !== waiter);
          resolve(this.countAcked(rev));
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs > 0) timer = setTimeout(waiter.wake, timeoutMs);
    });
  }

  /** Closes every follower's stream (this node's history changed under them: they must ask again). */
  disconnectAll(): void {
    for (const replica of [...this.replicas.values()]) replica.peer.close();
  }

  private wakeWaiters(): void {
    for (const waiter of [...this.waiters]) if (this.countAcked(waiter.rev) >= waiter.count) waiter.wake();
  }
}
