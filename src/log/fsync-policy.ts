/** Redis's appendfsync modes, applied to the log's group commits. */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'everysec', 'no'];

export function isFsyncPolicy(value: string): value is FsyncPolicy {
  return (FSYNC_POLICIES as readonly string[]).includes(value);
}
