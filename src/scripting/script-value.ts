/**
 * A value crossing between Lua and the server: a reply going into a script, or a script's
 * result coming out. Strings are bytes as latin1
 * (Eddy's representation everywhere); the tagged objects carry Redis's Lua conversion tables.
 */
export type ScriptValue =
  | string
  | number
  /** An integer outside the doubles' exact range. */
  | bigint
  | boolean
  | null
  | ScriptValue[]
  | { err: string }
  | { ok: string }
  | { double: number }
  | { map: ScriptValue[] }
  | { set: ScriptValue[] }
  | { big: string }
  | { verbatim: [format: string, text: string] };

/** An error as a script value (redis.call raises it, redis.pcall returns it). */
export function scriptError(message: string): { err: string } {
  return { err: message };
}

export function isScriptError(value: ScriptValue): value is { err: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'err' in value;
}
