import type { EncodingLimits } from '../projections/encoding-limits.js';
import { emptyShardState, type ShardState } from '../projections/shard-state.js';
import { ShardQueue } from './shard-queue.js';

/** A partition of the keyspace: the projection of its own log and the queue of jobs that touch it. */
export class Shard {
  readonly state: ShardState;
  readonly queue = new ShardQueue();

  constructor(
    readonly id: number,
    limits: EncodingLimits,
  ) {
    this.state = emptyShardState(limits);
  }
}
