import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadPlugins } from '../src/bootstrap.js';
import { ROOT } from './setup/test-app.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'plugins');

describe('plugins from outside the tree (GUICHET_PLUGINS)', () => {
  it('loads a plugin by path beside the first-party ones, without touching src/ or plugins/', async () => {
    const registry = await loadPlugins([join(FIXTURES, 'outside-plugin.mjs')]);
    expect(registry.names()).toEqual(['cas', 'csv-directory', 'demo', 'fr-fields', 'ldap-directory', 'local', 'oidc', 'outside', 'school-year', 'trusted-header', 'webhooks']);
    expect(registry.get('outside')).toMatchObject({ version: '1.2.3', core: '^0.1' });
  });

  it('stops with the plugin named when its core range does not match, it cannot be found, or it exports no definition', async () => {
    await expect(loadPlugins([join(FIXTURES, 'future-plugin.mjs')])).rejects.toThrow(/Plugin "future" supports core \^2\.0, this is core 0\.1\.0/);
    await expect(loadPlugins([join(FIXTURES, 'missing.mjs')])).rejects.toThrow(/Plugin ".*missing\.mjs" could not be loaded/);
    await expect(loadPlugins(['node:path'])).rejects.toThrow('Plugin "node:path" exports no plugin definition');
  });
});
