import { Client } from '../src/session/client.js';
import { dispatch } from '../src/session/dispatcher.js';
import { startInProcess } from '../src/server/in-process-server.js';
import { RESTRICTED_USER } from './restricted-user.js';

/**
 * The ACL check's cost without the network (issue 17's "at most 5%"): SET dispatched in this
 * process, on the real store and session layer, as the default user (unrestricted: the check is
 * skipped) and as a user with ten key patterns and category rules, in alternating rounds. Run
 * pinned to a core (`taskset -c 0 node dist/bench/acl-in-process.js`): what differs is CPU alone,
 * which redis-benchmark's rounds (swinging by 10-20% on this machine) cannot resolve to 5%.
 */
const SETS_PER_ROUND = 500_000;
const BATCH = 10_000;
const ROUNDS = 10;

const eddy = await startInProcess(1);
const admin = eddy.client;
dispatch(admin, RESTRICTED_USER);
const restricted = new Client(admin.server, { remoteAddress: 'bench:2', localAddress: 'bench:0', close: () => undefined, push: () => true });
dispatch(restricted, ['AUTH', 'bench', 'bench-pw']);
if (restricted.user.name !== 'bench') throw new Error('AUTH as bench failed');

/** Nanoseconds per SET, counting the dispatch alone: the log's writes run between batches, untimed. */
async function round(client: Client): Promise<number> {
  let elapsed = 0;
  for (let done = 0; done < SETS_PER_ROUND; done += BATCH) {
    const started = performance.now();
    for (let i = 0; i < BATCH; i++) dispatch(client, ['SET', `key:${(done + i) % 1000}`, 'v']);
    elapsed += performance.now() - started;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return (elapsed * 1e6) / SETS_PER_ROUND;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
await round(admin); // warm-up: let V8 optimise both paths
await round(restricted);
const rates = { default: [] as number[], restricted: [] as number[] };
for (let r = 0; r < ROUNDS; r++)
  for (const which of r % 2 === 0 ? (['default', 'restricted'] as const) : (['restricted', 'default'] as const))
    rates[which].push(await round(which === 'default' ? admin : restricted));
await eddy.close();
const [plain, checked] = [median(rates.default), median(rates.restricted)];
console.log(`SET dispatched in process, ${ROUNDS} alternating rounds of ${SETS_PER_ROUND} (ns per SET):`);
console.log('| user | rounds | median ns |');
console.log('|---|---|---|');
console.log(`| default (no check) | ${rates.default.map((ns) => ns.toFixed(0)).join(', ')} | ${plain.toFixed(0)} |`);
console.log(`| 10 key patterns + categories | ${rates.restricted.map((ns) => ns.toFixed(0)).join(', ')} | ${checked.toFixed(0)} |`);
console.log(`the check: ${(checked - plain).toFixed(0)} ns per SET, ${((100 * (checked - plain)) / plain).toFixed(1)}% of the in-process SET`);
