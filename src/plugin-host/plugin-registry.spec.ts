import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FIRST_PARTY_PLUGINS } from '../../plugins/index.js';
import { PackLoader } from '../tenancy/pack-loader.js';
import { PluginRegistry } from './plugin-registry.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'packs');

function loaderWith(mutate: (yaml: string) => string): PackLoader {
  const root = join(mkdtempSync(join(tmpdir(), 'guichet-plugins-')), 'packs');
  cpSync(FIXTURES, root, { recursive: true });
  const file = join(root, 'sample', 'tenant.yaml');
  writeFileSync(file, mutate(readFileSync(file, 'utf8')));
  const registry = new PluginRegistry(FIRST_PARTY_PLUGINS);
  return new PackLoader(root, (pack, fileOf) => registry.check(pack, fileOf));
}

describe('PluginRegistry', () => {
  it('accepts the demo auth plugin of the fixture packs', () => {
    expect(loaderWith((y) => y).loadAll().map((p) => p.id)).toEqual(['daily', 'sample']);
  });

  it('reports an unknown auth plugin with the file that names it', () => {
    const result = loaderWith((y) => `${y}\nauth: [{ plugin: oidcc }]\n`).tryLoad('sample');
    expect(result).toEqual({ problems: [{ file: 'packs/sample/tenant.yaml', path: 'auth[0].plugin', message: 'expected an auth plugin (demo), got "oidcc"' }] });
  });

  it("validates options with the plugin's own schema", () => {
    const result = loaderWith((y) => `${y}\nauth: [{ plugin: demo, options: { personas: alice, colour: red } }]\n`).tryLoad('sample');
    expect('problems' in result && result.problems.map((p) => p.path).sort()).toEqual(['auth[0].options', 'auth[0].options.personas']);
  });

  it('refuses two plugins with one name', () => {
    expect(() => new PluginRegistry([...FIRST_PARTY_PLUGINS, ...FIRST_PARTY_PLUGINS])).toThrow('Two plugins are named "demo"');
  });
});
