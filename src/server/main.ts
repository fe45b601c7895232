import { ConfigError } from '../config/option-values.js';
import { messageWithCauses } from '../replies/errors.js';
import { EDDY_VERSION } from '../config/version.js';
import { helpText } from '../config/option-docs.js';
import { parseCommandLine } from './command-line.js';
import { startServer, type RunningServer } from './eddy-server.js';
import { createLogger } from './logger.js';
import { prepareShutdown, type ShutdownFlag } from '../commands/shutdown-command.js';

const USAGE = helpText();

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    console.log(`eddy ${EDDY_VERSION}`);
    return;
  }
  const testConfig = argv.indexOf('--test-config');
  if (testConfig >= 0) {
    testConfigFile(argv[testConfig + 1], [...argv.slice(0, testConfig), ...argv.slice(testConfig + 2)]);
    return;
  }
  let options;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`eddy: ${error.message}\n${USAGE}`);
    process.exit(1);
  }
  let serverLogger;
  try {
    serverLogger = createLogger(options.config.get('loglevel'), options.config.get('logfile'));
  } catch (error) {
    console.error(`eddy: could not start: logfile: ${messageWithCauses(error)}`);
    process.exit(1);
  }
  const logger = serverLogger.logger;
  let server: RunningServer | undefined;
  const stopAndExit = (reason: string): void => {
    logger.info({ event: 'shutdown-start', reason }, 'shutting down');
    void (server?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'shutdown-failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // SIGTERM and SIGINT shut down as SHUTDOWN does, with the flags of shutdown-on-sigterm/-sigint
  // (Redis's): by default a checkpoint first when save rules are set, so that a clean restart
  // loads it instead of replaying the log. A failed checkpoint keeps the server up, as in Redis.
  let preparing = false;
  const onSignal = (signal: 'SIGTERM' | 'SIGINT'): void => {
    // Before the server is up, or a second signal while the first one's shutdown waits: stop now (the log is synced all the same).
    if (server === undefined || preparing) return stopAndExit(signal);
    preparing = true;
    const words = options.config
      .get(signal === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint')
      .toUpperCase()
      .split(' ');
    const flags = new Set(words.filter((word) => word !== 'DEFAULT') as ShutdownFlag[]);
    void prepareShutdown(server.context, flags).then((stop) => {
      preparing = false;
      if (stop) stopAndExit(signal);
      else logger.warn({ event: 'shutdown-refused', signal }, 'Errors trying to shut down the server. Check the logs for more information.');
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // logrotate moves the file, then sends SIGHUP: lines go on in a new file at the same path.
  process.on('SIGHUP', () => {
    const logfile = options.config.get('logfile');
    if (logfile === '') return;
    try {
      serverLogger.reopen();
      logger.info({ event: 'logfile-reopen', logfile }, 'SIGHUP: log file reopened');
    } catch (error) {
      logger.warn({ event: 'logfile-reopen-failed', logfile, reason: messageWithCauses(error) }, 'SIGHUP: the log file could not be reopened; lines go on to the old one');
    }
  });
  // Started by bin/eddy.js to size the heap (launch.ts): the server stops with it, even when it is killed outright.
  if (process.channel !== undefined) {
    process.channel.unref();
    process.once('disconnect', () => stopAndExit('the eddy launcher exited'));
  }
  try {
    server = await startServer(options.config, options.configFile, logger, () => stopAndExit('SHUTDOWN'));
  } catch (error) {
    const reason = messageWithCauses(error);
    // A failure to start is the operator's to fix, not a bug: the reason, without a stack trace.
    logger.fatal({ event: 'start-failed', reason }, 'could not start');
    // Operators read this one on the terminal, not in the JSON log.
    console.error(`eddy: could not start: ${reason}`);
    process.exit(1);
  }
}

/** `eddy --test-config FILE [--name value ...]`: reads the options as a start would, says whether they hold, and exits 0 or 1. */
function testConfigFile(file: string | undefined, flags: string[]): void {
  if (file === undefined || file.startsWith('--')) {
    console.error('eddy: --test-config takes the config file to check');
    process.exit(1);
  }
  try {
    parseCommandLine([file, ...flags]);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`eddy: ${error.message}`);
    process.exit(1);
  }
  console.log(`eddy: the configuration in ${file} is OK`);
}

void main(process.argv.slice(2));
