import { ErrorReply } from '../replies/reply.js';

/**
 * Redis's rules for random picks with a count (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP): a
 * positive count gives distinct elements, at most all of them; a negative count gives exactly
 * |count| picks that may repeat. Returns the chosen slots in [0, size).
 */
export function randomSlots(size: number, count: number): number[] {
  const pick = () => Math.floor(Math.random() * size);
  if (count < 0) return Array.from({ length: -count }, pick);
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  if (count * 4 <= size) {
    // Few picks from many: draw until distinct, without touching every slot.
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(pick());
    return [...chosen];
  }
  // Many picks: a partial Fisher-Yates shuffle of the slots.
  const slots = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (size - i));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots.slice(0, count);
}

/**
 * A negative count asks for |count| picks whatever the size: Eddy builds the reply in memory, so it
 * refuses more than this many rather than exhaust the heap (Redis would stream them).
 */
const MAX_REPEATED_PICKS = 10_000_000;
const TOO_MANY_PICKS = new ErrorReply(`ERR value is out of range, at most ${MAX_REPEATED_PICKS} repeated picks`);

export function checkPickCount(count: number): ErrorReply | undefined {
  return count < -MAX_REPEATED_PICKS ? TOO_MANY_PICKS : undefined;
}
