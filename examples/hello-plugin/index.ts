import { Injectable, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { definePlugin, pluginOptions, PluginEvents, PluginTenants, PluginTickets, type RequestContext, type TicketRecord } from 'guichet/plugin';

/** What a tenant sets in its pack: `plugins: [{ plugin: hello, options: { greeting: … } }]`. */
const options = z.strictObject({
  /** Posted on every new ticket, as the platform; `{reference}` is replaced by the ticket's. */
  greeting: z.string().min(1).max(500).default('Bonjour, votre demande {reference} est bien arrivée : nous la lisons.'),
  /** Above this share of capital letters, a text checked by `no-shouting` is refused. */
  maxCapitals: z.number().gt(0).max(1).default(0.6),
});
export type HelloOptions = z.infer<typeof options>;

/** Fewer letters than this are never shouting (`OK`, `WIFI HS`). */
const SHORT = 8;

/** Whether a text is mostly written in capitals. */
export function shouts(text: string, maxCapitals: number): boolean {
  const letters = [...text].filter((c) => c.toLowerCase() !== c.toUpperCase());
  const capitals = letters.filter((c) => c === c.toUpperCase()).length;
  return letters.length >= SHORT && capitals / letters.length > maxCapitals;
}

/**
 * The event subscriber: once a ticket's creation has committed, greets the requester with a
 * public exchange, as the platform, in the tenants that turn the plugin on. After commit,
 * because a greeting that fails must not undo the ticket (a failure is logged by the host).
 */
@Injectable()
export class HelloGreeter implements OnModuleInit {
  constructor(
    private readonly events: PluginEvents,
    private readonly tenants: PluginTenants,
    private readonly tickets: PluginTickets,
  ) {}

  onModuleInit(): void {
    this.events.on('ticket.created', (ctx, { ticket }) => this.greet(ctx, ticket), { phase: 'after-commit', name: 'hello.greet' });
  }

  private async greet(ctx: RequestContext, ticket: TicketRecord): Promise<void> {
    const settings = pluginOptions(ctx, helloPlugin);
    if (!settings) return;
    await this.tickets.comment(this.tenants.context(ctx.tenantId), ticket.reference, settings.greeting.replaceAll('{reference}', ticket.reference));
  }
}

/**
 * A small plugin as a third party writes one, importing only the SDK (`guichet/plugin`):
 * an after-commit event subscriber (the greeting), a field validator (`no-shouting`) and a
 * command (`guichet hello <tenant> [reference]`). See README.md and docs/plugins.md.
 */
export const helloPlugin = definePlugin({
  name: 'hello',
  version: '0.1.0',
  core: '^0.1',
  description: 'Example: greets each new ticket, refuses texts written in capitals, says hello from the command line',
  options,
  provides: {
    events: ['ticket.created'],
    validators: {
      'no-shouting': {
        description: 'refuses a text mostly written in capitals',
        check: (value, { maxCapitals }) =>
          shouts(value, maxCapitals) ? { error: { fr: 'Merci de ne pas écrire tout en majuscules.', en: 'Please do not write in capitals.' } } : { value },
      },
    },
    commands: [
      {
        name: 'hello',
        description: "show a tenant's greeting, or a ticket's title and status",
        arguments: [
          { name: 'tenant', description: 'tenant id' },
          { name: 'reference', description: 'a ticket reference', required: false },
        ],
        async run(services, { arguments: { tenant, reference } }, io) {
          const ctx = services.get(PluginTenants).context(tenant);
          const settings = pluginOptions(ctx, helloPlugin);
          if (!reference) {
            io.print(settings ? `${tenant}: ${settings.greeting}` : `${tenant}: hello is not turned on`);
            return;
          }
          const ticket = await services.get(PluginTickets).find(ctx, reference);
          io.print(`${ticket.reference} « ${ticket.title} »: ${ticket.status}`);
        },
      },
    ],
  },
  providers: [HelloGreeter],
});

export default helloPlugin;
