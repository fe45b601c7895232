/**
 * The commands a redis-server primary's stream runs, as its client (src/session/primary-client.ts
 * builds it: replication never sees a session). `run` answers an error's text, or undefined.
 */
export interface PrimaryCommands {
  run(args: string[]): string | undefined | Promise<string | undefined>;
  inTransaction(): boolean;
  dropTransaction(): void;
  /** A new client: database 0, no transaction (a full resync starts from there). */
  reset(): void;
}
