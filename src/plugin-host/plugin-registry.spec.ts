import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FIRST_PARTY_PLUGINS } from '../../plugins/index.js';
import { PackLoader } from '../tenancy/pack-loader.js';
import { PluginRegistry } from './plugin-registry.js';
import { CORE_VERSION } from './version.js';

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
    expect(result).toEqual({ problems: [{ file: 'packs/sample/tenant.yaml', path: 'auth[0].plugin', message: 'expected an auth plugin (cas, demo, local, oidc, trusted-header), got "oidcc"' }] });
  });

  it("validates options with the plugin's own schema", () => {
    const result = loaderWith((y) => `${y}\nauth: [{ plugin: demo, options: { personas: alice, colour: red } }]\n`).tryLoad('sample');
    expect('problems' in result && result.problems.map((p) => p.path).sort()).toEqual(['auth[0].options', 'auth[0].options.personas']);
  });

  it("checks each first-party auth plugin's options: an http issuer, a bad CIDR, a missing CAS server", () => {
    const result = loaderWith(
      (y) => `${y}
auth:
  - { plugin: oidc, options: { issuer: "http://idp.example", clientId: guichet } }
  - { plugin: trusted-header, options: { proxies: [10.0.0.0/33] } }
  - { plugin: cas, options: {} }
  - { plugin: local, options: { lockAfter: 0 } }
  - { plugin: oidc, options: { issuer: "https://idp.example", clientId: guichet, claims: { establishments: { claim: rne, pattern: "([" } } } }
`,
    ).tryLoad('sample');
    expect('problems' in result && result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'auth[0].options.issuer: an https:// issuer (or allowHttp: true)',
      'auth[1].options.proxies[0]: an address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32',
      'auth[2].options.server: expected string, received undefined',
      'auth[3].options.lockAfter: Too small: expected number to be >=1',
      'auth[4].options.claims.establishments.pattern: a regular expression',
    ]);
  });

  it('checks each plugin\'s core range against this core, naming the plugin', () => {
    const plugin = (core: string) => ({ ...FIRST_PARTY_PLUGINS[0], name: 'x', core });
    expect(() => new PluginRegistry([plugin('^0.1')])).not.toThrow();
    expect(() => new PluginRegistry([plugin('^1.0')])).toThrow(`Plugin "x" supports core ^1.0, this is core ${CORE_VERSION}`);
    expect(() => new PluginRegistry([plugin('soon')])).toThrow('Plugin "x" declares core "soon", which is not a semver range');
  });

  it('is core version of package.json', () => {
    expect(CORE_VERSION).toBe(JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version);
  });

  it('refuses two plugins with one name', () => {
    expect(() => new PluginRegistry([...FIRST_PARTY_PLUGINS, ...FIRST_PARTY_PLUGINS])).toThrow('Two plugins are named "demo"');
  });
});
