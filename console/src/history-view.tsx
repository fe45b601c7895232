import { useEffect, useState } from 'preact/hooks';
import { formatTime, formatValue } from './formatting.js';
import { stateAsOf } from './history-state.js';
import { keyHistory, type History } from './key-history.js';
import { revisionAt } from './log-positions.js';
import { pitrCommand } from './pitr-command.js';
import { command } from './server-api.js';

/** CONFIG GET dir: where eddy-pitr reads from (a restricted user may not ask; the command says so). */
async function dataDirectory(): Promise<string> {
  try {
    const reply = await command<Record<string, string> | string[]>('CONFIG', 'GET', 'dir');
    return Array.isArray(reply) ? reply[1] : reply.dir;
  } catch {
    return '<data dir>';
  }
}

/**
 * One key's (or a pattern's) history over the retained log, and the keys as of a revision or a time,
 * read-only, with the eddy-pitr command that restores the whole dataset as of then.
 */
export function HistoryView({ initialKey }: { initialKey: string }) {
  const [target, setTarget] = useState(initialKey);
  const [db, setDb] = useState('0');
  const [history, setHistory] = useState<History | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [asOfInput, setAsOfInput] = useState('');
  const [asOf, setAsOf] = useState<{ rev: number; time?: number } | undefined>();
  const [dir, setDir] = useState('<data dir>');

  const load = (key: string) => {
    if (key === '') return;
    setError(undefined);
    setAsOf(undefined);
    keyHistory(key, Number(db)).then(setHistory, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  useEffect(() => {
    void dataDirectory().then(setDir);
  }, []);
  useEffect(() => {
    setTarget(initialKey);
    load(initialKey);
  }, [initialKey]);

  const rewind = async () => {
    if (/^\d+$/.test(asOfInput)) return setAsOf({ rev: Number(asOfInput) });
    const time = Date.parse(asOfInput);
    if (Number.isNaN(time)) return setError(`not a revision or a time: ${asOfInput}`);
    // As of a time: every record written up to it, so up to the first one after it.
    setAsOf({ rev: (await revisionAt(time + 1)) - 1, time });
  };

  return (
    <div class="history">
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          load(target);
        }}
      >
        <label>
          Key or pattern <input name="history-key" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
        </label>
        <label>
          DB <input name="history-db" type="number" min="0" max="15" value={db} onInput={(e) => setDb(e.currentTarget.value)} />
        </label>
        <button type="submit">Show history</button>
      </form>
      {error === undefined ? null : <p class="error">{error}</p>}
      {history === undefined ? null : (
        <>
          <p class="muted">
            {history.changes.length} changes in the retained log (revisions {history.oldest} to {history.next - 1})
            {history.omitted > 0 ? `; ${history.omitted} older ones not shown` : ''}
          </p>
          <table class="history-table">
            <thead>
              <tr>
                <th>revision</th>
                <th>time</th>
                <th>key</th>
                <th>event</th>
                <th>value after</th>
              </tr>
            </thead>
            <tbody>
              {history.changes.map((change, index) => (
                <tr key={index} data-rev={change.rev}>
                  <td>
                    <button type="button" class="link" onClick={() => setAsOf({ rev: change.rev })}>
                      {change.rev}
                    </button>
                  </td>
                  <td>{formatTime(change.ts)}</td>
                  <td>{change.key ?? '(all keys)'}</td>
                  <td>{change.event}</td>
                  <td class="value-cell">{change.value === null ? '(deleted)' : formatValue(change.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form
            class="toolbar"
            onSubmit={(event) => {
              event.preventDefault();
              void rewind();
            }}
          >
            <label>
              As of <input name="as-of" placeholder="revision or 2026-12-03T10:00:00Z" value={asOfInput} onInput={(e) => setAsOfInput(e.currentTarget.value)} />
            </label>
            <button type="submit">Rewind</button>
          </form>
          {asOf === undefined ? null : (
            <div class="as-of" data-testid="as-of">
              <h4>As of revision {asOf.rev} (read-only)</h4>
              <table>
                <tbody>
                  {stateAsOf(history.changes, asOf.rev).map((state) => (
                    <tr key={state.key}>
                      <td>{state.key}</td>
                      <td class="value-cell">{formatValue(state.value)}</td>
                      <td class="muted">since revision {state.rev}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>To restore the whole dataset as it was then into a new data directory:</p>
              <pre class="command">{pitrCommand(dir, asOf.time === undefined ? { rev: asOf.rev } : { time: asOf.time })}</pre>
            </div>
          )}
        </>
      )}
    </div>
  );
}
