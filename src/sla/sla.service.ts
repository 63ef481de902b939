import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { businessDurationMs, calendarOf } from '../tenancy/desk-pack.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { EventBus } from '../events/event-bus.js';
import type { TicketChange } from '../plugin-host/events.js';
import type { TicketRow } from '../tickets/ticket.repository.js';
import type { BusinessCalendar } from '../tenancy/business-calendar.js';
import { advanceClock, SLA_CLOCKS, startClock, timeLeft, type ClockState, type SlaClockKind } from './sla-clock.js';
import { SlaRepository, type SlaRow, type SlaWrite } from './sla.repository.js';

/** A clock as the desk shows it. */
export interface SlaView {
  clock: SlaClockKind;
  /** Working time allowed and left, in milliseconds (left is negative once overdue). */
  target: number;
  left: number;
  dueAt: Date | null;
  metAt: Date | null;
  state: 'running' | 'paused' | 'met';
  warning: boolean;
  breached: boolean;
}

/**
 * Service levels: keeps each ticket's clocks (time to take, time to resolve) in step with the
 * ticket, on the tenant's business calendar. Runs as a subscriber of `ticket.changed`, inside the transaction of the
 * change; the breach job (`SlaJob`) only compares stored instants with now.
 */
@Injectable()
export class SlaService implements OnModuleInit {
  private readonly calendars = new WeakMap<TenantPack, BusinessCalendar>();

  constructor(
    private readonly repository: SlaRepository,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.events.on('ticket.changed', (ctx, change) => this.changed(ctx, change), { name: 'sla' });
  }

  /** The tenant's business calendar, or undefined when its pack has no `sla` section. */
  calendar(pack: TenantPack): BusinessCalendar | undefined {
    if (!pack.config.sla) return undefined;
    if (!this.calendars.has(pack)) this.calendars.set(pack, calendarOf(pack.config, pack.config.sla));
    return this.calendars.get(pack);
  }

  async changed(ctx: RequestContext, change: TicketChange): Promise<void> {
    // A ticket just created has no clocks yet: nothing to read and lock.
    await this.refresh(ctx, change.after, change.at, change.before === null);
  }

  /**
   * Brings a locked ticket's clocks to what its row says at `at`: targets from the pack (the
   * priority or leaf may have changed), met when taken or resolved, paused while waiting on the
   * requester, running otherwise.
   */
  async refresh(ctx: RequestContext, ticket: TicketRow, at: Date, fresh = false): Promise<void> {
    const sla = ctx.tenant.config.sla;
    const calendar = this.calendar(ctx.tenant);
    if (!sla || !calendar) return;
    const targets = await this.targets(ctx, ticket, calendar);
    const existing = new Map(fresh ? [] : (await this.repository.clocks(ctx, ticket.id, true)).map((r) => [r.clock, toState(r)]));
    const paused = this.pausedIn(ctx).includes(ticket.status);
    const done = ticket.status_category === 'resolved' || ticket.status_category === 'closed';
    const clocks: SlaWrite[] = [];
    for (const kind of SLA_CLOCKS) {
      const target = targets[kind];
      if (!target) continue;
      const before = existing.get(kind);
      // Taking happens once: a ticket escalated later does not owe a second "take".
      const met = kind === 'take' ? Boolean(before?.metAt) || done || Boolean(ticket.assignee_id) || ticket.status_category !== 'new' : done;
      const situation = { at, target, met, paused, warning: sla.warning };
      clocks.push({ clock: kind, ...(before ? advanceClock(calendar, before, situation) : startClock(calendar, situation)) });
    }
    await this.repository.save(ctx, ticket.id, clocks, at);
  }

  /** The clocks of tickets for the desk, by ticket id. */
  async views(ctx: RequestContext, ticketIds: string[]): Promise<Map<string, SlaView[]>> {
    const calendar = this.calendar(ctx.tenant);
    const result = new Map<string, SlaView[]>();
    if (!calendar) return result;
    const now = this.clock.now();
    for (const row of await this.repository.clocksOf(ctx, ticketIds)) {
      const state = toState(row);
      const left = timeLeft(calendar, state, now);
      const view: SlaView = {
        clock: row.clock,
        target: state.target,
        left,
        dueAt: row.due_at,
        metAt: row.met_at,
        state: row.met_at ? 'met' : row.running_since ? 'running' : 'paused',
        warning: Boolean(row.warned_at) || Boolean(row.warn_at && row.warn_at <= now),
        breached: Boolean(row.breached_at) || Boolean(row.due_at && row.due_at <= now) || left < 0,
      };
      result.set(row.ticket_id, [...(result.get(row.ticket_id) ?? []), view]);
    }
    return result;
  }

  /** Statuses where clocks pause: the pack's `sla.pauseIn`, else every `waiting` status. */
  pausedIn(ctx: RequestContext): string[] {
    return ctx.tenant.config.sla?.pauseIn ?? ctx.tenant.lifecycle.statusesIn(['waiting']);
  }

  /** Working time allowed by the first target whose conditions hold, per clock. */
  private async targets(ctx: RequestContext, ticket: TicketRow, calendar: BusinessCalendar): Promise<Partial<Record<SlaClockKind, number>>> {
    const sla = ctx.tenant.config.sla!;
    const needsContext = sla.targets.some((t) => t.under || t.establishmentKinds);
    const { path, kind } = needsContext ? await this.repository.context(ctx, ticket.id) : { path: null, kind: null };
    const keys = path?.split('/') ?? [];
    const target = sla.targets.find(
      (t) =>
        (!t.priorities || (ticket.priority !== null && t.priorities.includes(ticket.priority))) &&
        (!t.types || t.types.includes(ticket.type)) &&
        (!t.under || keys.some((k) => t.under!.includes(k))) &&
        (!t.establishmentKinds || (kind !== null && t.establishmentKinds.includes(kind))),
    );
    if (!target) return {};
    return {
      take: target.take ? businessDurationMs(target.take, calendar) : undefined,
      resolve: target.resolve ? businessDurationMs(target.resolve, calendar) : undefined,
    };
  }
}

function toState(row: SlaRow): ClockState {
  return {
    target: Number(row.target_ms),
    used: Number(row.used_ms),
    runningSince: row.running_since,
    dueAt: row.due_at,
    warnAt: row.warn_at,
    metAt: row.met_at,
  };
}
