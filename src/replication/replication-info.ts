import type { Config } from '../config/config.js';
import type { Log } from '../log/log.js';
import { RedisPrimaryLink } from './redis-primary-link.js';
import { replicaIp } from './replica-registry.js';
import type { Replication } from './replication.js';

/**
 * INFO replication in Redis's field names (Sentinel and tools parse them); offsets are revisions,
 * or the stream's bytes while following a redis-server (as its other replicas count them).
 * A follower adds `master_sync_last_error` (Eddy's own) when its link failed, e.g. on divergence.
 */
export function replicationInfo(replication: Replication, log: Log, config: Config): [string, string | number][] {
  const now = Date.now();
  const fields: [string, string | number][] = [];
  const link = replication.link;
  const redisOffset = link instanceof RedisPrimaryLink ? link.offset : undefined;
  if (link === undefined) fields.push(['role', 'master']);
  else {
    fields.push(
      ['role', 'slave'],
      ['master_host', link.host],
      ['master_port', link.port],
      ['master_link_status', link.state === 'connected' ? 'up' : 'down'],
      ['master_last_io_seconds_ago', link.lastIoAt === 0 ? -1 : Math.floor((now - link.lastIoAt) / 1000)],
      ['master_sync_in_progress', replication.syncing || link.state === 'sync' ? 1 : 0],
      ['slave_read_repl_offset', redisOffset ?? log.lastRev],
      ['slave_repl_offset', redisOffset ?? log.committedRev],
    );
    if (link.state !== 'connected') fields.push(['master_link_down_since_seconds', Math.floor((now - link.downSince) / 1000)]);
    if (link.lastError !== '') fields.push(['master_sync_last_error', link.lastError.replace(/[\r\n]/g, ' ')]);
    fields.push(['slave_priority', config.int('replica-priority')], ['slave_read_only', 1], ['replica_announced', 1]);
  }
  const replicas = replication.replicas.all();
  fields.push(['connected_slaves', replicas.length]);
  if (config.int('min-replicas-to-write') > 0) fields.push(['min_slaves_good_slaves', replication.replicas.countGood(config.int('min-replicas-max-lag'), now)]);
  replicas.forEach((replica, i) => {
    const lag = Math.floor((now - replica.ackAt) / 1000);
    fields.push([`slave${i}`, `ip=${replicaIp(replica)},port=${replica.listeningPort},state=${replica.state},offset=${replica.ackRev},lag=${lag}`]);
  });
  const ids = replication.ids;
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', link instanceof RedisPrimaryLink ? link.replid : ids.replid],
    ['master_replid2', ids.replid2],
    ['master_repl_offset', redisOffset ?? log.committedRev],
    ['second_repl_offset', ids.replid2Rev >= 0 ? ids.replid2Rev + 1 : -1],
    ['repl_backlog_active', 1],
    ['repl_backlog_first_byte_offset', log.oldestRev],
    ['repl_backlog_histlen', Math.max(0, log.committedRev - log.oldestRev + 1)],
  );
  return fields;
}

/** ROLE's reply: master with its followers, or slave with its primary and link state. */
export function roleReply(replication: Replication, log: Log): unknown[] {
  const link = replication.link;
  if (link === undefined)
    return ['master', log.committedRev, replication.replicas.all().map((replica) => [replicaIp(replica), String(replica.listeningPort), String(replica.ackRev)])];
  return ['slave', link.host, link.port, link.state, link instanceof RedisPrimaryLink ? link.offset : log.committedRev];
}
