import { describe, expect, it } from '@jest/globals';
import { MailIdentity } from './mail-identity.js';

describe('MailIdentity', () => {
  const identity = new MailIdentity({ secret: 's3cret', domain: 'guichet.example.org', replyAddress: 'Reply@mail.example.org' });
  const ticket = '0f8e4a52-9c1b-4d7e-8a3f-2b6c9d0e1f23';

  it('signs a reply address per tenant and ticket, and finds them back (case-insensitive)', () => {
    const address = identity.replyTo('alpha', ticket);
    expect(address).toMatch(/^reply\+0f8e4a529c1b4d7e8a3f2b6c9d0e1f23-[0-9a-f]{16}@mail\.example\.org$/);
    expect(address.split('@')[0].length).toBeLessThanOrEqual(64); // RFC 5321 local part
    expect(identity.parseReplyAddress(address.toUpperCase(), ['beta', 'alpha'])).toEqual({ tenantId: 'alpha', ticketId: ticket });
  });

  it('tells forged addresses, the plain address and unrelated ones apart', () => {
    const address = identity.replyTo('alpha', ticket);
    expect(identity.parseReplyAddress(address, ['beta'])).toBe('forged'); // another tenant's key
    expect(identity.parseReplyAddress(address.replace(/-[0-9a-f]{16}@/, '-0000000000000000@'), ['alpha'])).toBe('forged');
    expect(identity.parseReplyAddress('reply+nothing@mail.example.org', ['alpha'])).toBe('forged');
    expect(identity.parseReplyAddress('reply@mail.example.org', ['alpha'])).toBe('base');
    expect(identity.parseReplyAddress('alice@example.org', ['alpha'])).toBeUndefined();
    expect(new MailIdentity({ secret: 'other', domain: 'x', replyAddress: 'reply@mail.example.org' }).parseReplyAddress(address, ['alpha'])).toBe('forged');
  });

  it('gives one Message-ID per outbox row and a thread id per ticket, both recognised', () => {
    const row = '5b0c2a8e-1d3f-4e5a-9b7c-6d8e0f1a2b3c';
    expect(identity.messageId('alpha', row)).toBe(`<${row}.alpha@guichet.example.org>`);
    expect(identity.parseMessageId(identity.messageId('alpha', row))).toEqual({ kind: 'notification', tenantId: 'alpha', id: row });
    expect(identity.parseMessageId(identity.threadId('alpha', ticket))).toEqual({ kind: 'ticket', tenantId: 'alpha', id: ticket });
    expect(identity.parseMessageId(`<${row}.alpha@elsewhere.example>`)).toBeUndefined();
  });
});
