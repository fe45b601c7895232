/**
 * A stream entry ID, `ms-seq`, two unsigned 64-bit numbers, held as one 128-bit bigint (ms in the
 * high half) so that IDs compare with `<` and sort as Redis's big-endian rax keys do. A double
 * cannot hold them: Redis accepts up to 18446744073709551615-18446744073709551615.
 */
export type StreamId = bigint;

export const UINT64_MAX = 2n ** 64n - 1n;
export const MIN_ID: StreamId = 0n;
export const MAX_ID: StreamId = (UINT64_MAX << 64n) | UINT64_MAX;

export function streamId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function msOf(id: StreamId): bigint {
  return id >> 64n;
}

export function seqOf(id: StreamId): bigint {
  return id & UINT64_MAX;
}

/** The last ID turned into text, and its text: XADD writes an ID that apply reads straight back. */
let lastId: StreamId = -1n;
let lastText = '';

/** `ms-seq`, as every reply and the log write it. */
export function idText(id: StreamId): string {
  if (id === lastId) return lastText;
  const ms = id >> 64n;
  const seq = id & UINT64_MAX;
  // Doubles print exact integers below 2^53 faster than BigInts print themselves.
  const text = ms < SAFE && seq < SAFE ? `${Number(ms)}-${Number(seq)}` : `${ms}-${seq}`;
  lastId = id;
  lastText = text;
  return text;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const UINT64_TEXT = /^\d{1,20}$/;

/** An unsigned 64-bit decimal (Redis's string2ull), or null. */
function parseUint64(text: string): bigint | null {
  if (!UINT64_TEXT.test(text)) return null;
  const n = BigInt(text);
  return n <= UINT64_MAX ? n : null;
}

/** What a client wrote for an ID: `ms-seq`, `ms` alone (its seq is `missingSeq`), or `ms-*` when `allowAutoSeq`. */
export interface ParsedId {
  id: StreamId;
  /** `ms-*` (XADD only): the sequence is Redis's to choose. */
  autoSeq: boolean;
}

/**
 * Parses an ID as Redis's streamGenericParseIDOrReply does: `-` and `+` are the smallest and the
 * largest ID unless `strict` (XADD), a bare `ms` takes `missingSeq`; null for anything else.
 */
export function parseStreamId(text: string, missingSeq: bigint, strict = false, allowAutoSeq = false): ParsedId | null {
  if (text === lastText && lastText !== '') return { id: lastId, autoSeq: false };
  if (text.length > 127) return null;
  if (!strict && text === '-') return { id: MIN_ID, autoSeq: false };
  if (!strict && text === '+') return { id: MAX_ID, autoSeq: false };
  const dash = text.indexOf('-');
  if (dash === -1) {
    const ms = parseUint64(text);
    return ms === null ? null : { id: streamId(ms, missingSeq), autoSeq: false };
  }
  const ms = parseUint64(text.slice(0, dash));
  if (ms === null) return null;
  const seqText = text.slice(dash + 1);
  if (allowAutoSeq && seqText === '*') return { id: streamId(ms, 0n), autoSeq: true };
  const seq = parseUint64(seqText);
  return seq === null ? null : { id: streamId(ms, seq), autoSeq: false };
}

/** The ID after `id`, or null past the largest (an exclusive `(` start bound). */
export function nextId(id: StreamId): StreamId | null {
  return id === MAX_ID ? null : id + 1n;
}

/** The ID before `id`, or null before 0-0 (an exclusive `(` end bound). */
export function previousId(id: StreamId): StreamId | null {
  return id === MIN_ID ? null : id - 1n;
}
