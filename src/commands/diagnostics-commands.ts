import type { Client } from '../session/client.js';
import { findCommand } from '../session/command-registry.js';
import { latencyGraph, latencyReport } from '../observability/latency-monitor.js';
import type { CommandFigures } from '../observability/command-stats.js';
import { parseInteger } from './arguments.js';
import { ErrorReply, helpReply, MapReply, OK, VerbatimReply, type Reply } from '../replies/reply.js';

const DEFAULT_COUNT = 10;
const BAD_COUNT = new ErrorReply('ERR count should be greater than or equal to -1');

/** SLOWLOG GET [count] | LEN | RESET | HELP (the command table has checked the subcommand and its arity). */
export function slowlog(client: Client, args: string[]): Reply {
  const log = client.server.slowlog;
  const sub = args[1].toUpperCase();
  if (sub === 'GET') {
    const count = args.length > 2 ? parseInteger(args[2]) : DEFAULT_COUNT;
    if (count === null || count < -1) return BAD_COUNT;
    return log.latest(count).map((entry) => [entry.id, entry.time, entry.durationUsec, [...entry.args], entry.peer, entry.clientName]);
  }
  if (sub === 'LEN') return log.length;
  if (sub === 'RESET') {
    log.reset();
    return OK;
  }
  return helpReply('SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

/** LATENCY LATEST | HISTORY event | GRAPH event | RESET [event...] | DOCTOR | HISTOGRAM [command...] | HELP. */
export function latency(client: Client, args: string[]): Reply {
  const server = client.server;
  const monitor = server.latency;
  const sub = args[1].toUpperCase();
  if (sub === 'LATEST') {
    return [...monitor.events].map(([event, series]) => {
      const last = series.samples[series.samples.length - 1];
      return [event, last.time, last.latency, series.max];
    });
  }
  if (sub === 'HISTORY') return (monitor.events.get(args[2].toLowerCase())?.samples ?? []).map((sample) => [sample.time, sample.latency]);
  if (sub === 'GRAPH') {
    const event = args[2].toLowerCase();
    const series = monitor.events.get(event);
    if (series === undefined) return new ErrorReply(`ERR No samples available for event '${args[2]}'`);
    return new VerbatimReply(latencyGraph(event, series, Date.now()));
  }
  if (sub === 'RESET') return monitor.reset(args.slice(2));
  if (sub === 'DOCTOR') return new VerbatimReply(latencyReport(monitor, Date.now()));
  if (sub === 'HISTOGRAM') return histograms(client, args.slice(2));
  return helpReply('LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

/**
 * LATENCY HISTOGRAM: per command that ran, its calls and the calls at or below each power-of-two
 * bound from 1 µs (Redis's labels: the bound in ns / 1000, rounded down). A container's name
 * stands for its subcommands; unknown names are skipped.
 */
function histograms(client: Client, names: readonly string[]): Reply {
  const stats = client.server.stats.commands;
  const wanted = names.length === 0 ? undefined : new Set(names.flatMap(commandNamesOf));
  const figures = [...stats.all()].filter((entry) => entry.latency.count > 0 && (wanted === undefined || wanted.has(entry.name)));
  return new MapReply(figures.map((entry) => [entry.name, histogramOf(entry)]));
}

function commandNamesOf(name: string): string[] {
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  const spec = findCommand(bar === -1 ? lower : lower.slice(0, bar));
  if (spec === undefined) return [];
  if (bar !== -1) return spec.subcommands?.has(lower.slice(bar + 1)) === true ? [lower] : [];
  return spec.subcommands === undefined ? [spec.name] : [...new Set([...spec.subcommands.values()].map((sub) => sub.name))];
}

function histogramOf(entry: CommandFigures): MapReply {
  const points: [Reply, Reply][] = [];
  let previous = 0;
  for (const [boundNs, count] of entry.latency.powerOfTwoBuckets()) {
    if (count > previous) points.push([Math.floor(boundNs / 1000), count]);
    previous = count;
  }
  return new MapReply([
    ['calls', entry.latency.count],
    ['histogram_usec', new MapReply(points)],
  ]);
}
