import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../../src/plugin-host/index.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Subscription {
  id: string;
  url: string;
  events: string[];
  description: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Deliveries waiting to be sent, and dead ones (in the log). */
  pending: number;
  dead: number;
}

export interface SubscriptionInput {
  url: string;
  events: string[];
  description: string;
  active: boolean;
  secret: string;
}

export interface ClaimedDelivery {
  id: string;
  event: string;
  payload: string;
  attempts: number;
  lease: string;
  url: string;
  secret: string;
}

export interface Attempt {
  attempt: number;
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface Delivery {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: unknown;
  log: Attempt[];
}

const SUBSCRIPTION = `s.id, s.url, s.events, s.description, s.active, s.created_at AS "createdAt", s.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM plugin_webhooks_delivery d WHERE d.tenant_id = s.tenant_id AND d.subscription_id = s.id AND d.status = 'pending') AS pending,
  (SELECT count(*)::int FROM plugin_webhooks_delivery d WHERE d.tenant_id = s.tenant_id AND d.subscription_id = s.id AND d.status = 'dead') AS dead`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The webhooks plugin's SQL; every statement is scoped to the context's tenant (and row-level security keeps it there). */
@Injectable()
export class WebhookRepository {
  /** The deliveries of one event, one per active subscription asking for it, in the caller's transaction. */
  async enqueue(ctx: RequestContext, event: string, payload: string, at: Date): Promise<void> {
    await ctx.query(
      `INSERT INTO plugin_webhooks_delivery (tenant_id, subscription_id, event, payload, next_attempt_at, created_at)
       SELECT $1, s.id, $2, $3, $4, $4 FROM plugin_webhooks_subscription s
       WHERE s.tenant_id = $1 AND s.active AND $2 = ANY (s.events)`,
      [ctx.tenantId, event, payload, at],
    );
  }

  async list(ctx: RequestContext): Promise<Subscription[]> {
    return ctx.query<Subscription>(`SELECT ${SUBSCRIPTION} FROM plugin_webhooks_subscription s WHERE s.tenant_id = $1 ORDER BY s.created_at, s.id`, [ctx.tenantId]);
  }

  async count(ctx: RequestContext): Promise<number> {
    const [row] = await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM plugin_webhooks_subscription WHERE tenant_id = $1`, [ctx.tenantId]);
    return row.n;
  }

  async find(ctx: RequestContext, id: string): Promise<Subscription | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await ctx.query<Subscription>(`SELECT ${SUBSCRIPTION} FROM plugin_webhooks_subscription s WHERE s.tenant_id = $1 AND s.id = $2`, [ctx.tenantId, id]);
    return row;
  }

  async create(ctx: RequestContext, input: SubscriptionInput, at: Date): Promise<string> {
    const [row] = await ctx.query<{ id: string }>(
      `INSERT INTO plugin_webhooks_subscription (tenant_id, url, events, secret, description, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
      [ctx.tenantId, input.url, input.events, input.secret, input.description, input.active, at],
    );
    return row.id;
  }

  /** Changes the given columns; false when the tenant has no such subscription. */
  async update(ctx: RequestContext, id: string, patch: Partial<SubscriptionInput>, at: Date): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const rows = await ctx.query(
      `UPDATE plugin_webhooks_subscription SET url = coalesce($3, url), events = coalesce($4, events), secret = coalesce($5, secret),
         description = coalesce($6, description), active = coalesce($7, active), updated_at = $8
       WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [ctx.tenantId, id, patch.url ?? null, patch.events ?? null, patch.secret ?? null, patch.description ?? null, patch.active ?? null, at],
    );
    return rows.length > 0;
  }

  /** Removes a subscription with its deliveries and their log. */
  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const rows = await ctx.query(`DELETE FROM plugin_webhooks_subscription WHERE tenant_id = $1 AND id = $2 RETURNING id`, [ctx.tenantId, id]);
    return rows.length > 0;
  }

  /** A subscription's deliveries, newest first, each with its attempts. */
  async deliveries(ctx: RequestContext, subscriptionId: string, status: DeliveryStatus | undefined, limit: number): Promise<Delivery[]> {
    const rows = await ctx.query<Delivery & { payload: string }>(
      `SELECT d.id, d.event, d.status, d.attempts, d.created_at AS "createdAt", CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt",
         d.delivered_at AS "deliveredAt", d.last_status_code AS "lastStatusCode", d.last_error AS "lastError", d.payload,
         coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.attempted_at, 'statusCode', a.status_code, 'durationMs', a.duration_ms, 'error', a.error) ORDER BY a.attempted_at, a.attempt)
                   FROM plugin_webhooks_attempt a WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.id), '[]') AS log
       FROM plugin_webhooks_delivery d
       WHERE d.tenant_id = $1 AND d.subscription_id = $2 AND ($3::text IS NULL OR d.status = $3)
       ORDER BY d.created_at DESC, d.id LIMIT $4`,
      [ctx.tenantId, subscriptionId, status ?? null, limit],
    );
    return rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown, log: row.log.map((a) => ({ ...a, at: new Date(a.at) })) }));
  }

  /** A dead (or pending) delivery due again now with a fresh attempt count, keeping its webhook-id. */
  async retry(ctx: RequestContext, id: string, at: Date): Promise<'retried' | 'delivered' | 'missing'> {
    if (!UUID.test(id)) return 'missing';
    const [row] = await ctx.query<{ was: DeliveryStatus }>(
      `WITH found AS (SELECT status FROM plugin_webhooks_delivery WHERE tenant_id = $1 AND id = $2 FOR UPDATE),
       retried AS (UPDATE plugin_webhooks_delivery d SET status = 'pending', attempts = 0, next_attempt_at = $3, lease = NULL
                   FROM found WHERE d.tenant_id = $1 AND d.id = $2 AND found.status <> 'delivered' RETURNING d.id)
       SELECT status AS was FROM found`,
      [ctx.tenantId, id, at],
    );
    if (!row) return 'missing';
    return row.was === 'delivered' ? 'delivered' : 'retried';
  }

  /**
   * Claims up to `limit` due deliveries of active subscriptions for this worker: locked with SKIP
   * LOCKED (rows another worker is claiming are passed over) and leased until `leaseUntil`, so no
   * other worker takes them while this one sends; a worker that dies leaves them due again when
   * the lease ends (at least once, with the same webhook-id).
   */
  async claim(ctx: RequestContext, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    return ctx.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT d.id FROM plugin_webhooks_delivery d
         JOIN plugin_webhooks_subscription s ON s.tenant_id = d.tenant_id AND s.id = d.subscription_id
         WHERE d.tenant_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 AND s.active
         ORDER BY d.next_attempt_at, d.id LIMIT $4 FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE plugin_webhooks_delivery d SET next_attempt_at = $3, lease = gen_random_uuid()
       FROM due, plugin_webhooks_subscription s
       WHERE d.tenant_id = $1 AND d.id = due.id AND d.status = 'pending' AND d.next_attempt_at <= $2
         AND s.tenant_id = d.tenant_id AND s.id = d.subscription_id
       RETURNING d.id, d.event, d.payload, d.attempts, d.lease, s.url, s.secret`,
      [ctx.tenantId, now, leaseUntil, limit],
    );
  }

  /**
   * Records one attempt in the log, and its outcome on the delivery if this worker still holds the
   * lease (a worker that outlived its lease only adds to the log).
   */
  async recordAttempt(
    ctx: RequestContext,
    claimed: ClaimedDelivery,
    outcome: { at: Date; statusCode: number | null; durationMs: number; error: string | null; status: DeliveryStatus; nextAttemptAt: Date },
  ): Promise<void> {
    await ctx.query(
      `WITH d AS (
         UPDATE plugin_webhooks_delivery SET attempts = attempts + 1, status = $4, next_attempt_at = $5, lease = NULL,
           delivered_at = CASE WHEN $4 = 'delivered' THEN $6::timestamptz END, last_status_code = $7, last_error = $8
         WHERE tenant_id = $1 AND id = $2 AND lease = $3 RETURNING attempts
       )
       INSERT INTO plugin_webhooks_attempt (tenant_id, delivery_id, attempt, attempted_at, status_code, duration_ms, error)
       VALUES ($1, $2, coalesce((SELECT attempts FROM d), $9::int + 1), $6, $7, $10, $8)`,
      [ctx.tenantId, claimed.id, claimed.lease, outcome.status, outcome.nextAttemptAt, outcome.at, outcome.statusCode, outcome.error, claimed.attempts, outcome.durationMs],
    );
  }

  /** Forgets delivered and dead deliveries created before `before` (with their attempts). */
  async sweep(ctx: RequestContext, before: Date): Promise<number> {
    const [row] = await ctx.query<{ n: number }>(
      `WITH gone AS (DELETE FROM plugin_webhooks_delivery WHERE tenant_id = $1 AND status <> 'pending' AND created_at < $2 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [ctx.tenantId, before],
    );
    return row.n;
  }
}
