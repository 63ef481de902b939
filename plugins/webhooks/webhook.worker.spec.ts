import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { newSecret } from './webhook-subscriptions.service.js';
import { backoffMs, signedHeaders } from './webhook.worker.js';

describe('webhook deliveries', () => {
  it('waits twice as long after each failed attempt, up to the cap', () => {
    const options = { retryBaseMs: 60_000, retryMaxMs: 600_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, options))).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
  });

  it('signs each attempt so that a Standard Webhooks receiver verifies it, with the delivery as webhook-id', () => {
    const secret = newSecret();
    const payload = JSON.stringify({ type: 'ticket.created', timestamp: '2026-03-02T08:30:00.000Z', data: { tenant: 'sample' } });
    const headers = signedHeaders({ id: '0b9d7c36-8a7e-4f55-9f62-1d9d0b0f5f00', payload, secret }, new Date());
    expect(headers['webhook-id']).toBe('msg_0b9d7c36-8a7e-4f55-9f62-1d9d0b0f5f00');
    expect(new Webhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload));
    expect(() => new Webhook(newSecret()).verify(payload, headers)).toThrow();
    expect(() => new Webhook(secret).verify(payload.replace('sample', 'pirate'), headers)).toThrow();
    // A receiver refuses a signature older than its tolerance (5 minutes), as after a long outage with a stale clock.
    expect(() => new Webhook(secret).verify(payload, signedHeaders({ id: 'x', payload, secret }, new Date(Date.now() - 3_600_000)))).toThrow();
  });
});
