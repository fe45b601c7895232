/** One Server-Sent Event: its `event` name ('message' when none), `data` and `id` (when sent). */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The event-stream format (WHATWG HTML, "Server-sent events"), fed chunk by chunk as fetch's
 * stream hands them over: EventSource cannot send an Authorization header, so the console reads
 * /tail with fetch and parses the stream itself. Lines end in LF, CRLF or CR; a blank line
 * dispatches; `:` lines are comments; a chunk may end anywhere, even between CR and LF.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private pendingCr = false;

  /** The events completed by this chunk, in order. */
  push(chunk: string): ServerSentEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hadData = this.data.length > 0;
    const event: ServerSentEvent = { event: this.event === '' ? 'message' : this.event, data: this.data.join('\n') };
    if (this.id !== undefined) event.id = this.id;
    this.data = [];
    this.event = '';
    // Each change carries its own id (its revision): the console keeps none across events. A block
    // without data dispatches nothing.
    this.id = undefined;
    return hadData ? event : undefined;
  }
}
