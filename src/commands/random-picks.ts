/**
 * Redis's rules for random picks with a count (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER): a positive
 * count gives distinct elements, at most all of them; a negative count gives exactly |count| picks
 * that may repeat. Returns the chosen slots in [0, size).
 */
export function randomSlots(size: number, count: number): number[] {
  if (count < 0) return Array.from({ length: -count }, () => Math.floor(Math.random() * size));
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  // Partial Fisher-Yates over the slots: O(count) picks without repeats.
  const slots = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (size - i));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots.slice(0, count);
}
