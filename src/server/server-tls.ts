import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { TLS_OPTIONS, TlsListeners, tlsClientOptions, tlsPemFiles, tlsServerOptions } from '../security/tls.js';

/** Redis's answer when a CONFIG SET would leave TLS unusable (the reason goes to the log). */
const TLS_REFUSED = 'Unable to update TLS configuration. Check server logs.';

/**
 * The server's TLS, from Redis's tls-* options: the options of each listener that uses it
 * (tls-port, and Eddy's http-tls, ws-tls, grpc-tls), new certificates for new connections after a
 * CONFIG SET, and that CONFIG SET's check (the files must load together, as Redis checks them).
 */
export class ServerTls {
  private readonly listeners: TlsListeners;

  constructor(
    private readonly config: Config,
    logger: Logger,
  ) {
    const read = (name: string) => config.get(name);
    this.listeners = new TlsListeners(read);
    config.validateTogether([...TLS_OPTIONS, 'tls-replication'], (next) => {
      try {
        if (this.inUse) tlsServerOptions(next);
        if (next('tls-replication') === 'yes') tlsClientOptions(next);
        return undefined;
      } catch (error) {
        logger.warn({ event: 'tls-refused', reason: (error as Error).message }, 'CONFIG SET refused: the TLS configuration does not load');
        return TLS_REFUSED;
      }
    });
    // Several options of one CONFIG SET (a certificate and its key) reload once, after all are set.
    let reloading = false;
    for (const name of TLS_OPTIONS)
      config.onChange(name, () => {
        if (reloading) return;
        reloading = true;
        queueMicrotask(() => {
          reloading = false;
          try {
            this.listeners.reload();
          } catch (error) {
            logger.warn({ event: 'tls-reload-failed', reason: (error as Error).message }, 'the new TLS certificates did not load; connections keep the old ones');
          }
        });
      });
  }

  /** Whether a listener uses TLS (then CONFIG SET checks the files). */
  get inUse(): boolean {
    return this.config.int('tls-port') > 0 || ['http-tls', 'ws-tls', 'grpc-tls'].some((flag) => this.config.get(flag) === 'yes');
  }

  /** The TLS options for the listener whose `flag` is yes; undefined for a plain one. */
  optionsIf(flag: 'http-tls' | 'ws-tls' | 'always'): TlsOptions | undefined {
    return flag === 'always' || this.config.get(flag) === 'yes' ? tlsServerOptions((name) => this.config.get(name)) : undefined;
  }

  /** gRPC's PEM files when grpc-tls is yes. */
  grpcFiles(): ReturnType<typeof tlsPemFiles> | undefined {
    return this.config.get('grpc-tls') === 'yes' ? tlsPemFiles((name) => this.config.get(name)) : undefined;
  }

  /** A TLS listener now open: it takes new certificates on CONFIG SET. */
  watch(server: TlsServer): void {
    this.listeners.add(server);
  }
}
