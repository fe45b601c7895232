import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../config/config.js';
import { Log } from '../log/log.js';
import { composeServer, encodingLimitsFrom } from './compose.js';
import { Client } from '../session/client.js';
import { Store } from '../shards/store.js';

/** The real store and session layer in this process (a temp-dir log, no sockets), for unit tests of the dispatch path and in-process benchmarks. */
export interface InProcessServer {
  readonly log: Log;
  readonly store: Store;
  /** A connected client whose transport drops what it is sent. */
  readonly client: Client;
  close(): Promise<void>;
}

export async function startInProcess(shards: number): Promise<InProcessServer> {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-in-process-'));
  const log = await Log.open(dir, { shards, fsync: 'no' });
  const config = new Config();
  const store = new Store(log, encodingLimitsFrom(config));
  const hooks = { shutdown: () => undefined, internalError: () => undefined, background: () => undefined };
  const server = await composeServer(store, config, hooks, { info: () => undefined, warn: () => undefined }, 0);
  const client = new Client(server, { remoteAddress: 'test:1', localAddress: 'test:0', close: () => undefined, push: () => true });
  return {
    log,
    store,
    client,
    close: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
