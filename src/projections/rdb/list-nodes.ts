import { ListpackWriter } from '../../formats/rdb/listpack.js';

/**
 * How Redis 7.0's quicklist (quicklist.c) cuts a list into listpack nodes as it pushes at the tail:
 * a node takes one more element while its listpack plus the element (and 8 bytes of estimated
 * overhead) stays within the size `fill` names (-1..-5: 4 to 64 KB), or, for a positive fill,
 * while it holds fewer than `fill` elements and stays within 8 KB. Eddy keeps no nodes; a list
 * is cut as a list loaded or pushed in order would be.
 */

const SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
const SAFETY_LIMIT = 8192;
const ESTIMATED_OVERHEAD = 8;

/** quicklistSetFill's bounds. */
export function clampFill(fill: number): number {
  return Math.max(-5, Math.min(fill, (1 << 15) - 1));
}

function allowsInsert(nodeBytes: number, nodeCount: number, fill: number, itemBytes: number): boolean {
  const newBytes = nodeBytes + itemBytes + ESTIMATED_OVERHEAD;
  if (fill < 0 && newBytes <= SIZE_LEVELS[-fill - 1]) return true;
  if (newBytes > SAFETY_LIMIT) return false;
  return nodeCount < fill;
}

/** The listpacks of the nodes `items` fill, in order. */
export function listNodes(items: Iterable<string>, fill: number): Buffer[] {
  const nodes: Buffer[] = [];
  let node: ListpackWriter | undefined;
  for (const item of items) {
    if (node !== undefined && !allowsInsert(node.bytes, node.count, fill, item.length)) {
      nodes.push(node.finish());
      node = undefined;
    }
    node ??= new ListpackWriter();
    node.appendString(item);
  }
  if (node !== undefined) nodes.push(node.finish());
  return nodes;
}
