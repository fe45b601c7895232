import madge from 'madge';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout stays one-way: no import cycle between files, and the folders of src/ (one concept
 * each) form layers, type-only imports included: no folder imports one that imports it back.
 */
const SRC = resolve(import.meta.dirname, '../../src');
const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const folderOf = (file: string) => relative(SRC, file).split('/')[0];

/** folder -> folders it imports, with one importing file per edge (for the failure message). */
function folderImports(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC))
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const from = folderOf(file);
      const to = folderOf(resolve(dirname(file), specifier));
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      edges.get(from)?.set(to, `${relative(SRC, file)} imports ${specifier}`);
    }
  return edges;
}

describe('layout', () => {
  it('has no import cycle between files (madge, as `npx madge --circular --extensions ts src` with .madgerc)', async () => {
    const graph = await madge(SRC, { fileExtensions: ['ts'], detectiveOptions: { ts: { skipTypeImports: true } } });
    expect(graph.circular()).toEqual([]);
  });

  it('has folders in layers: none imports a folder that imports it, directly or around a loop', () => {
    const edges = folderImports();
    // Depth-first search for a loop; the path found names the imports that close it.
    const state = new Map<string, 'open' | 'done'>();
    const loops: string[] = [];
    const visit = (folder: string, path: string[]): void => {
      state.set(folder, 'open');
      for (const [next, via] of edges.get(folder) ?? []) {
        if (state.get(next) === 'open') loops.push([...path, via].join(' -> '));
        else if (state.get(next) === undefined) visit(next, [...path, via]);
      }
      state.set(folder, 'done');
    };
    for (const folder of edges.keys()) if (state.get(folder) === undefined) visit(folder, []);
    expect(loops).toEqual([]);
    // The arrows DESIGN.md draws: nothing below the session reaches up to it, the commands or a protocol.
    for (const low of ['log', 'projections', 'shards', 'replies', 'formats', 'config', 'subscriptions', 'scripting', 'replication', 'observability'])
      for (const high of ['session', 'commands', 'protocols', 'server']) expect(edges.get(low)?.get(high), `${low} must not import ${high}`).toBeUndefined();
  });
});
