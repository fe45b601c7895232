import { ACL_CATEGORIES } from '../security/acl-user.js';

/**
 * Redis 7's ACL categories of a command or subcommand (COMMAND INFO, ACL CAT): the category of its
 * data type or family, those its flags imply (write, read, admin and dangerous, pubsub, fast or
 * slow, blocking), and a few Redis sets by hand. Listed in Redis's order (the order of its
 * category bits), so COMMAND INFO answers as redis-server does.
 */
const ORDER = ACL_CATEGORIES;

/** The category a command table group stands for (server and pub/sub commands take theirs from flags and EXTRA). */
const OF_GROUP: Readonly<Record<string, string | undefined>> = {
  keyspace: 'keyspace',
  string: 'string',
  hash: 'hash',
  list: 'list',
  set: 'set',
  sortedset: 'sortedset',
  bitmap: 'bitmap',
  hyperloglog: 'hyperloglog',
  geo: 'geo',
  stream: 'stream',
  connection: 'connection',
  transactions: 'transaction',
  scripting: 'scripting',
};

/** Categories Redis gives beyond the group's and the flags' (its commands' `acl_categories`). */
const EXTRA: Readonly<Record<string, readonly string[]>> = {
  dbsize: ['keyspace'],
  flushdb: ['keyspace', 'dangerous'],
  flushall: ['keyspace', 'dangerous'],
  swapdb: ['keyspace', 'dangerous'],
  keys: ['dangerous'],
  sort: ['set', 'sortedset', 'list', 'dangerous'],
  sort_ro: ['set', 'sortedset', 'list', 'dangerous'],
  info: ['dangerous'],
  lastsave: ['admin', 'dangerous'],
  role: ['admin', 'dangerous'],
  command: ['connection'],
  select: ['connection'],
  wait: ['connection'],
  'object|help': ['keyspace'],
  restore: ['dangerous'],
  'restore-asking': ['dangerous'],
  migrate: ['dangerous'],
};

/** Flags Redis reads categories from; `readonly` implies @read except for scripting commands (EVAL_RO runs any command). */
function implied(flags: ReadonlySet<string>, categories: Set<string>): void {
  if (flags.has('write')) categories.add('write');
  if (flags.has('readonly') && !categories.has('scripting')) categories.add('read');
  if (flags.has('admin')) categories.add('admin').add('dangerous');
  if (flags.has('pubsub')) categories.add('pubsub');
  categories.add(flags.has('fast') ? 'fast' : 'slow');
  if (flags.has('blocking')) categories.add('blocking');
}

/**
 * `name` is the command's (`config`) or a subcommand's (`config|get`, which takes its container's
 * group). A container (CONFIG, OBJECT) is @slow and what EXTRA gives it, as in Redis: its
 * subcommands carry the rest.
 */
export function categoriesOf(name: string, group: string, flags: readonly string[], container = false): string[] {
  const categories = new Set<string>(EXTRA[name] ?? EXTRA[name.split('|')[0]]);
  if (container) categories.add('slow');
  else {
    const ofGroup = OF_GROUP[group];
    if (ofGroup !== undefined) categories.add(ofGroup);
    implied(new Set(flags), categories);
  }
  return ORDER.filter((category) => categories.has(category)).map((category) => `@${category}`);
}
