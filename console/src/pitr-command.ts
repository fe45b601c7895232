/** A word as a POSIX shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that restores the whole dataset as of a revision (or a time) into a new data
 * directory, beside the running server's (README "Backups, point-in-time recovery").
 */
export function pitrCommand(dataDir: string, at: { rev: number } | { time: number }): string {
  const to = 'rev' in at ? `${dataDir.replace(/\/+$/, '')}-rev${at.rev}` : `${dataDir.replace(/\/+$/, '')}-at${at.time}`;
  const target = 'rev' in at ? `--rev ${at.rev}` : `--time ${new Date(at.time).toISOString()}`;
  return `npx eddy-pitr --from ${shellWord(dataDir)} --to ${shellWord(to)} ${target}`;
}
