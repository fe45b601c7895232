/**
 * JSON schemas of the HTTP routes: fastify validates requests with them and @fastify/swagger
 * publishes them as the OpenAPI description at /openapi.json.
 */
const base64Value = {
  type: 'object',
  properties: { base64: { type: 'string' } },
  required: ['base64'],
  additionalProperties: false,
} as const;

const argument = { anyOf: [{ type: 'string' }, { type: 'number' }, base64Value] } as const;

/** SET's options, in a JSON body (/set) or a query string (PUT /keys/:key). */
const setOptions = {
  ex: { type: 'integer', minimum: 1, description: 'expire after this many seconds' },
  px: { type: 'integer', minimum: 1, description: 'expire after this many milliseconds' },
  nx: { type: 'boolean', description: 'only set the key if it does not exist' },
  xx: { type: 'boolean', description: 'only set the key if it already exists' },
} as const;

/** Every answer is `{result}` (the reply, RESP3 types as JSON) or `{error}` (Redis's error text). */
const replyObject = { type: 'object', properties: { result: {}, error: { type: 'string' } } } as const;
const replyBody = { '2xx': replyObject, '4xx': replyObject, '5xx': replyObject } as const;

export const getSchema = {
  summary: 'GET a string key (404 when missing)',
  querystring: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'], additionalProperties: false },
  response: replyBody,
} as const;

export const setSchema = {
  summary: 'SET a string key',
  body: {
    type: 'object',
    properties: { key: { type: 'string' }, value: argument, ...setOptions },
    required: ['key', 'value'],
    additionalProperties: false,
  },
  response: replyBody,
} as const;

export const delSchema = {
  summary: 'DEL one key or several',
  body: {
    type: 'object',
    properties: { key: { type: 'string' }, keys: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    anyOf: [{ required: ['key'] }, { required: ['keys'] }],
    additionalProperties: false,
  },
  response: replyBody,
} as const;

const keyParams = { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } as const;

export const getKeySchema = {
  summary: 'GET a string key; raw bytes with Accept: application/octet-stream (404 when missing)',
  params: keyParams,
  response: replyBody,
} as const;

export const putKeySchema = {
  summary: 'SET a key to the request body (raw bytes, UTF-8 text or a JSON document, stored as sent)',
  params: keyParams,
  querystring: { type: 'object', properties: setOptions, additionalProperties: false },
  response: replyBody,
} as const;

export const loadScriptSchema = { summary: 'SCRIPT LOAD: the body is the Lua script; answers its sha1 for EVALSHA', response: replyBody } as const;
export const deleteKeySchema = { summary: 'DEL a key', params: keyParams, response: replyBody } as const;

export const commandSchema = {
  summary: 'Any command, as a JSON array: ["HSET", "h", "f", "v"]',
  body: { type: 'array', items: argument, minItems: 1 },
  response: replyBody,
} as const;

export interface SetOptions {
  ex?: number;
  px?: number;
  nx?: boolean;
  xx?: boolean;
}
