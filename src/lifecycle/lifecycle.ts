import type { Actor, Effect, Requirement, StatusCategory } from './vocabulary.js';
import type { Localized } from '../common/localized.js';

export interface StatusDefinition {
  key: string;
  label: Localized;
  category: StatusCategory;
}

export interface TransitionDefinition {
  name: string;
  label: Localized;
  /** Source statuses, already expanded (`*` becomes every status that is not closed). */
  from: string[];
  to: string;
  by: Actor[];
  requires: Requirement[];
  survey?: string;
  effects: Effect[];
  types?: string[];
  on?: 'comment';
}

export interface TimerDefinition {
  name: string;
  when: string;
  after: string;
  apply?: string;
  notify?: string;
}

export interface LifecycleIssue {
  /** Path inside the pack file, e.g. `transitions[2].to`. */
  path: string;
  message: string;
}

/**
 * A ticket lifecycle built from a pack: a state machine whose states carry one of the five
 * categories the core understands. Pure: it knows nothing of tickets or the database.
 */
export class Lifecycle {
  readonly statuses: ReadonlyMap<string, StatusDefinition>;
  readonly transitions: readonly TransitionDefinition[];

  constructor(
    statuses: StatusDefinition[],
    transitions: TransitionDefinition[],
    readonly initialStatuses: readonly string[],
    readonly timers: readonly TimerDefinition[] = [],
  ) {
    this.statuses = new Map(statuses.map((s) => [s.key, s]));
    this.transitions = transitions;
  }

  /** Every structural problem of the machine, each with the pack path to blame. */
  validate(): LifecycleIssue[] {
    const issues: LifecycleIssue[] = [];
    const known = (key: string) => this.statuses.has(key);
    this.initialStatuses.forEach((key) => {
      if (!known(key)) issues.push({ path: 'initialStatus', message: `expected a known status, got "${key}"` });
    });
    const names = new Set<string>();
    this.transitions.forEach((t, i) => {
      if (names.has(t.name) && !this.sameNameCompatible(t)) {
        issues.push({ path: `transitions[${i}].name`, message: `expected a unique name or one target per name, "${t.name}" goes to several statuses` });
      }
      names.add(t.name);
      t.from.forEach((key) => {
        if (!known(key)) issues.push({ path: `transitions[${i}].from`, message: `expected a known status, got "${key}"` });
      });
      if (!known(t.to)) issues.push({ path: `transitions[${i}].to`, message: `expected a known status, got "${t.to}"` });
      if (t.requires.includes('rating') && !t.survey) {
        issues.push({ path: `transitions[${i}].survey`, message: 'expected a survey for a transition that requires a rating' });
      }
      if (t.on === 'comment' && t.by.includes('system')) {
        issues.push({ path: `transitions[${i}].on`, message: 'expected people in "by" for a transition applied on comment' });
      }
    });
    this.timers.forEach((timer, i) => {
      if (!known(timer.when)) issues.push({ path: `timers[${i}].when`, message: `expected a known status, got "${timer.when}"` });
      if (!timer.apply === !timer.notify) {
        issues.push({ path: `timers[${i}]`, message: 'expected exactly one of "apply" or "notify"' });
      }
      if (timer.apply) {
        const t = this.transitions.find((x) => x.name === timer.apply && x.from.includes(timer.when));
        if (!t) issues.push({ path: `timers[${i}].apply`, message: `expected a transition from "${timer.when}", got "${timer.apply}"` });
        else if (!t.by.includes('system')) issues.push({ path: `timers[${i}].apply`, message: `expected a transition that "system" may apply, "${timer.apply}" may not` });
      }
    });
    if (issues.length) return issues;
    if (![...this.statuses.values()].some((s) => s.category === 'closed')) {
      issues.push({ path: 'statuses', message: 'expected at least one status of category "closed"' });
      return issues;
    }
    const reachable = this.reachableFrom(this.initialStatuses);
    for (const key of this.statuses.keys()) {
      if (!reachable.has(key)) issues.push({ path: `statuses.${key}`, message: `expected a status reachable from the initial status, "${key}" is not` });
    }
    for (const key of reachable) {
      if (!this.canReachClosed(key)) {
        issues.push({ path: `statuses.${key}`, message: `expected a way from "${key}" to a closed status, there is none` });
      }
    }
    return issues;
  }

  status(key: string): StatusDefinition {
    const status = this.statuses.get(key);
    if (!status) throw new Error(`Unknown status "${key}"`);
    return status;
  }

  /**
   * A ticket's status, or a stand-in named by its key when the pack no longer has it: a ticket
   * pack sync has not moved yet, or read by an instance still on the previous pack.
   */
  statusOf(ticket: { status: string; status_category: StatusCategory | string }): StatusDefinition {
    return this.statuses.get(ticket.status) ?? { key: ticket.status, label: { fr: ticket.status }, category: ticket.status_category as StatusCategory };
  }

  category(key: string): StatusCategory {
    return this.status(key).category;
  }

  /** Statuses of the given categories, for SQL filters. */
  statusesIn(categories: readonly StatusCategory[]): string[] {
    return [...this.statuses.values()].filter((s) => categories.includes(s.category)).map((s) => s.key);
  }

  /** Transitions from `status` that someone holding any of `actors` may apply to a ticket of `type`. */
  allowed(status: string, actors: ReadonlySet<Actor>, type: string): TransitionDefinition[] {
    return this.transitions.filter(
      (t) => t.from.includes(status) && (!t.types || t.types.includes(type)) && t.by.some((a) => actors.has(a)) && t.on !== 'comment',
    );
  }

  /** The transition a public comment triggers, if any. */
  onComment(status: string, actors: ReadonlySet<Actor>, type: string): TransitionDefinition | undefined {
    return this.transitions.find(
      (t) => t.on === 'comment' && t.from.includes(status) && (!t.types || t.types.includes(type)) && t.by.some((a) => actors.has(a)),
    );
  }

  /** The transition named `name` that leaves `status`, whoever may apply it. */
  find(name: string, status: string, type: string): TransitionDefinition | undefined {
    return this.transitions.find((t) => t.name === name && t.from.includes(status) && (!t.types || t.types.includes(type)));
  }

  private sameNameCompatible(t: TransitionDefinition): boolean {
    // The same name may appear several times (e.g. "reopen" from two statuses) when the sources don't overlap.
    return this.transitions.filter((x) => x.name === t.name && x !== t).every((x) => !x.from.some((f) => t.from.includes(f)));
  }

  private reachableFrom(start: readonly string[]): Set<string> {
    const seen = new Set<string>(start);
    const queue = [...start];
    while (queue.length) {
      const current = queue.shift()!;
      for (const t of this.transitions) {
        if (t.from.includes(current) && !seen.has(t.to)) {
          seen.add(t.to);
          queue.push(t.to);
        }
      }
    }
    return seen;
  }

  private canReachClosed(key: string): boolean {
    return [...this.reachableFrom([key])].some((k) => this.statuses.get(k)?.category === 'closed');
  }
}
