import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_PACKS } from './test-app.js';

/** A copy of the fixture packs with some `tenant.yaml` files changed (e.g. other auth methods). */
export function fixturePacksWith(changes: Record<string, (yaml: string) => string>, from = FIXTURE_PACKS, files: Record<string, (text: string) => string> = {}): string {
  const root = join(mkdtempSync(join(tmpdir(), 'guichet-packs-')), 'packs');
  cpSync(from, root, { recursive: true });
  const all = { ...Object.fromEntries(Object.entries(changes).map(([tenant, change]) => [`${tenant}/tenant.yaml`, change])), ...files };
  for (const [path, change] of Object.entries(all)) {
    const file = join(root, path);
    writeFileSync(file, change(readFileSync(file, 'utf8')));
  }
  return root;
}

/** Demo data without its tickets (tests that need people only). */
export const withoutDemoTickets = (yaml: string) => yaml.replace(/^tickets:[\s\S]*$/m, '');

/** A tenant.yaml that also turns on these plugins (`- { plugin: … }` lines), in its `plugins` list or a new one. */
export function withPlugins(yaml: string, ...entries: string[]): string {
  const lines = entries.map((e) => `  - ${e}\n`).join('');
  return /^plugins:\n/m.test(yaml) ? yaml.replace(/^plugins:\n/m, `plugins:\n${lines}`) : `${yaml}\nplugins:\n${lines}`;
}
