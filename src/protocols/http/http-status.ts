import { ErrorReply } from '../../replies/reply.js';
import type { ErrorKind } from '../error-kind.js';
import { errorKind } from '../error-kind.js';

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  'bad-request': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unavailable: 503,
  internal: 500,
};

/** The HTTP status for a Redis error reply; the body carries Redis's text. */
export function httpStatusOf(error: ErrorReply): number {
  return STATUS_OF_KIND[errorKind(error)];
}
