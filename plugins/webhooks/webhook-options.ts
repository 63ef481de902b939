import { z } from 'zod';

/**
 * What a pack gives the webhooks plugin when it turns it on (`plugins: [{ plugin: webhooks }]`).
 * Receivers are the tenant administrators' to choose; where they may be is the deployment's.
 */
export const webhookOptions = z.strictObject({
  /** How long a receiver has to answer (connection included) before the attempt counts as failed. */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  /** Attempts of one delivery before it is dead (kept in the log, sent again only on request). */
  maxAttempts: z.number().int().min(1).max(30).default(8),
  /** Wait before the second attempt; each later one waits twice as long, up to `retryMaxMs`. */
  retryBaseMs: z.number().int().min(100).max(86_400_000).default(60_000),
  retryMaxMs: z.number().int().min(100).max(7 * 86_400_000).default(6 * 3_600_000),
  /** Deliveries claimed at once by one worker, and sent in parallel. */
  batchSize: z.number().int().min(1).max(100).default(20),
  /** Subscriptions a tenant may have. */
  maxSubscriptions: z.number().int().min(1).max(1000).default(50),
  /** Days a delivered or dead delivery (its payload and attempts) stays in the log. */
  keepDays: z.number().int().min(1).max(3650).default(30),
  /** Accept `http://` receivers (otherwise `https://` only). */
  allowHttp: z.boolean().default(false),
  /** Accept receivers on loopback, private, link-local and other non-public addresses (checked on every connection). */
  allowPrivateNetworks: z.boolean().default(false),
});

export type WebhookOptions = z.infer<typeof webhookOptions>;

/** The plugin's name and options schema, for `pluginOptions(ctx, WEBHOOKS)`. */
export const WEBHOOKS = { name: 'webhooks', options: webhookOptions } as const;
