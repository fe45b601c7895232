/** A user (the default one when absent) and password a request presents. */
export interface Credentials {
  readonly user?: string;
  readonly password: string;
}

/**
 * The credentials a request presents, for the protocols that carry them beside the command rather
 * than as AUTH, as HTTP headers, WebSocket upgrade headers or gRPC metadata: `authorization: Basic
 * base64(user:password)` for any ACL user, `authorization: Bearer <password>` or `x-eddy-password`
 * (with `x-eddy-user`) for the default user or the one named. `header` looks a lower-case name up.
 */
export function presentedCredentials(header: (name: string) => unknown): Credentials | undefined {
  const authorization = header('authorization');
  if (typeof authorization === 'string' && authorization.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('latin1');
    const colon = decoded.indexOf(':');
    return colon === -1 ? { password: decoded } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const user = header('x-eddy-user');
  const named = typeof user === 'string' ? { user } : {};
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return { ...named, password: authorization.slice(7) };
  const password = header('x-eddy-password');
  return typeof password === 'string' ? { ...named, password } : undefined;
}
