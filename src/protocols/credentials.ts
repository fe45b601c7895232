/**
 * The password a request presents, for the protocols that carry it beside the command rather than
 * as AUTH: `authorization: Bearer <password>` or `x-eddy-password: <password>`, as HTTP headers,
 * WebSocket upgrade headers or gRPC metadata. `header` looks a lower-case name up.
 */
export function presentedPassword(header: (name: string) => unknown): string | undefined {
  const authorization = header('authorization');
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice(7);
  const password = header('x-eddy-password');
  return typeof password === 'string' ? password : undefined;
}
