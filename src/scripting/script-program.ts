/** What runs: an EVAL script by its sha, or a function of a library (FCALL). */
export type ScriptProgram = { kind: 'script'; sha: string; source: string } | { kind: 'function'; library: string; code: string; name: string };
