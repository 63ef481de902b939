import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
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
