import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

/** Bad configuration stops the boot with the variable named. */
describe('loadConfig', () => {
  it.each([
    [{ GUICHET_HOST: 'not a host!' }, /GUICHET_HOST must be/],
    [{ GUICHET_LOG_FORMAT: 'xml' }, /GUICHET_LOG_FORMAT must be/],
    [{ GUICHET_LOG_LEVEL: 'loud' }, /GUICHET_LOG_LEVEL must be/],
    [{ GUICHET_METRICS_TOKEN: 'short' }, /GUICHET_METRICS_TOKEN must be/],
    [{ GUICHET_METRICS_PORT: '70000' }, /GUICHET_METRICS_PORT must be/],
    [{ GUICHET_METRICS_HOST: '::bad::host' }, /GUICHET_METRICS_HOST must be/],
    [{ GUICHET_SHUTDOWN_TIMEOUT_MS: '-1' }, /GUICHET_SHUTDOWN_TIMEOUT_MS must be/],
    [{ GUICHET_SHUTDOWN_DELAY_MS: 'soon' }, /GUICHET_SHUTDOWN_DELAY_MS must be/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('binds loopback by default and takes an address or a host name', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ GUICHET_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ GUICHET_HOST: '::' }).host).toBe('::');
    expect(loadConfig({ GUICHET_HOST: 'guichet.internal' }).host).toBe('guichet.internal');
    expect(loadConfig({ NODE_ENV: 'production' }).log).toEqual({ format: 'json', level: 'info' });
    expect(loadConfig({ GUICHET_METRICS_TOKEN: 'a'.repeat(16), GUICHET_METRICS_PORT: '9464' }).metrics).toMatchObject({ token: 'a'.repeat(16), port: 9464 });
  });
});
