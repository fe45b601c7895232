import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Makes sure the commands a benchmark or a test needs are there, installing their Debian packages
 * when they are not (as root; otherwise the error says what to install).
 */
export function ensureDebianPackages(needed: Readonly<Record<string, string>>, has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0): void {
  const missing = [
    ...new Set(
      Object.entries(needed)
        .filter(([command]) => !has(command))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: sudo apt-get install ${missing.join(' ')}`);
  console.log(`installing ${missing.join(', ')} (Debian packages)...`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Debian's Python 3 (/usr/bin/python3) with the modules named (`redis`: package python3-redis), installed as above when missing. */
export function ensureDebianPythonModules(needed: Readonly<Record<string, string>>): void {
  ensureDebianPackages({ '/usr/bin/python3': 'python3' });
  ensureDebianPackages(needed, (module) => spawnSync('/usr/bin/python3', ['-c', `import ${module}`]).status === 0);
}
