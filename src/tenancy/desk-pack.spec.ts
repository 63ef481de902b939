import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackLoader } from './pack-loader.js';
import type { TenantFile } from './pack.schema.js';
import { route } from '../tickets/routing.js';
import { businessDurationMs, calendarOf } from './desk-pack.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/packs');
const SAMPLE = 'packs/sample/tenant.yaml';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'guichet-desk-packs-'));
  cpSync(join(FIXTURES, 'sample'), join(tmp, 'packs', 'sample'), { recursive: true });
  cpSync(join(FIXTURES, '_base/simple'), join(tmp, 'packs', '_base/simple'), { recursive: true });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** The sample pack with its `desk:` line replaced by `yaml`, loaded: its pack or its problems as `path: message`. */
function withSections(yaml: string) {
  const file = join(tmp, SAMPLE);
  const text = readFileSync(join(FIXTURES, 'sample', 'tenant.yaml'), 'utf8');
  if (!text.includes('desk: { otherTeams: act }\n')) throw new Error('the sample fixture changed');
  writeFileSync(file, text.replace('desk: { otherTeams: act }\n', `${yaml.trim()}\n`));
  const result = new PackLoader(join(tmp, 'packs')).tryLoad('sample');
  return 'pack' in result ? { pack: result.pack, problems: [] } : { problems: result.problems.map((p) => `${p.path}: ${p.message}`) };
}

describe('routing, desk and sla sections of a pack', () => {
  it('accepts well-formed sections and compiles a calendar in the tenant time zone', () => {
    const { pack, problems } = withSections(`
routing:
  rules:
    - { name: schools, team: network, establishmentKinds: [CLG], under: [network] }
    - { team: desk, establishments: [9740049K], fields: { urgency: [high], phone: "02 31 00 00 00" } }
desk: { otherTeams: read, teams: { desk: act }, transitions: { ask: ask } }
sla:
  calendar: { hours: { mon: ["08:00-12:00", "14:00-18:00"], sat: ["09:00-12:00"] }, holidays: ["12-20", "2026-05-15"], schoolHolidays: [{ from: 2026-10-17, to: 2026-11-01 }] }
  targets:
    - { priorities: [p1], under: [network], take: PT30M, resolve: PT4H }
    - { resolve: P2DT1H30M }
`);
    expect(problems).toEqual([]);
    const cfg = pack!.config;
    expect(cfg.desk).toEqual({ otherTeams: 'read', teams: { desk: 'act' }, transitions: { ask: 'ask' } });
    const calendar = calendarOf(cfg, cfg.sla!);
    expect(calendar.config.timezone).toBe('Europe/Paris');
    expect(calendar.dayLength).toBe(8 * 3_600_000);
    expect(businessDurationMs('P2DT1H30M', calendar)).toBe((2 * 8 + 1.5) * 3_600_000);
    expect(calendar.isHoliday('2027-12-20')).toBe(true);
    expect(calendar.isHoliday('2026-10-20')).toBe(true);
  });

  it('defaults: no rules, agents on their own teams, office hours with French holidays', () => {
    const { pack } = withSections(`sla: { targets: [{ take: PT1H }] }`);
    expect(pack!.config.routing).toBeUndefined();
    expect(pack!.config.desk.otherTeams).toBe('none');
    expect(pack!.config.sla!.calendar.hours.fri).toEqual(['08:00-18:00']);
    expect(pack!.config.sla!.calendar.hours.sat).toBeUndefined();
    expect(calendarOf(pack!.config, pack!.config.sla!).isHoliday('2026-05-14')).toBe(true); // Ascension
  });

  it('names every wrong reference, with its path', () => {
    const { problems } = withSections(`
routing:
  rules:
    - { team: nowhere, establishments: [9740049A], under: [nothing], types: [problem], fields: { urgency: someday, nope: x } }
desk: { teams: { ghosts: act }, transitions: { take: close, resolve: vanish } }
sla:
  pauseIn: [sleeping]
  calendar: { hours: { mon: ["09:00-12:00", "11:00-13:00"], tue: ["18:00-08:00"] }, holidays: ["02-30"], schoolHolidays: [{ from: 2026-11-01, to: 2026-10-17 }] }
  targets:
    - { priorities: [p9], under: [nothing], take: PT0M }
    - { types: [incident] }
`);
    expect(problems).toEqual([
      'routing.rules[0].team: expected a team key, got "nowhere"',
      'routing.rules[0].establishments[0]: expected a UAI code such as 0140096D, got "9740049A"',
      'routing.rules[0].under[0]: expected a catalogue key, got "nothing"',
      'routing.rules[0].types[0]: expected a ticket type, got "problem"',
      'routing.rules[0].fields.urgency: expected one of low, medium, high, got "someday"',
      `routing.rules[0].fields.nope: expected a key of form.fields or of a leaf's fields, got "nope"`,
      'desk.teams.ghosts: expected a team key, got "ghosts"',
      'desk.transitions.take: expected a transition agents may apply, "close" is not',
      'desk.transitions.resolve: expected a transition name, got "vanish"',
      'sla.pauseIn[0]: expected a known status, got "sleeping"',
      'sla.calendar.hours.mon: expected hours that do not overlap',
      'sla.calendar.hours.tue[0]: expected an end after the start, got "18:00-08:00"',
      'sla.calendar.holidays[0]: expected an existing day, got "02-30"',
      'sla.calendar.schoolHolidays[0].to: expected a date on or after 2026-11-01, got "2026-10-17"',
      'sla.targets[0].priorities[0]: expected a priority level, got "p9"',
      'sla.targets[0].under[0]: expected a catalogue key, got "nothing"',
      'sla.targets[0].take: expected a duration longer than zero',
      'sla.targets[1]: expected "take", "resolve" or both',
    ]);
  });

  it('refuses unknown keys and malformed durations before cross-checks', () => {
    expect(withSections(`sla: { targets: [{ take: 4h }] }`).problems).toEqual(['sla.targets[0].take: a working-time duration in days, hours and minutes such as PT4H, PT30M or P2D']);
    expect(withSections(`desk: { otherTeams: all }`).problems[0]).toMatch(/^desk\.otherTeams: /);
    expect(withSections(`routing: { rules: [{ team: desk, colour: red }] }`).problems[0]).toMatch(/^routing\.rules\[0\]/);
  });
});

describe('route', () => {
  const config = {
    fallbackTeam: 'desk',
    routing: {
      rules: [
        { name: 'schools-network', team: 'schools', under: ['network'], establishmentKinds: ['CLG'] },
        { team: 'accounts', fields: { component: ['mail', 'directory'] } },
        { team: 'vip', establishments: ['0140096D'], types: ['incident'] },
      ],
    },
  } as unknown as TenantFile;
  const leaf = (path: string, team: string | null = null) => ({ key: path.split('/').at(-1)!, path, team_key: team });

  it('takes the first rule whose conditions all hold', () => {
    expect(route(config, { leaf: leaf('network/wifi', 'network'), type: 'incident', establishment: { uai: '0140096D', kind: 'CLG' }, values: {} })).toEqual({
      team: 'schools',
      source: 'rule',
      rule: 'schools-network',
    });
    expect(route(config, { leaf: leaf('network/wifi', 'network'), type: 'incident', establishment: { uai: '0140096D', kind: 'LPO' }, values: {} })).toEqual({
      team: 'vip',
      source: 'rule',
      rule: 'rule-3',
    });
  });

  it('matches field values, lists of values included', () => {
    expect(route(config, { leaf: leaf('other/q'), type: 'request', values: { component: 'directory' } }).team).toBe('accounts');
    expect(route(config, { leaf: leaf('other/q'), type: 'request', values: { component: ['x', 'mail'] } }).team).toBe('accounts');
    expect(route(config, { leaf: leaf('other/q'), type: 'request', values: { component: 'other' } }).rule).toBe('fallback');
  });

  it('falls back on the leaf team, then on the pack fallback', () => {
    expect(route(config, { leaf: leaf('network/wifi', 'network'), type: 'incident', establishment: null, values: {} })).toEqual({ team: 'network', source: 'leaf', rule: 'leaf' });
    expect(route({ fallbackTeam: 'desk' } as TenantFile, { leaf: leaf('a/b'), type: 'request', values: {} })).toEqual({ team: 'desk', source: 'fallback', rule: 'fallback' });
  });
});
