/** A command as a RESP array of bulk strings (the client side: followers, MIGRATE); strings are latin1 bytes. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** The AUTH a follower sends its primary: as `masteruser` when one is set, else the password alone (the default user). */
export function masterAuthCommand(masteruser: string, masterauth: string): string[] {
  return masteruser === '' ? ['AUTH', masterauth] : ['AUTH', masteruser, masterauth];
}
