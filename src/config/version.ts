/** Eddy's own version (INFO's eddy_version, `eddy --version`, the HTTP API's OpenAPI description). */
export const EDDY_VERSION = '0.1.0';

/**
 * The Redis version Eddy claims (INFO, HELLO, redis.REDIS_VERSION in scripts) and whose replies it
 * gives: 7.0's number formatting, OBJECT ENCODING names and error texts.
 */
export const REDIS_VERSION = '7.0.15';

/** As Redis's REDIS_VERSION_NUM: 0x00MMmmpp. */
export const REDIS_VERSION_NUM = REDIS_VERSION.split('.').reduce((n, part) => n * 256 + Number(part), 0);
