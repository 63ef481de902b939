import { validateUai } from '../common/uai.js';
import { BusinessCalendar, parseRange, WEEKDAYS } from './business-calendar.js';
import type { TenantFile } from './pack.schema.js';
import type { CatalogueEntry } from './catalogue-entry.js';

type Problem = { path: string; message: string };
type Sla = NonNullable<TenantFile['sla']>;

/** Working time of a business duration (`P1DT2H30M`): a day is the calendar's longest working day. */
export function businessDurationMs(duration: string, calendar: BusinessCalendar): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (!m) throw new RangeError(`invalid working-time duration "${duration}"`);
  return Number(m[1] ?? 0) * calendar.dayLength + (Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 60_000;
}

/** The business calendar of a pack's SLA section, in the tenant's time zone. */
export function calendarOf(tenant: TenantFile, sla: Sla): BusinessCalendar {
  return new BusinessCalendar({ timezone: tenant.timezone, ...sla.calendar });
}

/**
 * Cross-checks of the `routing`, `desk` and `sla` sections against the rest of the pack: teams,
 * statuses, types, priority levels, catalogue keys, field keys and choices, UAI codes, hours.
 */
export function checkDeskPack(tenant: TenantFile, catalogue: CatalogueEntry[]): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  const teams = new Set(tenant.teams.map((t) => t.key));
  const types = new Set(Object.keys(tenant.ticketTypes));
  const nodes = new Set(catalogue.map((c) => c.key));
  const keysIn = (path: string, values: string[] | undefined, known: Set<string>, what: string) =>
    values?.forEach((v, j) => known.has(v) || report(`${path}[${j}]`, `expected ${what}, got "${v}"`));

  tenant.routing?.rules.forEach((rule, i) => {
    const path = `routing.rules[${i}]`;
    if (!teams.has(rule.team)) report(`${path}.team`, `expected a team key, got "${rule.team}"`);
    rule.establishments?.forEach((uai, j) => validateUai(uai).valid || report(`${path}.establishments[${j}]`, `expected a UAI code such as 0140096D, got "${uai}"`));
    keysIn(`${path}.under`, rule.under, nodes, 'a catalogue key');
    keysIn(`${path}.types`, rule.types, types, 'a ticket type');
    for (const [key, wanted] of Object.entries(rule.fields ?? {})) checkFieldValues(tenant, catalogue, `${path}.fields.${key}`, key, [wanted].flat(), report);
  });

  for (const key of Object.keys(tenant.desk.teams)) if (!teams.has(key)) report(`desk.teams.${key}`, `expected a team key, got "${key}"`);
  for (const [action, name] of Object.entries(tenant.desk.transitions)) {
    const found = tenant.transitions.filter((t) => t.name === name);
    if (!found.length) report(`desk.transitions.${action}`, `expected a transition name, got "${name}"`);
    else if (!found.some((t) => t.by.includes('agent'))) report(`desk.transitions.${action}`, `expected a transition agents may apply, "${name}" is not`);
  }

  if (tenant.sla) checkSla(tenant, tenant.sla, nodes, types, report);
  return problems;
}

function checkFieldValues(tenant: TenantFile, catalogue: CatalogueEntry[], path: string, key: string, values: unknown[], report: (p: string, m: string) => void) {
  const field = tenant.form.fields.find((f) => f.key === key) ?? catalogue.flatMap((c) => c.fields).find((f) => f.key === key);
  if (!field) return report(path, `expected a key of form.fields or of a leaf's fields, got "${key}"`);
  const choices =
    key === 'impact' ? tenant.priority?.impact.map((l) => l.key)
    : key === 'urgency' ? tenant.priority?.urgency.map((l) => l.key)
    : key === 'visibility' ? tenant.visibility?.options.map((o) => o.value)
    : field.options?.map((o) => o.value);
  if (!choices) return;
  values.forEach((v) => choices.includes(String(v)) || report(path, `expected one of ${choices.join(', ')}, got "${String(v)}"`));
}

function checkSla(tenant: TenantFile, sla: Sla, nodes: Set<string>, types: Set<string>, report: (p: string, m: string) => void) {
  const statuses = new Set(Object.keys(tenant.statuses));
  sla.pauseIn?.forEach((s, j) => statuses.has(s) || report(`sla.pauseIn[${j}]`, `expected a known status, got "${s}"`));
  let working = 0;
  for (const day of WEEKDAYS) {
    const ranges = (sla.calendar.hours[day] ?? []).map((r, j) => ({ r: parseRange(r), j }));
    ranges.forEach(({ r, j }) => typeof r === 'string' && report(`sla.calendar.hours.${day}[${j}]`, r));
    const valid = ranges.flatMap(({ r }) => (typeof r === 'string' ? [] : [r])).sort((a, b) => a.from - b.from);
    valid.slice(1).forEach((r, j) => r.from < valid[j].to && report(`sla.calendar.hours.${day}`, 'expected hours that do not overlap'));
    working += valid.length;
  }
  if (!working) report('sla.calendar.hours', 'expected working hours on at least one day');
  sla.calendar.holidays.forEach((h, j) => isDate(h.length === 5 ? `2024-${h}` : h) || report(`sla.calendar.holidays[${j}]`, `expected an existing day, got "${h}"`));
  sla.calendar.schoolHolidays.forEach((p, j) => {
    if (!isDate(p.from) || !isDate(p.to)) report(`sla.calendar.schoolHolidays[${j}]`, `expected existing dates, got "${p.from}" to "${p.to}"`);
    else if (p.to < p.from) report(`sla.calendar.schoolHolidays[${j}].to`, `expected a date on or after ${p.from}, got "${p.to}"`);
  });
  const levels = new Set(tenant.priority?.levels.map((l) => l.key) ?? []);
  sla.targets.forEach((target, i) => {
    const path = `sla.targets[${i}]`;
    if (target.priorities && !tenant.priority) report(`${path}.priorities`, 'expected a "priority" section for targets by priority');
    else keysIn(target.priorities, levels, 'a priority level', `${path}.priorities`);
    keysIn(target.under, nodes, 'a catalogue key', `${path}.under`);
    keysIn(target.types, types, 'a ticket type', `${path}.types`);
    if (!target.take && !target.resolve) report(path, 'expected "take", "resolve" or both');
    for (const clock of ['take', 'resolve'] as const) if (target[clock] && !/[1-9]/.test(target[clock]!)) report(`${path}.${clock}`, 'expected a duration longer than zero');
  });

  function keysIn(values: string[] | undefined, known: Set<string>, what: string, path: string) {
    values?.forEach((v, j) => known.has(v) || report(`${path}[${j}]`, `expected ${what}, got "${v}"`));
  }
}

function isDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
