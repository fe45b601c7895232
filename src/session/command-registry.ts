import type { CommandSpec } from './command-spec.js';

/** Command specs by name; looked up by the exact name first, so common upper/lower case costs no copy. */
const byName = new Map<string, CommandSpec>();
const specs: CommandSpec[] = [];

/** Called once by the composition root with src/commands' table (a second call adds nothing). */
export function registerCommands(table: readonly CommandSpec[]): void {
  for (const spec of table) {
    if (byName.has(spec.name)) continue;
    specs.push(spec);
    byName.set(spec.name, spec);
    byName.set(spec.name.toUpperCase(), spec);
  }
}

export function findCommand(name: string): CommandSpec | undefined {
  return byName.get(name) ?? byName.get(name.toLowerCase());
}

export function allCommands(): readonly CommandSpec[] {
  return specs;
}
