import { describe, expect, it } from '@jest/globals';
import type { Actor, StatusCategory } from '../tenancy/pack.schema.js';
import { Lifecycle, type StatusDefinition, type TimerDefinition, type TransitionDefinition } from './lifecycle.js';

const status = (key: string, category: StatusCategory): StatusDefinition => ({ key, label: { fr: key }, category });

const transition = (t: Partial<TransitionDefinition> & Pick<TransitionDefinition, 'name' | 'from' | 'to'>): TransitionDefinition => ({
  label: { fr: t.name },
  by: ['agent'],
  requires: [],
  effects: [],
  ...t,
});

const STATUSES = [
  status('new', 'new'),
  status('taken', 'open'),
  status('pending', 'waiting'),
  status('resolved', 'resolved'),
  status('closed', 'closed'),
];

/** A small valid machine, close to what a pack describes. */
const TRANSITIONS = [
  transition({ name: 'take', from: ['new', 'pending'], to: 'taken' }),
  transition({ name: 'ask', from: ['taken'], to: 'pending', requires: ['comment'] }),
  transition({ name: 'answer', from: ['pending'], to: 'taken', by: ['requester', 'beneficiary'], on: 'comment' }),
  transition({ name: 'resolve', from: ['new', 'taken', 'pending'], to: 'resolved', requires: ['solution'] }),
  transition({ name: 'close', from: ['resolved'], to: 'closed', by: ['requester'], requires: ['rating'], survey: 'satisfaction' }),
  transition({ name: 'reopen', from: ['resolved'], to: 'taken', by: ['requester'], requires: ['comment'] }),
  transition({ name: 'auto-close', from: ['resolved'], to: 'closed', by: ['system'] }),
  transition({ name: 'cancel', from: ['new'], to: 'closed', by: ['requester'], types: ['request'] }),
];

const TIMERS: TimerDefinition[] = [
  { name: 'auto-close', when: 'resolved', after: 'P14D', apply: 'auto-close' },
  { name: 'remind', when: 'pending', after: 'P7D', notify: 'reminder' },
];

function machine(
  overrides: { statuses?: StatusDefinition[]; transitions?: TransitionDefinition[]; initial?: string[]; timers?: TimerDefinition[] } = {},
): Lifecycle {
  return new Lifecycle(overrides.statuses ?? STATUSES, overrides.transitions ?? TRANSITIONS, overrides.initial ?? ['new'], overrides.timers ?? TIMERS);
}

const actors = (...list: Actor[]): ReadonlySet<Actor> => new Set(list);
const names = (ts: readonly TransitionDefinition[]) => ts.map((t) => t.name);

describe('Lifecycle.validate', () => {
  it('finds no issue in a valid machine', () => {
    expect(machine().validate()).toEqual([]);
  });

  it('accepts a machine without timers', () => {
    expect(machine({ timers: [] }).validate()).toEqual([]);
  });

  it('reports an unknown initial status', () => {
    expect(machine({ initial: ['draft'] }).validate()).toEqual([{ path: 'initialStatus', message: 'expected a known status, got "draft"' }]);
  });

  it('reports each unknown initial status among several (a ticket type may start elsewhere)', () => {
    const issues = machine({ initial: ['new', 'nope'] }).validate();
    expect(issues).toEqual([{ path: 'initialStatus', message: 'expected a known status, got "nope"' }]);
  });

  it('reports an unknown target with the transition index in the path', () => {
    const transitions = [...TRANSITIONS];
    transitions[3] = transition({ name: 'resolve', from: ['taken'], to: 'solved' });
    expect(machine({ transitions }).validate()).toEqual([{ path: 'transitions[3].to', message: 'expected a known status, got "solved"' }]);
  });

  it('reports an unknown source with the transition index in the path', () => {
    const transitions = [...TRANSITIONS, transition({ name: 'wake', from: ['sleeping', 'new'], to: 'taken' })];
    expect(machine({ transitions }).validate()).toEqual([{ path: 'transitions[8].from', message: 'expected a known status, got "sleeping"' }]);
  });

  it('reports every unknown status of one transition', () => {
    const transitions = [...TRANSITIONS, transition({ name: 'jump', from: ['a', 'b'], to: 'c' })];
    expect(machine({ transitions }).validate().map((i) => i.path)).toEqual(['transitions[8].from', 'transitions[8].from', 'transitions[8].to']);
  });

  it('reports a transition that requires a rating without a survey', () => {
    const transitions = TRANSITIONS.map((t) => (t.name === 'close' ? { ...t, survey: undefined } : t));
    expect(machine({ transitions }).validate()).toEqual([
      { path: 'transitions[4].survey', message: 'expected a survey for a transition that requires a rating' },
    ]);
  });

  it('reports a transition applied on comment that "system" could apply', () => {
    const transitions = TRANSITIONS.map((t) => (t.name === 'answer' ? { ...t, by: ['system' as const] } : t));
    expect(machine({ transitions }).validate()).toEqual([
      { path: 'transitions[2].on', message: 'expected people in "by" for a transition applied on comment' },
    ]);
  });

  describe('timers', () => {
    it('reports a timer that applies an unknown transition', () => {
      const timers = [{ name: 't', when: 'resolved', after: 'P14D', apply: 'vanish' }];
      expect(machine({ timers }).validate()).toEqual([{ path: 'timers[0].apply', message: 'expected a transition from "resolved", got "vanish"' }]);
    });

    it('reports a timer that applies a transition which does not leave its status', () => {
      const timers = [{ name: 't', when: 'pending', after: 'P14D', apply: 'auto-close' }];
      expect(machine({ timers }).validate()).toEqual([{ path: 'timers[0].apply', message: 'expected a transition from "pending", got "auto-close"' }]);
    });

    it('reports a timer that applies a transition "system" may not apply', () => {
      const timers = [TIMERS[1], { name: 't', when: 'resolved', after: 'P14D', apply: 'close' }];
      expect(machine({ timers }).validate()).toEqual([
        { path: 'timers[1].apply', message: 'expected a transition that "system" may apply, "close" may not' },
      ]);
    });

    it('reports a timer with both apply and notify', () => {
      const timers = [{ name: 't', when: 'resolved', after: 'P14D', apply: 'auto-close', notify: 'reminder' }];
      expect(machine({ timers }).validate()).toEqual([{ path: 'timers[0]', message: 'expected exactly one of "apply" or "notify"' }]);
    });

    it('reports a timer with neither apply nor notify', () => {
      const timers = [{ name: 't', when: 'resolved', after: 'P14D' }];
      expect(machine({ timers }).validate()).toEqual([{ path: 'timers[0]', message: 'expected exactly one of "apply" or "notify"' }]);
    });

    it('reports a timer on an unknown status', () => {
      const timers = [{ name: 't', when: 'limbo', after: 'P1D', notify: 'reminder' }];
      expect(machine({ timers }).validate()).toEqual([{ path: 'timers[0].when', message: 'expected a known status, got "limbo"' }]);
    });
  });

  describe('graph', () => {
    it('reports a status unreachable from the initial status', () => {
      const statuses = [...STATUSES, status('archived', 'closed')];
      expect(machine({ statuses }).validate()).toEqual([
        { path: 'statuses.archived', message: 'expected a status reachable from the initial status, "archived" is not' },
      ]);
    });

    it('counts a status reachable from any of the initial statuses', () => {
      const statuses = [...STATUSES, status('draft', 'new')];
      const transitions = [...TRANSITIONS, transition({ name: 'submit', from: ['draft'], to: 'new', by: ['requester'] })];
      expect(machine({ statuses, transitions }).validate().map((i) => i.path)).toEqual(['statuses.draft']);
      expect(machine({ statuses, transitions, initial: ['new', 'draft'] }).validate()).toEqual([]);
    });

    it('reports a status with no way to a closed status', () => {
      const statuses = [...STATUSES, status('frozen', 'waiting')];
      const transitions = [...TRANSITIONS, transition({ name: 'freeze', from: ['taken'], to: 'frozen' })];
      expect(machine({ statuses, transitions }).validate()).toEqual([
        { path: 'statuses.frozen', message: 'expected a way from "frozen" to a closed status, there is none' },
      ]);
    });

    it('reports every status of a trap, not only its entrance', () => {
      const statuses = [...STATUSES, status('loop-a', 'open'), status('loop-b', 'open')];
      const transitions = [
        ...TRANSITIONS,
        transition({ name: 'enter', from: ['taken'], to: 'loop-a' }),
        transition({ name: 'spin', from: ['loop-a'], to: 'loop-b' }),
        transition({ name: 'spin-back', from: ['loop-b'], to: 'loop-a' }),
      ];
      expect(machine({ statuses, transitions }).validate().map((i) => i.path).sort()).toEqual(['statuses.loop-a', 'statuses.loop-b']);
    });

    it('reports a machine without a closed status, and nothing else', () => {
      const statuses = STATUSES.map((s) => (s.key === 'closed' ? status('closed', 'resolved') : s));
      expect(machine({ statuses }).validate()).toEqual([{ path: 'statuses', message: 'expected at least one status of category "closed"' }]);
    });

    it('checks the graph only once the references are sound', () => {
      // An unknown target would make every reachability message noise.
      const statuses = [...STATUSES, status('orphan', 'open')];
      const transitions = [...TRANSITIONS, transition({ name: 'oops', from: ['taken'], to: 'unknown' })];
      expect(machine({ statuses, transitions }).validate().map((i) => i.path)).toEqual(['transitions[8].to']);
    });
  });

  describe('duplicate names', () => {
    it('allows one name on transitions whose sources do not overlap', () => {
      const transitions = [
        ...TRANSITIONS,
        transition({ name: 'reopen', from: ['closed'], to: 'taken', by: ['agent'] }),
      ];
      expect(machine({ transitions }).validate()).toEqual([]);
    });

    it('reports one name on transitions whose sources overlap', () => {
      const transitions = [...TRANSITIONS, transition({ name: 'reopen', from: ['closed', 'resolved'], to: 'new', by: ['agent'] })];
      const issues = machine({ transitions }).validate();
      expect(issues).toHaveLength(1);
      expect(issues[0].path).toBe('transitions[8].name');
      expect(issues[0].message).toContain('"reopen"');
    });

    it('reports an overlap even when both go to the same status', () => {
      // Which of the two applies (and who may apply it) would be ambiguous.
      const transitions = [...TRANSITIONS, transition({ name: 'take', from: ['pending'], to: 'taken', by: ['admin'] })];
      expect(machine({ transitions }).validate().map((i) => i.path)).toEqual(['transitions[8].name']);
    });
  });
});

describe('Lifecycle queries', () => {
  const lifecycle = machine();

  it('lists the transitions an actor may apply from a status', () => {
    expect(names(lifecycle.allowed('taken', actors('agent'), 'incident'))).toEqual(['ask', 'resolve']);
    expect(names(lifecycle.allowed('resolved', actors('requester'), 'incident'))).toEqual(['close', 'reopen']);
    expect(names(lifecycle.allowed('resolved', actors('agent'), 'incident'))).toEqual([]);
  });

  it('unites the transitions of every role a person holds', () => {
    expect(names(lifecycle.allowed('new', actors('requester', 'agent'), 'request'))).toEqual(['take', 'resolve', 'cancel']);
  });

  it('gives nothing to nobody', () => {
    expect(lifecycle.allowed('new', actors(), 'request')).toEqual([]);
  });

  it('filters by ticket type', () => {
    expect(names(lifecycle.allowed('new', actors('requester'), 'request'))).toEqual(['cancel']);
    expect(names(lifecycle.allowed('new', actors('requester'), 'incident'))).toEqual([]);
  });

  it('leaves out the transitions applied on comment', () => {
    expect(names(lifecycle.allowed('pending', actors('requester', 'beneficiary', 'agent'), 'incident'))).toEqual(['take', 'resolve']);
  });

  it('gives the system its transitions', () => {
    expect(names(lifecycle.allowed('resolved', actors('system'), 'incident'))).toEqual(['auto-close']);
  });

  it('gives nothing from a closed status or an unknown one', () => {
    expect(lifecycle.allowed('closed', actors('requester', 'agent', 'system'), 'incident')).toEqual([]);
    expect(lifecycle.allowed('nowhere', actors('agent'), 'incident')).toEqual([]);
  });

  it('finds the transition a public comment triggers', () => {
    expect(lifecycle.onComment('pending', actors('requester'), 'incident')?.name).toBe('answer');
    expect(lifecycle.onComment('pending', actors('beneficiary'), 'request')?.to).toBe('taken');
  });

  it('finds no comment transition for another actor, another status or another type', () => {
    expect(lifecycle.onComment('pending', actors('agent'), 'incident')).toBeUndefined();
    expect(lifecycle.onComment('taken', actors('requester'), 'incident')).toBeUndefined();
    const typed = machine({ transitions: TRANSITIONS.map((t) => (t.name === 'answer' ? { ...t, types: ['request'] } : t)) });
    expect(typed.onComment('pending', actors('requester'), 'incident')).toBeUndefined();
    expect(typed.onComment('pending', actors('requester'), 'request')?.name).toBe('answer');
  });

  it('finds a transition by name from a status, whoever may apply it', () => {
    expect(lifecycle.find('close', 'resolved', 'incident')?.to).toBe('closed');
    expect(lifecycle.find('close', 'taken', 'incident')).toBeUndefined();
    expect(lifecycle.find('cancel', 'new', 'incident')).toBeUndefined();
  });

  it('finds the right one of two transitions sharing a name', () => {
    const withTwo = machine({ transitions: [...TRANSITIONS, transition({ name: 'reopen', from: ['closed'], to: 'new' })] });
    expect(withTwo.find('reopen', 'resolved', 'incident')?.to).toBe('taken');
    expect(withTwo.find('reopen', 'closed', 'incident')?.to).toBe('new');
  });

  it('lists the statuses of some categories, in declaration order', () => {
    expect(lifecycle.statusesIn(['new', 'open', 'waiting'])).toEqual(['new', 'taken', 'pending']);
    expect(lifecycle.statusesIn(['closed'])).toEqual(['closed']);
    expect(lifecycle.statusesIn([])).toEqual([]);
  });

  it('gives each status its category and throws on an unknown one', () => {
    expect(lifecycle.category('pending')).toBe('waiting');
    expect(lifecycle.status('resolved').label).toEqual({ fr: 'resolved' });
    expect(() => lifecycle.status('nowhere')).toThrow('Unknown status "nowhere"');
  });
});
