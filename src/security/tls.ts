import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type ConnectionOptions, type SecureContextOptions, type SecureVersion, type Server as TlsServer, type TlsOptions } from 'node:tls';

/** Reads an option's current value (the config, or a CONFIG SET being checked). */
export type OptionReader = (name: string) => string;

/** The options that make up the TLS configuration: CONFIG SET of any of them builds it anew. */
export const TLS_OPTIONS = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-auth-clients',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-timeout',
  'tls-dh-params-file',
];

/** Redis's `tls-protocols` words, as Node names them. */
const PROTOCOLS: Readonly<Record<string, SecureVersion>> = { tlsv1: 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };
const ORDER: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function file(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${option} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The CA certificates clients (or a primary) are checked against: tls-ca-cert-file and every file of tls-ca-cert-dir. */
function authorities(get: OptionReader): Buffer[] | undefined {
  const found: Buffer[] = [];
  if (get('tls-ca-cert-file') !== '') found.push(file(get('tls-ca-cert-file'), 'tls-ca-cert-file'));
  const dir = get('tls-ca-cert-dir');
  if (dir !== '') for (const name of readdirSync(dir).sort()) if (/\.(pem|crt|cer)$|^[0-9a-f]{8}\.\d+$/i.test(name)) found.push(file(join(dir, name), 'tls-ca-cert-dir'));
  return found.length === 0 ? undefined : found;
}

/** tls-protocols ("TLSv1.2 TLSv1.3"; empty: Node's defaults) as the lowest and highest version. */
function versions(get: OptionReader): { minVersion?: SecureVersion; maxVersion?: SecureVersion } {
  const words = get('tls-protocols')
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words.length === 0) return {};
  const chosen = words.map((word) => {
    const version = PROTOCOLS[word];
    if (version === undefined) throw new Error(`tls-protocols: unknown protocol '${word}'`);
    return ORDER.indexOf(version);
  });
  return { minVersion: ORDER[Math.min(...chosen)], maxVersion: ORDER[Math.max(...chosen)] };
}

/** The certificate, key, CA and cipher settings of a context (files read now: a missing one throws, naming it). */
function contextOptions(get: OptionReader, certOption: string, keyOption: string, passOption: string): SecureContextOptions {
  const ciphers = [get('tls-ciphersuites'), get('tls-ciphers')].filter((text) => text !== '').join(':');
  const options: SecureContextOptions = {
    cert: file(get(certOption), certOption),
    key: file(get(keyOption), keyOption),
    passphrase: get(passOption) === '' ? undefined : get(passOption),
    ca: authorities(get),
    dhparam: get('tls-dh-params-file') === '' ? undefined : file(get('tls-dh-params-file'), 'tls-dh-params-file'),
    ...(ciphers === '' ? {} : { ciphers }),
    ...versions(get),
    honorCipherOrder: get('tls-prefer-server-ciphers') === 'yes',
    sessionTimeout: Number(get('tls-session-cache-timeout')),
  };
  // Built once here, so that a bad key, passphrase or cipher list fails now, naming itself.
  createSecureContext(options);
  return options;
}

const SERVER_FILES = ['tls-cert-file', 'tls-key-file', 'tls-key-file-pass'] as const;

/**
 * What every TLS listener (RESP's tls-port, HTTPS, WSS, gRPC) is made with, from Redis's tls-*
 * options: the certificate and key, the CA clients are checked against, and tls-auth-clients
 * (yes: a client certificate is required; optional: checked when given; no: not asked for).
 */
export function tlsServerOptions(get: OptionReader): TlsOptions {
  if (get('tls-cert-file') === '' || get('tls-key-file') === '') throw new Error('TLS needs tls-cert-file and tls-key-file');
  const clients = get('tls-auth-clients');
  return {
    ...contextOptions(get, ...SERVER_FILES),
    requestCert: clients !== 'no',
    rejectUnauthorized: clients === 'yes',
    // A client that never finishes its handshake is dropped, as Redis drops it.
    handshakeTimeout: 10_000,
    ...(get('tls-session-caching') === 'no' ? { sessionTimeout: 0 } : {}),
  };
}

/**
 * A follower's connection to its primary with tls-replication: the CA checks the primary; the
 * client certificate is tls-client-cert-file's, or the server's own when none is set (as Redis).
 */
export function tlsClientOptions(get: OptionReader): ConnectionOptions {
  const own: readonly [string, string, string] = get('tls-client-cert-file') !== '' ? ['tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass'] : SERVER_FILES;
  const hasCertificate = get(own[0]) !== '' && get(own[1]) !== '';
  return {
    ca: authorities(get),
    ...(hasCertificate ? contextOptions(get, ...own) : {}),
    // Primaries are named by address, and certificates often by a host name: Redis checks the chain only.
    checkServerIdentity: () => undefined,
    ...versions(get),
  };
}

/**
 * The TLS listeners now open: CONFIG SET of a certificate or key gives new connections the new
 * ones, without a restart (connections already open keep theirs).
 */
export class TlsListeners {
  private readonly servers = new Set<TlsServer>();

  constructor(private readonly get: OptionReader) {}

  add(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  reload(): void {
    if (this.servers.size === 0) return;
    const options = contextOptions(this.get, ...SERVER_FILES);
    for (const server of this.servers) server.setSecureContext(options);
  }
}

/** gRPC's form of the server's TLS settings: PEM buffers (the key decrypted), and whether a client certificate is required. */
export function tlsPemFiles(get: OptionReader): { cert: Buffer; key: Buffer; ca: Buffer | null; requireClientCertificate: boolean } {
  const options = tlsServerOptions(get);
  const pass = get('tls-key-file-pass');
  const key = createPrivateKey({ key: options.key as Buffer, passphrase: pass === '' ? undefined : pass });
  const ca = options.ca as Buffer[] | undefined;
  return {
    cert: options.cert as Buffer,
    key: Buffer.from(key.export({ format: 'pem', type: 'pkcs8' })),
    ca: ca === undefined ? null : Buffer.concat(ca),
    requireClientCertificate: get('tls-auth-clients') === 'yes',
  };
}
