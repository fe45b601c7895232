import { ensureDebianPackages, ensureDebianPythonModules } from '../../tools/debian-packages.js';

/**
 * Vitest's global setup: every Debian package the suite's real servers and clients come from,
 * installed once before any test file runs. Files that install their own on first use would race
 * for apt's lock when two run at once on a fresh machine.
 */
export default function setup(): void {
  ensureDebianPackages({
    'redis-server': 'redis-server',
    'redis-cli': 'redis-tools',
    'redis-benchmark': 'redis-tools',
    'redis-sentinel': 'redis-sentinel',
    etcd: 'etcd-server',
    prometheus: 'prometheus',
    chromium: 'chromium',
    openssl: 'openssl',
    curl: 'curl',
  });
  ensureDebianPythonModules({ redis: 'python3-redis' });
}
