import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { businessDurationMs, calendarOf } from '../src/tenancy/desk-pack.js';
import { PackLoader } from '../src/tenancy/pack-loader.js';
import { route } from '../src/tickets/routing.js';

/** What the shipped packs say about routing, the desk and service levels, as the engine reads it. */
const loader = new PackLoader(join(import.meta.dirname, '..', 'tenants'));
const HOUR = 3_600_000;

describe('desk and SLA configuration of the shipped packs', () => {
  it('FIL@OS counts working time in La Réunion, closed on 20 December', () => {
    const cfg = loader.load('reunion-filaos').config;
    const calendar = calendarOf(cfg, cfg.sla!);
    expect(calendar.config.timezone).toBe('Indian/Reunion');
    expect(calendar.isHoliday('2027-12-20')).toBe(true);
    expect(calendar.isHoliday('2027-12-21')).toBe(false);
    // Friday 17 December 2027 at 15:30 (11:30Z): 30 minutes on Friday, Monday the 20th closed, Tuesday from 07:30.
    expect(calendar.add(new Date('2027-12-17T11:30:00Z'), HOUR).toISOString()).toBe('2027-12-21T04:00:00.000Z');
    expect(cfg.desk.teams).toEqual({ assistance: 'act' });
  });

  it('CECOIA takes every ticket within 10 working minutes, the platform acting on all teams', () => {
    for (const id of ['cecoia-creteil', 'cecoia-rouen', 'cecoia-versailles']) {
      const cfg = loader.load(id).config;
      const calendar = calendarOf(cfg, cfg.sla!);
      expect(cfg.sla!.targets.map((t) => businessDurationMs(t.take!, calendar))).toEqual([10 * 60_000, 10 * 60_000, 10 * 60_000, 10 * 60_000]);
      expect(cfg.desk.teams).toEqual({ plateforme: 'act' });
      expect(cfg.priority!.levels.map((l) => l.key)).toEqual(['p4', 'p3', 'p2', 'p1']);
    }
  });

  it('Kosmos routes by the component the requester picks', () => {
    const cfg = loader.load('kosmos-aura').config;
    const leaf = { key: 'disponibilite', path: 'assistance-ent/administration/disponibilite', team_key: 'exploitation' };
    expect(route(cfg, { leaf, type: 'support', values: { composants: 'annuaire' } })).toEqual({ team: 'comptes', source: 'rule', rule: 'composant-comptes' });
    expect(route(cfg, { leaf, type: 'support', values: { composants: 'cahier-de-textes' } }).team).toBe('vie-scolaire');
    expect(route(cfg, { leaf, type: 'support', values: {} })).toEqual({ team: 'exploitation', source: 'leaf', rule: 'leaf' });
  });

  it('AMIGO level 1 acts on every team, the others read', () => {
    for (const id of ['caen-amigo', 'rennes-amigo']) expect(loader.load(id).config.desk).toMatchObject({ otherTeams: 'read', teams: { 'amigo-n1': 'act' } });
  });
});
