import type { ErrorReply } from '../replies/reply.js';
import { errorCodeOf } from '../replies/errors.js';

/**
 * What kind of failure a Redis error reply is, so that each protocol can map it to its own status
 * (HTTP status codes, gRPC status codes) while the error text stays Redis's.
 */
export type ErrorKind = 'bad-request' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'unavailable' | 'internal';

const KIND_OF_CODE = new Map<string, ErrorKind>([
  ['NOAUTH', 'unauthenticated'],
  ['WRONGPASS', 'forbidden'],
  ['NOPERM', 'forbidden'],
  ['READONLY', 'forbidden'],
  ['WRONGTYPE', 'conflict'],
  ['BUSYKEY', 'conflict'],
  ['NOSCRIPT', 'not-found'],
  ['BUSY', 'unavailable'],
  ['LOADING', 'unavailable'],
  ['MISCONF', 'unavailable'],
  ['MASTERDOWN', 'unavailable'],
]);

export function errorKind(error: ErrorReply): ErrorKind {
  const message = error.message;
  const byCode = KIND_OF_CODE.get(errorCodeOf(error));
  if (byCode !== undefined) return byCode;
  if (message.includes('invalid bulk length') || message.includes('exceeds maximum allowed size')) return 'too-large';
  if (message === 'ERR no such key') return 'not-found';
  if (message.startsWith('ERR internal error')) return 'internal';
  return 'bad-request';
}
