import { DATABASES } from '../projections/shard-state.js';
import type { Config } from '../config/config.js';
import { ALL_EVENT_CLASSES } from '../config/option-values.js';
import { changesOfRecord } from '../log/change-events.js';
import type { Log } from '../log/log.js';
import type { LogRecord } from '../log/record.js';
import type { PubSubRegistry } from './pubsub-registry.js';

/** The class letter of each event, as `notify-keyspace-events` selects them. */
const CLASS_OF_EVENT: Readonly<Record<string, string>> = {
  del: 'g',
  expire: 'g',
  persist: 'g',
  rename_from: 'g',
  rename_to: 'g',
  move_from: 'g',
  move_to: 'g',
  copy_to: 'g',
  restore: 'g',
  set: '$',
  setrange: '$',
  setbit: '$',
  incrby: '$',
  incrbyfloat: '$',
  append: '$',
  pfadd: '$',
  lpush: 'l',
  rpush: 'l',
  lpop: 'l',
  rpop: 'l',
  linsert: 'l',
  lset: 'l',
  lrem: 'l',
  ltrim: 'l',
  sortstore: 'l',
  sadd: 's',
  srem: 's',
  spop: 's',
  sinterstore: 's',
  sunionstore: 's',
  sdiffstore: 's',
  hset: 'h',
  hincrby: 'h',
  hincrbyfloat: 'h',
  hdel: 'h',
  zadd: 'z',
  zincr: 'z',
  zrem: 'z',
  zremrangebyrank: 'z',
  zremrangebyscore: 'z',
  zremrangebylex: 'z',
  zpopmin: 'z',
  zpopmax: 'z',
  zunionstore: 'z',
  zinterstore: 'z',
  zdiffstore: 'z',
  zrangestore: 'z',
  xadd: 't',
  xtrim: 't',
  xdel: 't',
  xsetid: 't',
  'xgroup-create': 't',
  'xgroup-setid': 't',
  'xgroup-destroy': 't',
  'xgroup-createconsumer': 't',
  'xgroup-delconsumer': 't',
  georadiusstore: 'z',
  geosearchstore: 'z',
  expired: 'x',
  evicted: 'e',
};

/**
 * Redis keyspace notifications, published on `__keyspace@<db>__:<key>` (the event as message) and
 * `__keyevent@<db>__:<event>` (the key as message). They are read off committed log records, so a
 * notification never announces a write that a crash could take back.
 */
export class KeyspaceNotifier {
  private classes = '';
  private keyspace = false;
  private keyevent = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly log: Log,
    private readonly pubsub: PubSubRegistry,
    config: Config,
  ) {
    this.configure(config.get('notify-keyspace-events'));
    config.onChange('notify-keyspace-events', (flags) => this.configure(flags));
  }

  private configure(flags: string): void {
    this.keyspace = flags.includes('K');
    this.keyevent = flags.includes('E');
    this.classes = flags.replace('A', ALL_EVENT_CLASSES);
    const enabled = (this.keyspace || this.keyevent) && [...ALL_EVENT_CLASSES].some((letter) => this.classes.includes(letter));
    // Writers pay nothing while notifications are off.
    if (enabled && this.stopListening === undefined) this.stopListening = this.log.onCommit((records) => this.notify(records));
    if (!enabled && this.stopListening !== undefined) {
      this.stopListening();
      this.stopListening = undefined;
    }
  }

  private notify(records: readonly LogRecord[]): void {
    for (const record of records)
      for (const change of changesOfRecord(record)) {
        const eventClass = CLASS_OF_EVENT[change.event];
        if (change.key === null || change.db >= DATABASES || eventClass === undefined || !this.classes.includes(eventClass)) continue;
        if (this.keyspace) this.pubsub.publish(`__keyspace@${change.db}__:${change.key}`, change.event);
        if (this.keyevent) this.pubsub.publish(`__keyevent@${change.db}__:${change.event}`, change.key);
      }
  }
}
