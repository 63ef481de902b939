import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packLoader } from '../src/bootstrap.js';
import { PRODUCTION_ENV } from './setup/production-env.js';
import { validateUai } from '../src/common/uai.js';
import { formatProblem } from '../src/tenancy/pack-errors.js';
import { PackLoader } from '../src/tenancy/pack-loader.js';
import type { TenantPack } from '../src/tenancy/tenant-pack.js';

/** Every pack shipped under tenants/ must load as the application would load it at boot. */
const ROOT = join(import.meta.dirname, '..');
const TENANTS = join(ROOT, 'tenants');
const MIN_LEAVES = 50;

const loader = new PackLoader(TENANTS);
const ids = loader.listIds();

const results = new Map<string, ReturnType<PackLoader['tryLoad']>>();
function tryLoad(id: string): ReturnType<PackLoader['tryLoad']> {
  if (!results.has(id)) results.set(id, loader.tryLoad(id));
  return results.get(id)!;
}

function loaded(id: string): TenantPack {
  const result = tryLoad(id);
  if ('problems' in result) throw new Error(`pack "${id}" does not load:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.pack;
}

/** The demo establishments, from the loaded pack or, when it does not load, from its own demo.yaml. */
function demoUais(id: string): string[] {
  const result = tryLoad(id);
  if ('pack' in result) return (result.pack.demo?.establishments ?? []).map((e) => e.uai);
  const file = join(TENANTS, id, 'demo.yaml');
  if (!existsSync(file)) return [];
  const demo = parseYaml(readFileSync(file, 'utf8')) as { establishments?: { uai?: unknown }[] } | null;
  return (demo?.establishments ?? []).map((e) => String(e.uai));
}

describe('tenant packs', () => {
  it('are found under tenants/', () => {
    expect(ids.length).toBeGreaterThan(0);
  });

  it.each(ids)('%s loads with no problem', (id) => {
    const result = tryLoad(id);
    expect('problems' in result ? result.problems.map(formatProblem) : []).toEqual([]);
  });

  it.each(ids)(`%s has at least ${MIN_LEAVES} catalogue leaves`, (id) => {
    expect(loaded(id).catalogue.filter((c) => c.leaf).length).toBeGreaterThanOrEqual(MIN_LEAVES);
  });

  it.each(ids)('%s has only valid demo establishment UAIs', (id) => {
    const invalid = demoUais(id).filter((uai) => !validateUai(uai).valid);
    expect(invalid).toEqual([]);
  });

  it.each(ids)('%s has a README.md', (id) => {
    expect(existsSync(join(TENANTS, id, 'README.md'))).toBe(true);
  });
});

describe('tenant packs in production (demo mode off)', () => {
  const production = (env: Record<string, string>) => packLoader(TENANTS, undefined, { env, demo: false });

  it.each(ids)('%s offers a sign-in method other than demo, configured from the environment', (id) => {
    const pack = production(PRODUCTION_ENV).load(id);
    const methods = pack.config.auth.map((a) => a.plugin).filter((p) => p !== 'demo');
    expect(methods.length).toBeGreaterThan(0);
    expect(pack.unconfigured).toEqual([]);
    expect(JSON.stringify(pack.config.auth)).not.toContain('${');
  });

  it.each(ids)('%s fails without its variables, naming file, key and variable', (id) => {
    const result = production({}).tryLoad(id);
    const problems = 'problems' in result ? result.problems.map(formatProblem) : [];
    if (id === 'kosmos-aura') expect(problems).toEqual([
      'tenants/kosmos-aura/tenant.yaml: auth[0].options.issuer: expected the environment variable GUICHET_KOSMOS_OIDC_ISSUER to be set (the deployment\'s configuration; see the pack\'s README)',
      'tenants/kosmos-aura/tenant.yaml: auth[0].options.clientId: expected the environment variable GUICHET_KOSMOS_OIDC_CLIENT_ID to be set (the deployment\'s configuration; see the pack\'s README)',
    ]);
    else expect(problems).toEqual([expect.stringMatching(new RegExp(`^tenants/${id}/tenant\\.yaml: auth\\[0\\]\\.options\\.(server|proxies): expected the environment variable GUICHET_[A-Z]+_(CAS_URL|PROXIES) to be set`))]);
  });

  it.each(ids)('%s in demo mode without variables leaves its production method out and keeps demo', (id) => {
    const pack = packLoader(TENANTS, undefined, { env: {}, demo: true }).load(id);
    expect(pack.config.auth.map((a) => a.plugin)).toContain('demo');
    expect(pack.unconfigured.length).toBeGreaterThan(0);
  });

  it.each(ids)('%s documents its sign-in variables in its README', (id) => {
    const readme = readFileSync(join(TENANTS, id, 'README.md'), 'utf8');
    const pack = packLoader(TENANTS, undefined, { env: {}, demo: true }).load(id);
    expect(readme).toMatch(/## Sign-in/);
    for (const m of pack.unconfigured) for (const v of m.variables) expect(readme).toContain(v);
  });
});
