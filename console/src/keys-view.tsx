import { useEffect, useState } from 'preact/hooks';
import { formatBytes, formatTtl } from './formatting.js';
import { keyLabel, scanArguments, type KeyName, type KeyPage, type ScanReply } from './key-scan.js';
import { KeyValueView, readValue } from './key-value-view.js';
import { command, CommandError } from './server-api.js';

const PAGE = 50;
/** SCAN calls one page may make: a rare type in a large keyspace fills a page slowly; Next goes on. */
const CALLS_PER_PAGE = 20;
const TYPES = ['', 'string', 'hash', 'list', 'set', 'zset', 'stream'];

/**
 * About a page of keys from `cursor` on: SCAN until enough are found, the scan ends, or the calls
 * for a page are spent. A key the
 * user may not read (TYPE answers NOPERM) is left out: a restricted user sees only its keys.
 */
async function scanPage(cursor: string, pattern: string, type: string): Promise<KeyPage> {
  const found: KeyName[] = [];
  let next = cursor;
  let calls = 0;
  do {
    const [after, keys] = await command<ScanReply>(...scanArguments(next, pattern, type, PAGE));
    found.push(...keys);
    next = after;
  } while (next !== '0' && found.length < PAGE && ++calls < CALLS_PER_PAGE);
  const typed = await Promise.all(
    found.map((name) =>
      command<string>('TYPE', name).then(
        (t) => ({ name, type: t }),
        () => undefined,
      ),
    ),
  );
  return { keys: typed.filter((key) => key !== undefined && key.type !== 'none') as KeyPage['keys'], cursor: next };
}

interface Details {
  name: KeyName;
  type: string;
  pttl: number;
  encoding: string;
  memory: number | null;
  value: unknown;
}

async function readDetails(name: KeyName): Promise<Details | undefined> {
  const type = await command<string>('TYPE', name);
  if (type === 'none') return undefined;
  const [pttl, encoding, memory, value] = await Promise.all([
    command<number>('PTTL', name),
    command<string>('OBJECT', 'ENCODING', name),
    command<number | null>('MEMORY', 'USAGE', name),
    readValue(name, type),
  ]);
  return { name, type, pttl, encoding, memory, value };
}

/** Keys of db 0 (each HTTP request is a session on db 0): SCAN with filters, then one key's value and its edits. */
export function KeysView({ onHistory }: { onHistory: (key: string) => void }) {
  const [pattern, setPattern] = useState('');
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<string[]>(['0']);
  const [page, setPage] = useState<KeyPage | undefined>();
  const [selected, setSelected] = useState<Details | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [rename, setRename] = useState('');
  const [ttl, setTtl] = useState('');

  const report = (e: unknown) => setError(e instanceof CommandError ? e.message : String(e));
  const load = (cursor: string, stack: string[]) => {
    setError(undefined);
    scanPage(cursor, pattern, type).then((next) => {
      setPage(next);
      setCursors(stack);
    }, report);
  };
  const select = (name: KeyName) => readDetails(name).then(setSelected, report);
  const act = async (...args: Parameters<typeof command>) => {
    try {
      await command(...args);
      setError(undefined);
    } catch (e) {
      report(e);
    }
  };

  useEffect(() => load('0', ['0']), []);

  return (
    <div class="keys">
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          load('0', ['0']);
        }}
      >
        <label>
          Pattern <input name="pattern" placeholder="*" value={pattern} onInput={(e) => setPattern(e.currentTarget.value)} />
        </label>
        <label>
          Type
          <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t === '' ? 'any' : t}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Scan</button>
        <button type="button" disabled={cursors.length < 2} onClick={() => load(cursors[cursors.length - 2], cursors.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={page === undefined || page.cursor === '0'} onClick={() => page && load(page.cursor, [...cursors, page.cursor])}>
          Next
        </button>
      </form>
      {error === undefined ? null : <p class="error">{error}</p>}
      <div class="split">
        <ul class="key-list">
          {page?.keys.length === 0 ? <li class="muted">no keys here</li> : null}
          {page?.keys.map((key) => (
            <li key={keyLabel(key.name)}>
              <button type="button" class="key" data-key={keyLabel(key.name)} onClick={() => void select(key.name)}>
                {keyLabel(key.name)}
              </button>{' '}
              <span class="muted">{key.type}</span>
            </li>
          ))}
        </ul>
        {selected === undefined ? null : (
          <div class="details" data-testid="key-details">
            <h3>{keyLabel(selected.name)}</h3>
            <p class="facts">
              type <b>{selected.type}</b> · encoding <b>{selected.encoding}</b> · TTL <b>{formatTtl(selected.pttl)}</b> · memory{' '}
              <b>{selected.memory === null ? '?' : formatBytes(selected.memory)}</b>
            </p>
            <KeyValueView key={keyLabel(selected.name)} name={selected.name} type={selected.type} value={selected.value} onChanged={() => void select(selected.name)} />
            <div class="toolbar">
              <input name="rename" placeholder="new name" value={rename} onInput={(e) => setRename(e.currentTarget.value)} />
              <button type="button" onClick={() => void act('RENAME', selected.name, rename).then(() => select(rename))}>
                Rename
              </button>
              <input name="ttl" type="number" min="1" placeholder="seconds" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} />
              <button type="button" onClick={() => void act('EXPIRE', selected.name, ttl).then(() => select(selected.name))}>
                Expire
              </button>
              <button type="button" onClick={() => void act('PERSIST', selected.name).then(() => select(selected.name))}>
                Persist
              </button>
              <button
                type="button"
                class="danger"
                onClick={() =>
                  void act('DEL', selected.name).then(() => {
                    setSelected(undefined);
                    load(cursors[cursors.length - 1], cursors);
                  })
                }
              >
                Delete
              </button>
              {typeof selected.name === 'string' ? (
                <button type="button" onClick={() => onHistory(selected.name as string)}>
                  History
                </button>
              ) : null}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
