import type { BusinessCalendar } from '../tenancy/business-calendar.js';

export const SLA_CLOCKS = ['take', 'resolve'] as const;
export type SlaClockKind = (typeof SLA_CLOCKS)[number];

/**
 * One clock of a ticket (time to take, time to resolve) as stored in `ticket_sla`. The clock only
 * changes when the ticket does: `used` is the working time consumed up to `runningSince` (or for
 * good, once paused or met), and a running clock stores the instants it becomes due and reaches its
 * warning threshold, so the database sorts and fires on plain timestamps.
 */
export interface ClockState {
  target: number;
  used: number;
  runningSince: Date | null;
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
}

/** What the ticket says about a clock at one instant. */
export interface ClockSituation {
  at: Date;
  /** Working time allowed, in milliseconds. */
  target: number;
  /** The goal is reached (taken, resolved); a clock met stops and keeps its `metAt`. */
  met: boolean;
  /** The ticket waits on its requester (or is met): the clock does not count. */
  paused: boolean;
  /** Fraction of the target after which the warning is due. */
  warning: number;
}

/** A new clock, started at `at`. */
export function startClock(calendar: BusinessCalendar, s: ClockSituation): ClockState {
  return advanceClock(calendar, { target: s.target, used: 0, runningSince: s.at, dueAt: null, warnAt: null, metAt: null }, s);
}

/**
 * The clock after the ticket changed at `s.at`: working time since it last started running is
 * added to `used`, then it runs again (due = `at` + what is left) or stays still. A target changed
 * by requalification applies to the time already used.
 */
export function advanceClock(calendar: BusinessCalendar, clock: ClockState, s: ClockSituation): ClockState {
  const used = clock.used + (clock.runningSince ? calendar.between(clock.runningSince, s.at) : 0);
  const metAt = s.met ? (clock.metAt ?? s.at) : null;
  if (s.met || s.paused) return { target: s.target, used, runningSince: null, dueAt: null, warnAt: null, metAt };
  return {
    target: s.target,
    used,
    runningSince: s.at,
    dueAt: calendar.add(s.at, s.target - used),
    warnAt: calendar.add(s.at, Math.round(s.target * s.warning) - used),
    metAt,
  };
}

/** Working time left at `at` (negative once overdue). */
export function timeLeft(calendar: BusinessCalendar, clock: ClockState, at: Date): number {
  return clock.target - clock.used - (clock.runningSince ? calendar.between(clock.runningSince, at) : 0);
}
