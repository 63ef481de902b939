import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Controller, Injectable } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import { z } from 'zod';
import { FIRST_PARTY_PLUGINS } from '../../plugins/index.js';
import type { GuichetPlugin } from './plugin.js';
import { PluginTask } from './plugin-tasks.js';
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

  describe('pack plugins', () => {
    it('validates the options a pack gives a plugin with its schema, naming the path', () => {
      const result = loaderWith((y) => y.replace('  - { plugin: webhooks }', '  - { plugin: webhooks, options: { timeoutMs: 5, colour: red } }')).tryLoad('sample');
      expect('problems' in result && result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
        'plugins[0].options.timeoutMs: Too small: expected number to be >=100',
        'plugins[0].options: Unrecognized key: "colour"',
      ]);
    });

    it('refuses an unknown plugin, a sign-in method (listed in auth) and a plugin listed twice', () => {
      const result = loaderWith((y) => y.replace('  - { plugin: webhooks }', '  - { plugin: webhook }\n  - { plugin: oidc }\n  - { plugin: webhooks }\n  - { plugin: webhooks }')).tryLoad('sample');
      expect('problems' in result && result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
        'plugins[0].plugin: expected a plugin (csv-directory, fr-fields, ldap-directory, school-year, webhooks), got "webhook"',
        'plugins[1].plugin: expected a plugin (csv-directory, fr-fields, ldap-directory, school-year, webhooks), got "oidc" (a sign-in method: list it in auth)',
        'plugins[3].plugin: "webhooks" is listed twice',
      ]);
    });
  });

  describe('definitions checked at boot', () => {
    const base = { core: '^0.1', description: 'test', options: z.object({}), provides: {} } satisfies Omit<GuichetPlugin, 'name'>;

    @Controller('api/:tenant/plugins/audit/entries')
    class AuditController {}
    @Controller('api/:tenant/tickets')
    class PirateController {}
    @Controller(':tenant/auth/audit')
    class SignInController {}
    @Injectable()
    class AuditTask extends PluginTask {
      run() {
        return Promise.resolve();
      }
    }
    const migration = (name: string) =>
      class implements MigrationInterface {
        name = name;
        up() {
          return Promise.resolve();
        }
        down() {
          return Promise.resolve();
        }
      };

    it('accepts routes under api/:tenant/plugins/<name>/, a task among the providers, timestamped migrations', () => {
      const plugin: GuichetPlugin = { ...base, name: 'audit', controllers: [AuditController], providers: [AuditTask], tasks: [{ name: 'sweep', task: AuditTask }], migrations: [migration('AuditInit1796000000000')] };
      expect(new PluginRegistry([plugin]).names()).toEqual(['audit']);
    });

    it("refuses a controller outside the plugin's prefix, naming the plugin", () => {
      expect(() => new PluginRegistry([{ ...base, name: 'audit', controllers: [PirateController] }])).toThrow(
        'Plugin "audit": controller PirateController is at "/api/:tenant/tickets", outside /api/:tenant/plugins/audit/',
      );
      // Sign-in routes are for sign-in methods only.
      expect(() => new PluginRegistry([{ ...base, name: 'audit', controllers: [SignInController] }])).toThrow('controller SignInController is at "/:tenant/auth/audit"');
      const signIn: GuichetPlugin = { ...base, name: 'audit', provides: { authMethod: { kind: 'redirect', start: { method: 'GET', path: 'auth/audit' } } }, controllers: [SignInController] };
      expect(new PluginRegistry([signIn]).names()).toEqual(['audit']);
    });

    it('refuses a task that is not a provider, a migration without a timestamp, and one name for two migrations', () => {
      expect(() => new PluginRegistry([{ ...base, name: 'audit', tasks: [{ name: 'sweep', task: AuditTask }] }])).toThrow('Plugin "audit": task "sweep" runs AuditTask, which is not one of its providers');
      expect(() => new PluginRegistry([{ ...base, name: 'audit', migrations: [migration('AuditInit')] }])).toThrow('Plugin "audit": migration AuditInit does not end with a 13-digit timestamp');
      expect(() => new PluginRegistry([{ ...base, name: 'audit', migrations: [migration('Init1796000000000')] }, { ...base, name: 'other', migrations: [migration('Init1796000000000')] }])).toThrow(
        'Plugin "other": migration Init1796000000000 has the name of one of plugin "audit"\'s',
      );
    });
  });
});
