import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/** A person of a ticket a reply may come from. */
export interface ReplyingPerson {
  id: string;
  login: string;
  display_name: string;
  roles: string[];
}

/** The SQL of replies by mail; every statement is scoped to the context's tenant. */
@Injectable()
export class InboundMailRepository {
  async ticketReference(ctx: RequestContext, ticketId: string): Promise<string | undefined> {
    const [row] = await ctx.query<{ reference: string }>(`SELECT reference FROM ticket WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, ticketId]);
    return row?.reference;
  }

  /** The active requester, beneficiary and participants of a ticket whose e-mail (or notification e-mail) is `address`. */
  async peopleByAddress(ctx: RequestContext, ticketId: string, address: string): Promise<ReplyingPerson[]> {
    return ctx.query<ReplyingPerson>(
      `SELECT p.id, p.login, p.display_name, p.roles FROM ticket t
       JOIN person p ON p.tenant_id = t.tenant_id AND p.active
         AND (p.id IN (t.requester_id, t.beneficiary_id)
              OR EXISTS (SELECT 1 FROM ticket_participant x WHERE x.tenant_id = t.tenant_id AND x.ticket_id = t.id AND x.person_id = p.id))
       WHERE t.tenant_id = $1 AND t.id = $2 AND $3 IN (lower(p.email), lower(p.notification_email))
       ORDER BY (p.id = t.requester_id) DESC, (p.id = t.beneficiary_id) DESC, p.id`,
      [ctx.tenantId, ticketId, address],
    );
  }

  /** Records a message as received, in the transaction that posts it; false if it was already. */
  async recordOnce(tx: RequestContext, key: string, ticketId: string, personId: string, at: Date): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO inbound_mail (tenant_id, message_key, ticket_id, person_id, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING message_key`,
      [tx.tenantId, key, ticketId, personId, at],
    );
    return rows.length > 0;
  }
}
