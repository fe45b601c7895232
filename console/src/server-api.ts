/** Who the console talks to the server as: every request carries these (HTTP Basic). */
export interface Login {
  user: string;
  password: string;
}

/** A Redis error reply (its text is Redis's) with the HTTP status it came with. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let login: Login | undefined;

export function useLogin(next: Login | undefined): void {
  login = next;
}

/** The Authorization header for the current login (UTF-8 user:password, base64, as RFC 7617 says). */
export function authHeaders(): Record<string, string> {
  if (login === undefined) return {};
  const bytes = new TextEncoder().encode(`${login.user}:${login.password}`);
  return { authorization: `Basic ${btoa(String.fromCharCode(...bytes))}` };
}

/** A command's argument: text, a number, or bytes that are not UTF-8 as the HTTP API writes them. */
export type Argument = string | number | { base64: string };

/** Any command through POST /command; its reply as JSON (see README "HTTP, gRPC and WebSocket"). */
export async function command<T = unknown>(...args: Argument[]): Promise<T> {
  const body = JSON.stringify(args.map((arg) => (typeof arg === 'number' ? String(arg) : arg)));
  const response = await fetch('/command', { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders() }, body });
  const reply = (await response.json()) as { result?: T; error?: string };
  if (reply.error !== undefined) throw new CommandError(reply.error, response.status);
  return reply.result as T;
}

/** The /metrics page's text. */
export async function metricsText(): Promise<string> {
  const response = await fetch('/metrics', { headers: authHeaders() });
  if (!response.ok) throw new CommandError(((await response.json()) as { error: string }).error, response.status);
  return response.text();
}
