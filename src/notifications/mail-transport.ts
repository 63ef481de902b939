import { Logger, Inject, Injectable } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { MAIL_CONFIG, type MailConfig } from '../config/mail-config.js';
import type { OutgoingMail } from './notification-mail.js';

/** What a send attempt came to: accepted, refused by the server (it answered), or the server unreachable. */
export type SendResult = { ok: true } | { ok: false; refused: boolean; error: string };

/**
 * The SMTP client (nodemailer, pooled), created on first use from GUICHET_SMTP_URL. Without a
 * URL nothing is sent: rows stay pending and a warning is logged once.
 */
@Injectable()
export class MailTransport {
  private readonly logger = new Logger('Mail');
  private transporter?: ReturnType<typeof nodemailer.createTransport>;
  private warned = false;

  constructor(@Inject(MAIL_CONFIG) private readonly config: MailConfig) {}

  get configured(): boolean {
    if (!this.config.smtpUrl && !this.warned) {
      this.warned = true;
      this.logger.warn('No SMTP server (GUICHET_SMTP_URL): notifications stay in the outbox, pending.');
    }
    return Boolean(this.config.smtpUrl);
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      await this.client().sendMail(mail);
      return { ok: true };
    } catch (error) {
      const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
      if (typeof e.responseCode === 'number' && e.responseCode >= 400) return { ok: false, refused: true, error: `${e.response ?? e.message}`.trim() };
      return { ok: false, refused: false, error: `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}` };
    }
  }

  close(): void {
    this.transporter?.close();
    this.transporter = undefined;
  }

  private client() {
    this.transporter ??= nodemailer.createTransport({
      url: this.config.smtpUrl!,
      pool: true,
      maxConnections: 2,
      connectionTimeout: this.config.smtpTimeoutMs,
      greetingTimeout: this.config.smtpTimeoutMs,
      socketTimeout: this.config.smtpTimeoutMs,
    });
    return this.transporter;
  }
}
