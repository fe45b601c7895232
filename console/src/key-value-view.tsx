import { useState } from 'preact/hooks';
import { bytesOf, formatValue, hexDump } from './formatting.js';
import type { KeyName } from './key-scan.js';
import { command, type Argument } from './server-api.js';

/** How many elements a collection shows (the page would not hold a million). */
export const SHOWN = 200;

/** The reads that show a key's value by type. */
export async function readValue(key: KeyName, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return command('GET', key);
    case 'hash':
      return command('HGETALL', key);
    case 'list':
      return command('LRANGE', key, 0, SHOWN - 1);
    case 'set':
      return (await command<[string, unknown[]]>('SSCAN', key, 0, 'COUNT', SHOWN))[1];
    case 'zset':
      return command('ZRANGE', key, 0, SHOWN - 1, 'WITHSCORES');
    case 'stream':
      return { entries: await command('XRANGE', key, '-', '+', 'COUNT', SHOWN), groups: await command('XINFO', 'GROUPS', key) };
    default:
      return command('DUMP', key);
  }
}

/** ZRANGE WITHSCORES comes as [member, score] pairs (RESP3) or flat (RESP2): pairs either way. */
function scorePairs(reply: unknown[]): [unknown, unknown][] {
  if (reply.every((item) => Array.isArray(item))) return reply as [unknown, unknown][];
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
  return pairs;
}

/** The ordinary commands that add and remove one element of a list, a set or a sorted set. */
const MEMBER_EDITS = {
  list: { addName: 'RPUSH', add: (key: KeyName, element: string) => ['RPUSH', key, element], remove: (key: KeyName, element: Argument) => ['LREM', key, 1, element] },
  set: { addName: 'SADD', add: (key: KeyName, member: string) => ['SADD', key, member], remove: (key: KeyName, member: Argument) => ['SREM', key, member] },
  zset: { addName: 'ZADD', add: (key: KeyName, member: string, score: string) => ['ZADD', key, score, member], remove: (key: KeyName, member: Argument) => ['ZREM', key, member] },
} satisfies Record<string, { addName: string; add: (key: KeyName, member: string, score: string) => Argument[]; remove: (key: KeyName, member: Argument) => Argument[] }>;

interface Props {
  name: KeyName;
  type: string;
  value: unknown;
  onChanged: () => void;
}

/** A value by its type, with the edits each type allows; every edit is an ordinary command. */
export function KeyValueView({ name, type, value, onChanged }: Props) {
  const [hex, setHex] = useState(false);
  const [draft, setDraft] = useState<string | undefined>();
  const [field, setField] = useState('');
  const [fieldValue, setFieldValue] = useState('');
  const run = async (...args: Argument[]) => {
    await command(...args);
    onChanged();
  };
  if (type === 'string') {
    const text = typeof value === 'string' ? value : undefined;
    return (
      <div class="value">
        <label>
          <input type="checkbox" name="hex" checked={hex || text === undefined} onChange={(e) => setHex(e.currentTarget.checked)} /> hex
        </label>
        {hex || text === undefined ? (
          <pre class="hex">{hexDump(bytesOf(value as string | { base64: string }))}</pre>
        ) : (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void run('SET', name, draft ?? text, 'KEEPTTL');
            }}
          >
            <textarea name="string-value" rows={4} value={draft ?? text} onInput={(e) => setDraft(e.currentTarget.value)} />
            <button type="submit">Save</button>
          </form>
        )}
      </div>
    );
  }
  if (type === 'hash') {
    const entries = Object.entries((value ?? {}) as Record<string, unknown>);
    return (
      <div class="value">
        <table class="fields">
          <thead>
            <tr>
              <th>field</th>
              <th>value</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {entries.map(([f, v]) => (
              <tr key={f} data-field={f}>
                <td>{f}</td>
                <td>{formatValue(v)}</td>
                <td>
                  <button type="button" onClick={() => void run('HDEL', name, f)}>
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form
          class="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            void run('HSET', name, field, fieldValue);
          }}
        >
          <input name="field" placeholder="field" value={field} onInput={(e) => setField(e.currentTarget.value)} />
          <input name="field-value" placeholder="value" value={fieldValue} onInput={(e) => setFieldValue(e.currentTarget.value)} />
          <button type="submit">HSET</button>
        </form>
      </div>
    );
  }
  if (type === 'list' || type === 'set' || type === 'zset') {
    const rows: [Argument, unknown][] = type === 'zset' ? (scorePairs(value as unknown[]) as [Argument, unknown][]) : (value as Argument[]).map((element) => [element, undefined]);
    const edits = MEMBER_EDITS[type];
    return (
      <div class="value">
        <table class="fields">
          <thead>
            <tr>
              <th>{type === 'list' ? 'index' : ''}</th>
              <th>{type === 'list' ? 'element' : 'member'}</th>
              {type === 'zset' ? <th>score</th> : null}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(([member, score], index) => (
              <tr key={index} data-member={formatValue(member)}>
                <td class="muted">{type === 'list' ? index : ''}</td>
                <td>{formatValue(member)}</td>
                {type === 'zset' ? <td>{formatValue(score)}</td> : null}
                <td>
                  <button type="button" onClick={() => void run(...edits.remove(name, member))}>
                    remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form
          class="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            void run(...edits.add(name, field, fieldValue));
          }}
        >
          <input name="member" placeholder={type === 'list' ? 'element' : 'member'} value={field} onInput={(e) => setField(e.currentTarget.value)} />
          {type === 'zset' ? <input name="score" placeholder="score" value={fieldValue} onInput={(e) => setFieldValue(e.currentTarget.value)} /> : null}
          <button type="submit">{edits.addName}</button>
        </form>
      </div>
    );
  }
  if (type === 'stream') {
    const { entries, groups } = value as { entries: [string, unknown[]][]; groups: unknown[] };
    return (
      <div class="value">
        <table class="fields">
          <thead>
            <tr>
              <th>ID</th>
              <th>fields</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([id, fields]) => (
              <tr key={id}>
                <td>{id}</td>
                <td>{formatValue(fields)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h4>Consumer groups</h4>
        <pre>{groups.length === 0 ? 'none' : groups.map(formatValue).join('\n')}</pre>
      </div>
    );
  }
  return <pre>{formatValue(value)}</pre>;
}
