/**
 * Priority from impact × urgency (ITIL style), driven by the tenant pack's `priority` section.
 * The config type is repeated here structurally so this module stays free of the pack loader.
 */

export interface PriorityConfig {
  impact: { key: string }[];
  urgency: { key: string }[];
  levels: { key: string }[];
  /** `matrix[impact][urgency]` is a key of `levels`. */
  matrix: Record<string, Record<string, string>>;
  default: { impact: string; urgency: string };
}

export type PriorityAxis = 'impact' | 'urgency' | 'matrix';

/** An impact or urgency the tenant does not define, or a matrix with a hole in it. */
export class PriorityError extends Error {
  override readonly name = 'PriorityError';
  readonly code = 'PRIORITY_INVALID';

  constructor(
    readonly axis: PriorityAxis,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The priority level key for an impact and an urgency; a missing value takes the tenant default.
 * @throws PriorityError naming the axis of an unknown value (or `matrix` for a missing cell,
 *   which {@link checkPriorityMatrix} reports at boot).
 */
export function computePriority(cfg: PriorityConfig, impact: string | undefined, urgency: string | undefined): string {
  const i = impact ?? cfg.default.impact;
  const u = urgency ?? cfg.default.urgency;
  if (!hasKey(cfg.impact, i)) {
    throw new PriorityError('impact', `unknown impact "${i}" (expected one of: ${keys(cfg.impact)})`);
  }
  if (!hasKey(cfg.urgency, u)) {
    throw new PriorityError('urgency', `unknown urgency "${u}" (expected one of: ${keys(cfg.urgency)})`);
  }
  const row = own(cfg.matrix, i);
  const level = row && own(row, u);
  if (typeof level !== 'string' || !hasKey(cfg.levels, level)) {
    throw new PriorityError('matrix', `the priority matrix has no valid level for impact "${i}" and urgency "${u}"`);
  }
  return level;
}

/**
 * Every problem in a priority config, with pack paths such as `priority.matrix.one-person.high`:
 * a missing or unknown cell, a level that does not exist, an unknown default, duplicate keys.
 * An empty list means the config is consistent.
 */
export function checkPriorityMatrix(cfg: PriorityConfig): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const add = (path: string, message: string) => errors.push({ path: `priority.${path}`, message });

  for (const axis of ['impact', 'urgency', 'levels'] as const) {
    if (cfg[axis].length === 0) add(axis, 'must list at least one key');
    cfg[axis].forEach((entry, index) => {
      if (cfg[axis].findIndex((e) => e.key === entry.key) < index) add(`${axis}.${index}.key`, `duplicate key "${entry.key}"`);
    });
  }

  for (const i of cfg.impact.map((e) => e.key)) {
    const row = own(cfg.matrix, i);
    if (row === undefined || row === null || typeof row !== 'object') {
      add(`matrix.${i}`, `missing row for impact "${i}"`);
      continue;
    }
    for (const u of cfg.urgency.map((e) => e.key)) {
      const level = own(row, u);
      if (level === undefined) add(`matrix.${i}.${u}`, `missing cell for impact "${i}" and urgency "${u}"`);
      else if (typeof level !== 'string' || !hasKey(cfg.levels, level)) {
        add(`matrix.${i}.${u}`, `unknown level "${String(level)}" (expected one of: ${keys(cfg.levels)})`);
      }
    }
  }
  for (const [i, row] of Object.entries(cfg.matrix)) {
    if (!hasKey(cfg.impact, i)) {
      add(`matrix.${i}`, `unknown impact "${i}" (expected one of: ${keys(cfg.impact)})`);
    } else if (row && typeof row === 'object') {
      for (const u of Object.keys(row)) {
        if (!hasKey(cfg.urgency, u)) add(`matrix.${i}.${u}`, `unknown urgency "${u}" (expected one of: ${keys(cfg.urgency)})`);
      }
    }
  }

  if (!hasKey(cfg.impact, cfg.default.impact)) add('default.impact', `unknown impact "${cfg.default.impact}"`);
  if (!hasKey(cfg.urgency, cfg.default.urgency)) add('default.urgency', `unknown urgency "${cfg.default.urgency}"`);
  return errors;
}

function hasKey(list: { key: string }[], key: string): boolean {
  return list.some((e) => e.key === key);
}

function keys(list: { key: string }[]): string {
  return list.map((e) => e.key).join(', ');
}

// Own properties only, so keys like "constructor" or "__proto__" never hit Object.prototype.
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
