import { quotedText } from '../formats/quoted-text.js';
import { StatusReply } from '../replies/reply.js';
import type { Client } from './client.js';
import { Flag, resolveSubcommand, type CommandSpec } from './command-spec.js';

/** MONITOR leaves out admin commands (CONFIG, CLIENT LIST, DEBUG) and those that show themselves (EVAL, FCALL). */
const NOT_SHOWN = Flag.admin | Flag.skip_monitor;

/**
 * MONITOR (Redis's replicationFeedMonitors): each command run is sent to every monitoring client as
 * `+<unix time.micros> [<db> <addr>] "<arg>" ...`, a script's commands as `[<db> lua]`; passwords
 * are shown as "(redacted)". A command is shown once it has run (EXEC after the commands it ran);
 * EVAL and FCALL as they start, before their commands; a refused command (unknown, wrong arity,
 * NOAUTH) never.
 */
export class MonitorFeed {
  private readonly monitors = new Set<Client>();

  get size(): number {
    return this.monitors.size;
  }

  add(client: Client): void {
    if (client.monitoring) return;
    client.monitoring = true;
    this.monitors.add(client);
    const forget = client.onDisconnect(() => this.monitors.delete(client));
    this.forgets.set(client, forget);
  }

  /** RESET ends monitoring (QUIT and a disconnection too). */
  remove(client: Client): void {
    if (!this.monitors.delete(client)) return;
    client.monitoring = false;
    this.forgets.get(client)?.();
    this.forgets.delete(client);
  }

  private readonly forgets = new Map<Client, () => void>();

  /** A command that ran (the dispatcher calls this only while someone monitors). */
  ran(client: Client, spec: CommandSpec, args: readonly string[]): void {
    const command = spec.subcommands === undefined ? spec : (resolveSubcommand(spec, args) ?? spec);
    // A subcommand's own flags decide (CLIENT ID is shown, CLIENT LIST is not), as Redis's c->cmd is the subcommand.
    if ((command.flagBits & NOT_SHOWN) === 0) this.send(client, spec.name, args);
  }

  /** A script command starting: it shows itself before the commands it runs. */
  starting(client: Client, spec: CommandSpec, args: readonly string[]): void {
    if ((spec.flagBits & Flag.skip_monitor) !== 0) this.send(client, spec.name, args);
  }

  private send(client: Client, name: string, args: readonly string[]): void {
    const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const origin = client.isScript ? 'lua' : client.transport.remoteAddress;
    let line = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')} [${client.db} ${origin}]`;
    const redacted = redactedFrom(name, args);
    for (let i = 0; i < args.length; i++) line += ` ${redacted(i) ? '"(redacted)"' : quotedText(args[i])}`;
    const status = new StatusReply(line);
    for (const monitor of this.monitors) if (monitor.transport.pushLine?.(status) === false) monitor.transport.close();
  }
}

/** Which arguments Redis redacts: AUTH's, and HELLO's AUTH username and password. */
function redactedFrom(name: string, args: readonly string[]): (index: number) => boolean {
  if (name === 'auth') return (index) => index > 0;
  if (name !== 'hello') return () => false;
  const secret = new Set<number>();
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toLowerCase();
    if (option === 'auth' && i + 2 < args.length) {
      secret.add(i + 1).add(i + 2);
      i += 2;
    } else if (option === 'setname') i++;
  }
  return (index) => secret.has(index);
}
