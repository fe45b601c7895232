// npm start's prestart: runs `npm run build` only when a source is newer than the build, so that a
// restart through npm does not pay for the TypeScript compile (about 2 s) when nothing changed.
// Plain JavaScript: it runs before there is a build.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// tsc writes every output on each build, before vite builds the console: the server's entry stands
// for the whole build.
const built = join(root, 'dist/src/server/main.js');

/** The newest modification time (ms) of the files under `path` (a file or a directory). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = ['src', 'tools', 'bench', 'console', 'tsconfig.json', 'package-lock.json'].map((path) => newest(join(root, path)));
if (!existsSync(built) || Math.max(...sources) > statSync(built).mtimeMs) execSync('npm run build', { cwd: root, stdio: 'inherit' });
