import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChangeEvent } from './change-event.js';
import { formatTime, formatValue } from './formatting.js';
import { LiveTail } from './live-tail.js';
import { revisionAt } from './log-positions.js';
import type { TailFilter } from './tail-query.js';
import { valueAfter } from './value-after.js';

type RowContent = { kind: 'change'; change: ChangeEvent } | { kind: 'marker'; text: string };
/** A feed row; `seq` names it for good (rows scroll out of the feed, so positions change). */
type Row = RowContent & { seq: number };

/** The feed keeps this many rows: a long-running page stays light. */
const MAX_ROWS = 2000;

type StartPoint = 'now' | 'revision' | 'time';

/** The live log: every committed change matching a filter, as it happens, with pause/resume. */
export function LiveLogView() {
  const [match, setMatch] = useState('');
  const [db, setDb] = useState('');
  const [start, setStart] = useState<StartPoint>('now');
  const [startValue, setStartValue] = useState('');
  const [withValues, setWithValues] = useState(false);
  const [rows, setRows] = useState<Row[]>([]);
  const [state, setState] = useState('starting');
  const [following, setFollowing] = useState(false);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const tail = useRef<LiveTail | undefined>(undefined);
  const feed = useRef<HTMLDivElement>(null);

  const seq = useRef(0);
  const append = (more: RowContent[]) => setRows((before) => [...before, ...more.map((row) => ({ ...row, seq: seq.current++ }))].slice(-MAX_ROWS));

  const follow = async () => {
    tail.current?.pause();
    tail.current = undefined;
    setRows([]);
    const filter: TailFilter = { match, db: db === '' ? undefined : Number(db), withValues };
    let from: number | '$' = '$';
    try {
      if (start === 'revision') from = /^\d+$/.test(startValue) ? Number(startValue) : NaN;
      if (start === 'time') from = Number.isNaN(Date.parse(startValue)) ? NaN : await revisionAt(Date.parse(startValue));
    } catch (error) {
      append([{ kind: 'marker', text: `cannot start there: ${String(error)}` }]);
      return;
    }
    if (from !== '$' && !Number.isSafeInteger(from)) {
      append([{ kind: 'marker', text: `not a revision or a time: ${startValue}` }]);
      return;
    }
    // A tail replaced by a new Follow may still flush what it had: only the current one shows.
    const next: LiveTail = new LiveTail(filter, from, {
      changes: (changes) => tail.current === next && append(changes.map((change) => ({ kind: 'change', change }))),
      marker: (text) => tail.current === next && append([{ kind: 'marker', text }]),
      state: (text) => tail.current === next && setState(text),
    });
    tail.current = next;
    next.start();
    setFollowing(true);
  };

  useEffect(() => {
    void follow();
    return () => tail.current?.pause();
  }, []);

  useEffect(() => {
    const element = feed.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [rows]);

  /** On demand: the value after one change, fetched into its row. */
  const loadValue = async (id: number, change: ChangeEvent) => {
    let value: unknown;
    try {
      value = await valueAfter(change);
    } catch (error) {
      value = `(${error instanceof Error ? error.message : String(error)})`;
    }
    setRows((before) => before.map((row) => (row.kind === 'change' && row.seq === id ? { ...row, change: { ...row.change, value } } : row)));
  };

  const toggle = (id: number) =>
    setOpen((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div class="live">
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void follow();
        }}
      >
        <label>
          Keys <input name="match" placeholder="pattern, e.g. user:*" value={match} onInput={(e) => setMatch(e.currentTarget.value)} />
        </label>
        <label>
          DB
          <select name="db" value={db} onChange={(e) => setDb(e.currentTarget.value)}>
            <option value="">all</option>
            {Array.from({ length: 16 }, (_, i) => (
              <option key={i} value={String(i)}>
                {i}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <select name="start" value={start} onChange={(e) => setStart(e.currentTarget.value as StartPoint)}>
            <option value="now">now</option>
            <option value="revision">revision</option>
            <option value="time">time</option>
          </select>
        </label>
        {start === 'now' ? null : (
          <input name="start-value" placeholder={start === 'time' ? '2026-12-03T10:00:00Z' : 'revision'} value={startValue} onInput={(e) => setStartValue(e.currentTarget.value)} />
        )}
        <label>
          <input type="checkbox" name="values" checked={withValues} onChange={(e) => setWithValues(e.currentTarget.checked)} /> values
        </label>
        <button type="submit">Follow</button>
        <button
          type="button"
          name="pause"
          onClick={() => {
            if (following) tail.current?.pause();
            else tail.current?.start();
            setFollowing(!following);
          }}
        >
          {following ? 'Pause' : 'Resume'}
        </button>
        <span class="muted" data-testid="tail-state">
          {state}
        </span>
      </form>
      <div class="feed" ref={feed}>
        <table>
          <thead>
            <tr>
              <th>revision</th>
              <th>time</th>
              <th>db</th>
              <th>key</th>
              <th>event</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              if (row.kind === 'marker')
                return (
                  <tr key={row.seq} class="marker">
                    <td colSpan={5}>{row.text}</td>
                  </tr>
                );
              const { change } = row;
              const id = row.seq;
              return [
                <tr key={id} class="change" data-rev={change.rev} data-key={change.key ?? ''} onClick={() => toggle(id)}>
                  <td>{change.rev}</td>
                  <td>{formatTime(change.ts)}</td>
                  <td>{change.db}</td>
                  <td class="key">{change.key ?? '(all keys)'}</td>
                  <td>{change.event}</td>
                </tr>,
                open.has(id) ? (
                  <tr key={`${id}d`} class="detail">
                    <td colSpan={5}>
                      <div>effect: {formatValue(change.effect)}</div>
                      <div>
                        value after:{' '}
                        {change.value === undefined ? (
                          <button type="button" name="value-after" onClick={() => void loadValue(id, change)}>
                            load
                          </button>
                        ) : (
                          formatValue(change.value)
                        )}
                      </div>
                    </td>
                  </tr>
                ) : null,
              ];
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
