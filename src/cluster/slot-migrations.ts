/** Where a CLUSTER MIGRATESLOTS is: copying the keys, sending what changed since, switching the owner, or over. */
export type SlotMigrationState = 'copying' | 'catching-up' | 'switching' | 'done' | 'failed';

/** One CLUSTER MIGRATESLOTS as CLUSTER GETSLOTMIGRATIONS shows it. */
export interface SlotMigration {
  readonly ranges: readonly (readonly [start: number, end: number])[];
  readonly source: string;
  readonly target: string;
  readonly startedAt: number;
  state: SlotMigrationState;
  /** Keys sent from the copy of the slots. */
  keysCopied: number;
  /** Keys sent again because the log showed them changed after the copy began. */
  keysResent: number;
  /** Rounds of sending again what the log showed changed, before the switch. */
  rounds: number;
  /** How long the slots' commands were held for the switch (ms). */
  heldMs: number | undefined;
  /** The first revision of the target's log that holds the slots' changes after the switch. */
  targetFrom: number | undefined;
  endedAt: number | undefined;
  error: string | undefined;
}

/** Kept once over, so that CLUSTER GETSLOTMIGRATIONS still shows how a move ended. */
const FINISHED_KEPT = 16;

/** This node's slot migrations by the log: those running and the last ones that ended. */
export class SlotMigrations {
  private readonly migrations: SlotMigration[] = [];

  get all(): readonly SlotMigration[] {
    return this.migrations;
  }

  begin(ranges: readonly (readonly [number, number])[], source: string, target: string): SlotMigration {
    const migration: SlotMigration = {
      ranges,
      source,
      target,
      startedAt: Date.now(),
      state: 'copying',
      keysCopied: 0,
      keysResent: 0,
      rounds: 0,
      heldMs: undefined,
      targetFrom: undefined,
      endedAt: undefined,
      error: undefined,
    };
    this.migrations.push(migration);
    return migration;
  }

  end(migration: SlotMigration, error?: string): void {
    migration.state = error === undefined ? 'done' : 'failed';
    migration.error = error;
    migration.endedAt = Date.now();
    const finished = this.migrations.filter((each) => each.endedAt !== undefined);
    if (finished.length > FINISHED_KEPT) this.migrations.splice(this.migrations.indexOf(finished[0]), 1);
  }

  /** A migration that never began (the layout refused it): not shown. */
  discard(migration: SlotMigration): void {
    const at = this.migrations.indexOf(migration);
    if (at !== -1) this.migrations.splice(at, 1);
  }

  /** Whether a migration from here is not over: one runs at a time (its switch holds its slots alone). */
  get busy(): boolean {
    return this.migrations.some((each) => each.endedAt === undefined);
  }

  /** Whether a migration from here that is not over covers the range. */
  running(start: number, end: number): boolean {
    return this.migrations.some((each) => each.endedAt === undefined && each.ranges.some(([s, e]) => s === start && e === end));
  }
}
