import { describe, expect, it } from '@jest/globals';
import { MailIdentity } from './mail-identity.js';

describe('MailIdentity', () => {
  const identity = new MailIdentity({ secret: 's3cret', domain: 'guichet.example.org', replyAddress: 'Reply@mail.example.org' });
  const ticket = '0f8e4a52-9c1b-4d7e-8a3f-2b6c9d0e1f23';
  const alice = '7d0c9b3e-2f6a-4c1d-9e8b-5a4f3e2d1c0b';
  const bruno = 'c3b2a190-8f7e-4d6c-b5a4-9382716f5e4d';

  it('signs a reply address per tenant, ticket and recipient, and reads it back (case-insensitive)', () => {
    const address = identity.replyTo('alpha', ticket, alice);
    expect(address).toMatch(/^reply\+0f8e4a529c1b4d7e8a3f2b6c9d0e1f23-[0-9a-f]{16}@mail\.example\.org$/);
    expect(address.split('@')[0].length).toBeLessThanOrEqual(64); // RFC 5321 local part
    const proof = identity.parseReplyAddress(address.toUpperCase());
    expect(proof).toEqual({ kind: 'address', ticketId: ticket, signature: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(identity.addressIsFor(proof as never, 'alpha', alice)).toBe(true);
    expect(identity.replyTo('alpha', ticket, bruno)).not.toBe(address);
  });

  it('proves nothing for another recipient, tenant or key, and tells shapes apart', () => {
    const proof = identity.parseReplyAddress(identity.replyTo('alpha', ticket, alice)) as never;
    expect(identity.addressIsFor(proof, 'alpha', bruno)).toBe(false); // another recipient's address
    expect(identity.addressIsFor(proof, 'beta', alice)).toBe(false); // another tenant's
    expect(new MailIdentity({ secret: 'other', domain: 'x', replyAddress: 'reply@mail.example.org' }).addressIsFor(proof, 'alpha', alice)).toBe(false);
    expect(identity.parseReplyAddress('reply+nothing@mail.example.org')).toBe('forged');
    expect(identity.parseReplyAddress('reply+0f8e4a529c1b4d7e8a3f2b6c9d0e1f23-xyz@mail.example.org')).toBe('forged');
    expect(identity.parseReplyAddress('reply@mail.example.org')).toBe('base');
    expect(identity.parseReplyAddress('alice@example.org')).toBeUndefined();
  });

  it('signs one Message-ID per outbox row; a thread id per ticket threads and proves nothing', () => {
    const row = '5b0c2a8e-1d3f-4e5a-9b7c-6d8e0f1a2b3c';
    const id = identity.messageId('alpha', row);
    expect(id).toMatch(new RegExp(`^<${row}\\.alpha\\.[0-9a-f]{16}@guichet\\.example\\.org>$`));
    expect(identity.messageId('alpha', row)).toBe(id); // the same at every retry
    expect(identity.parseMessageId(id)).toEqual({ kind: 'notification', tenantId: 'alpha', outboxId: row });
    expect(identity.parseMessageId(id.replace('.alpha.', '.beta.'))).toBe('forged');
    expect(identity.parseMessageId(`<${row}.alpha@guichet.example.org>`)).toBe('forged'); // unsigned
    expect(identity.parseMessageId(identity.threadId('alpha', ticket))).toBeUndefined();
    expect(identity.parseMessageId(id.replace('guichet.example.org', 'elsewhere.example'))).toBeUndefined();
  });
});
