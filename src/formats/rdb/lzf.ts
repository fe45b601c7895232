/**
 * LZF, the compression Redis applies to RDB strings and quicklist nodes (liblzf 3.6 as Redis builds
 * it: a 2^16-slot hash table, VERY_FAST, matches up to the input's last three bytes). The compressor follows liblzf step by step, so that a DUMP
 * holds the bytes Redis writes for the same value; its table starts empty, as liblzf's INIT_HTAB
 * would make it (Redis leaves it uninitialised, which can only find fewer matches). Written here:
 * the npm LZF packages are native builds or unmaintained ports with other settings.
 */

const HASH_SLOTS = 1 << 16;
const MAX_LITERAL = 1 << 5;
const MAX_OFFSET = 1 << 13;
const MAX_REFERENCE = (1 << 8) + (1 << 3);

/**
 * The hash table, shared by every call: positions are stored plus the call's `base`, so an entry
 * left by an earlier call reads as below zero, empty, without clearing 256 KB for each string (a
 * fresh table per call made DUMPing a million short strings spend most of its time in GC).
 */
const table = new Int32Array(HASH_SLOTS);
let nextBase = 1;

function slotOf(hash: number): number {
  return ((hash >>> 8) - hash * 5) & (HASH_SLOTS - 1);
}

/** `input` compressed into at most `outLimit` bytes, or undefined when it does not fit (lzf_compress's 0). */
export function lzfCompress(input: Uint8Array, outLimit: number): Uint8Array | undefined {
  const inEnd = input.length;
  if (inEnd < 3 || outLimit === 0) return undefined;
  const out = new Uint8Array(outLimit);
  // Positions of the last three-byte sequences seen; 0 never matches (liblzf wants ref > in_data).
  if (nextBase + inEnd >= 2 ** 30) {
    table.fill(0);
    nextBase = 1;
  }
  const base = nextBase;
  nextBase += inEnd + 1;
  let ip = 0;
  let op = 1; // the first literal run's header
  let literals = 0;
  let hash = (input[0] << 8) | input[1];
  while (ip < inEnd - 2) {
    hash = ((hash << 8) | input[ip + 2]) & 0xffffff;
    const slot = slotOf(hash);
    const ref = table[slot] - base;
    table[slot] = ip + base;
    const offset = ip - ref - 1;
    if (ref > 0 && offset < MAX_OFFSET && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let length = 2;
      const maxLength = Math.min(inEnd - ip - length, MAX_REFERENCE);
      out[op - literals - 1] = literals - 1;
      if (literals === 0) op--;
      if (op + 3 + 1 >= outLimit) return undefined;
      // liblzf compares 16 bytes unrolled before its careful loop, and may pass maxLength by a byte or two.
      let stopped = false;
      if (maxLength > 16)
        for (let k = 0; k < 16; k++) {
          length++;
          if (input[ref + length] !== input[ip + length]) {
            stopped = true;
            break;
          }
        }
      if (!stopped)
        do length++;
        while (length < maxLength && input[ref + length] === input[ip + length]);
      length -= 2;
      ip++;
      if (length < 7) out[op++] = (offset >> 8) + (length << 5);
      else {
        out[op++] = (offset >> 8) + (7 << 5);
        out[op++] = length - 7;
      }
      out[op++] = offset & 0xff;
      literals = 0;
      op++;
      ip += length + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash only the last two positions of the match.
      ip -= 2;
      hash = (input[ip] << 8) | input[ip + 1];
      for (let k = 0; k < 2; k++) {
        hash = ((hash << 8) | input[ip + 2]) & 0xffffff;
        table[slotOf(hash)] = ip + base;
        ip++;
      }
    } else {
      if (op >= outLimit) return undefined;
      literals++;
      out[op++] = input[ip++];
      if (literals === MAX_LITERAL) {
        out[op - literals - 1] = literals - 1;
        literals = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLimit) return undefined;
  while (ip < inEnd) {
    literals++;
    out[op++] = input[ip++];
    if (literals === MAX_LITERAL) {
      out[op - literals - 1] = literals - 1;
      literals = 0;
      op++;
    }
  }
  out[op - literals - 1] = literals - 1;
  if (literals === 0) op--;
  return out.subarray(0, op);
}

/** The `length` bytes `input` decompresses to, or undefined when it is corrupt or of another length. */
export function lzfDecompress(input: Uint8Array, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let control = input[ip++];
    if (control < 32) {
      control++;
      if (op + control > length || ip + control > input.length) return undefined;
      out.set(input.subarray(ip, ip + control), op);
      ip += control;
      op += control;
    } else {
      let run = control >> 5;
      let ref = op - ((control & 0x1f) << 8) - 1;
      if (ip >= input.length) return undefined;
      if (run === 7) {
        run += input[ip++];
        if (ip >= input.length) return undefined;
      }
      ref -= input[ip++];
      if (op + run + 2 > length || ref < 0) return undefined;
      for (let k = 0; k < run + 2; k++) out[op++] = out[ref++];
    }
  }
  return op === length ? out : undefined;
}

/** The most a compressed stream can grow: a three-byte back reference copies 264 bytes. */
export const LZF_MAX_EXPANSION = 88;
