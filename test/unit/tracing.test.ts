import { describe, expect, it } from 'vitest';
import { tracesUrl } from '../../src/observability/tracing.js';

describe('tracesUrl', () => {
  it.each([
    ['http://collector:4318', 'http://collector:4318/v1/traces'],
    ['http://collector:4318/', 'http://collector:4318/v1/traces'],
    ['https://collector.example/otlp/v1/traces', 'https://collector.example/otlp/v1/traces'],
    ['http://127.0.0.1:4318/custom?tenant=a', 'http://127.0.0.1:4318/custom?tenant=a'],
  ])('%s is sent to %s', (endpoint, url) => {
    expect(tracesUrl(endpoint)).toBe(url);
  });
});
