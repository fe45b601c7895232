import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A throw-away CA and certificates it signs, made with openssl (Debian's) in `dir`, for the TLS
 * tests and benchmarks: `ca.crt`/`ca.key`, then `<name>.crt`/`<name>.key` for each certificate.
 */

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A self-signed CA (ca.crt, ca.key), valid two days. */
export function makeTestCa(dir: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '2', '-subj', '/CN=Eddy test CA');
}

/** A certificate for `name` signed by the CA (for 127.0.0.1 and localhost), its key encrypted when `pass` is given. */
export function makeTestCertificate(dir: string, name: string, pass?: string): void {
  const path = (file: string) => join(dir, file);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${name}`);
  writeFileSync(path('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    path(`${name}.csr`),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path(`${name}.crt`),
    '-days',
    '2',
    '-extfile',
    path('san.cnf'),
  );
  if (pass !== undefined) {
    openssl('pkey', '-in', path(`${name}.key`), '-aes256', '-passout', `pass:${pass}`, '-out', path(`${name}.key.enc`));
    renameSync(path(`${name}.key.enc`), path(`${name}.key`));
  }
}
