import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { EddyProcess } from './eddy-process.js';

/**
 * One real server and one ioredis client (RESP2) for a whole test file, emptied before each test.
 * The client reconnects by itself when a test restarts the server on the same port.
 */
export interface EddyForFile {
  readonly server: EddyProcess;
  readonly redis: Redis;
}

export function eddyForFile(args: string[]): EddyForFile {
  const fixture: { server?: EddyProcess; redis?: Redis } = {};
  beforeAll(async () => {
    fixture.server = await EddyProcess.start(args);
    fixture.redis = new Redis({ port: fixture.server.port, protocol: 2 });
    fixture.redis.on('error', () => undefined);
  });
  afterAll(async () => {
    fixture.redis?.disconnect();
    await fixture.server?.stop();
  });
  beforeEach(async () => {
    await fixture.redis?.flushall();
  });
  return {
    get server() {
      return fixture.server as EddyProcess;
    },
    get redis() {
      return fixture.redis as Redis;
    },
  };
}
