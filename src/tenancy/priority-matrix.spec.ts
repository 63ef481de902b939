import { describe, expect, it } from '@jest/globals';
import { checkPriorityMatrix, computePriority, PriorityConfig, PriorityError } from './priority-matrix.js';

function config(): PriorityConfig {
  return {
    impact: [{ key: 'one-person' }, { key: 'service' }, { key: 'establishment' }],
    urgency: [{ key: 'low' }, { key: 'medium' }, { key: 'high' }],
    levels: [{ key: 'p4' }, { key: 'p3' }, { key: 'p2' }, { key: 'p1' }],
    matrix: {
      'one-person': { low: 'p4', medium: 'p4', high: 'p3' },
      service: { low: 'p4', medium: 'p3', high: 'p2' },
      establishment: { low: 'p3', medium: 'p2', high: 'p1' },
    },
    default: { impact: 'one-person', urgency: 'medium' },
  };
}

function thrown(fn: () => unknown): PriorityError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PriorityError) return error;
    throw error;
  }
  throw new Error('expected a PriorityError');
}

describe('computePriority', () => {
  it.each([
    ['one-person', 'low', 'p4'],
    ['one-person', 'high', 'p3'],
    ['service', 'medium', 'p3'],
    ['service', 'high', 'p2'],
    ['establishment', 'low', 'p3'],
    ['establishment', 'high', 'p1'],
  ])('%s × %s → %s', (impact, urgency, level) => {
    expect(computePriority(config(), impact, urgency)).toBe(level);
  });

  it('takes the default for a missing impact, urgency or both', () => {
    expect(computePriority(config(), undefined, 'high')).toBe('p3');
    expect(computePriority(config(), 'establishment', undefined)).toBe('p2');
    expect(computePriority(config(), undefined, undefined)).toBe('p4');
  });

  it('names the impact axis for an unknown impact', () => {
    const error = thrown(() => computePriority(config(), 'planet', 'high'));
    expect(error.axis).toBe('impact');
    expect(error.code).toBe('PRIORITY_INVALID');
    expect(error.message).toMatch(/unknown impact "planet".*one-person, service, establishment/);
  });

  it('names the urgency axis for an unknown urgency', () => {
    const error = thrown(() => computePriority(config(), 'service', 'yesterday'));
    expect(error.axis).toBe('urgency');
    expect(error.message).toContain('"yesterday"');
  });

  it('treats an empty string as a value, not as missing', () => {
    expect(thrown(() => computePriority(config(), '', 'high')).axis).toBe('impact');
  });

  it('does not mistake Object.prototype members for keys', () => {
    expect(thrown(() => computePriority(config(), 'constructor', 'low')).axis).toBe('impact');
    const cfg = config();
    cfg.urgency.push({ key: 'toString' });
    expect(thrown(() => computePriority(cfg, 'service', 'toString')).axis).toBe('matrix');
  });

  it('reports a hole or an unknown level in the matrix as a matrix error', () => {
    const cfg = config();
    delete cfg.matrix.service.high;
    cfg.matrix.establishment.high = 'p0';
    expect(thrown(() => computePriority(cfg, 'service', 'high')).axis).toBe('matrix');
    expect(thrown(() => computePriority(cfg, 'establishment', 'high')).axis).toBe('matrix');
  });
});

describe('checkPriorityMatrix', () => {
  it('accepts a complete matrix', () => {
    expect(checkPriorityMatrix(config())).toEqual([]);
  });

  it('reports a missing cell at its path', () => {
    const cfg = config();
    delete cfg.matrix['one-person'].high;
    expect(checkPriorityMatrix(cfg)).toEqual([
      { path: 'priority.matrix.one-person.high', message: expect.stringContaining('missing cell') },
    ]);
  });

  it('reports a missing row once', () => {
    const cfg = config();
    delete cfg.matrix.service;
    expect(checkPriorityMatrix(cfg)).toEqual([{ path: 'priority.matrix.service', message: 'missing row for impact "service"' }]);
  });

  it('reports a cell naming an unknown level', () => {
    const cfg = config();
    cfg.matrix.service.low = 'urgent';
    expect(checkPriorityMatrix(cfg)).toEqual([
      { path: 'priority.matrix.service.low', message: 'unknown level "urgent" (expected one of: p4, p3, p2, p1)' },
    ]);
  });

  it('reports rows and cells for keys the axes do not define', () => {
    const cfg = config();
    cfg.matrix.planet = { low: 'p1' };
    cfg.matrix.service.critical = 'p1';
    expect(checkPriorityMatrix(cfg).map((e) => e.path).sort()).toEqual(['priority.matrix.planet', 'priority.matrix.service.critical']);
  });

  it('reports unknown defaults', () => {
    const cfg = config();
    cfg.default = { impact: 'planet', urgency: 'now' };
    expect(checkPriorityMatrix(cfg)).toEqual([
      { path: 'priority.default.impact', message: 'unknown impact "planet"' },
      { path: 'priority.default.urgency', message: 'unknown urgency "now"' },
    ]);
  });

  it('reports duplicate keys and empty axes', () => {
    const cfg = config();
    cfg.levels.push({ key: 'p2' });
    expect(checkPriorityMatrix(cfg)).toEqual([{ path: 'priority.levels.4.key', message: 'duplicate key "p2"' }]);
    const empty = { ...config(), urgency: [], matrix: {}, default: { impact: 'service', urgency: 'low' } };
    expect(checkPriorityMatrix(empty).map((e) => e.path)).toEqual([
      'priority.urgency',
      'priority.matrix.one-person',
      'priority.matrix.service',
      'priority.matrix.establishment',
      'priority.default.urgency',
    ]);
  });

  it('survives a malformed row from hand-written YAML', () => {
    const cfg = config();
    (cfg.matrix as Record<string, unknown>).service = 'p1';
    expect(checkPriorityMatrix(cfg)).toEqual([{ path: 'priority.matrix.service', message: 'missing row for impact "service"' }]);
  });

  it('collects every problem at once', () => {
    const cfg = config();
    delete cfg.matrix['one-person'].low;
    cfg.matrix.service.high = 'p9';
    cfg.default.urgency = 'whenever';
    expect(checkPriorityMatrix(cfg)).toHaveLength(3);
  });
});
