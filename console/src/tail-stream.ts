import { parseChange, type ChangeEvent } from './change-event.js';
import { authHeaders, CommandError } from './server-api.js';
import { SseParser } from './sse-parser.js';

export interface TailHandlers {
  /** The stream is open; changes follow from this revision. */
  opened(firstRev: number): void;
  change(change: ChangeEvent): void;
  /** The server cut the tail off (a slow reader); it says where to resume. */
  overflow(resumeRev: number): void;
}

/**
 * Reads GET /tail with fetch (so that it carries the login's Authorization header, which
 * EventSource cannot send) until the signal aborts or the server ends the stream. A refused tail
 * (COMPACTED, NOAUTH, NOPERM) throws a CommandError with Redis's text.
 */
export async function readTail(url: string, handlers: TailHandlers, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal });
  if (!response.ok || response.body === null) throw new CommandError(((await response.json()) as { error: string }).error, response.status);
  const parser = new SseParser();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) {
        if (event.event === 'message') handlers.change(parseChange(event.data));
        else if (event.event === 'tail') handlers.opened((JSON.parse(event.data) as [string, number])[1]);
        else if (event.event === 'overflow') handlers.overflow((JSON.parse(event.data) as [string, number])[1]);
      }
    }
  } catch (error) {
    // Pause aborts the read: that is an end, not an error.
    if (signal.aborted) return;
    throw error;
  }
}
