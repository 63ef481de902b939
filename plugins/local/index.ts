import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { LocalCredentials } from './local-credentials.js';
import { TOTP_DEFAULTS } from './totp.js';
import { authMethodOptions, Clock, CredentialStore, definePlugin, PluginTenants, SignInHost, SignInError, type CommandServices } from '../../src/plugin-host/index.js';

const options = z.strictObject({
  /** `optional`: a code is asked of people who enrolled a TOTP secret; `required`: of everyone (people without one cannot sign in); `off`: never. */
  totp: z.enum(['off', 'optional', 'required']).default('optional'),
  /** After this many wrong passwords or codes for one login, it is locked for `lockMinutes`. */
  lockAfter: z.number().int().min(1).max(100).default(5),
  lockMinutes: z.number().int().min(1).max(1440).default(15),
  /** Shortest password accepted when one is set. */
  minPasswordLength: z.number().int().min(8).max(128).default(12),
});
export type LocalOptions = z.infer<typeof options>;

interface LocalSignInBody {
  login?: unknown;
  password?: unknown;
  otp?: unknown;
  next?: unknown;
}

@ApiExcludeController()
@Controller(':tenant/auth/local')
export class LocalSignInController {
  constructor(
    private readonly host: SignInHost,
    private readonly store: CredentialStore,
    private readonly clock: Clock,
  ) {}

  /**
   * "Identifiant" and "Mot de passe ou passcode OTP": a person with a TOTP secret gives the code
   * in `otp`, or types it right after the password in the one field (a passcode).
   */
  @Post()
  @HttpCode(303)
  async signIn(@Param('tenant') tenantId: string, @Body() body: LocalSignInBody, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, localPlugin, req);
    const next = body?.next;
    try {
      this.host.checkSameOrigin(req);
      const login = typeof body?.login === 'string' ? body.login.trim() : '';
      const password = typeof body?.password === 'string' ? body.password : '';
      const otp = typeof body?.otp === 'string' ? body.otp.replace(/\s/g, '') : '';
      await this.host.throttle(ctx, req, login || undefined);
      if (!login || !password) throw new SignInError('credentials');
      // Counted before the check, so that parallel guesses cannot outrun the lockout.
      await this.host.reserveAttempt(ctx, login, options.lockAfter, options.lockMinutes * 60_000);
      const credentials = new LocalCredentials(this.store, this.clock);
      const credential = await credentials.find(ctx, login);
      const usesTotp = options.totp !== 'off' && Boolean(credential?.totpSecret);
      const digits = TOTP_DEFAULTS.digits;
      // With a TOTP secret and no separate code, the last digits of the field are the code.
      const passcode = usesTotp && !otp && password.length > digits && /^\d+$/.test(password.slice(-digits)) && (await credentials.verifyPassword(credential, password.slice(0, -digits)));
      const code = passcode ? password.slice(-digits) : otp;
      const passwordOk = passcode || (await credentials.verifyPassword(credential, password));
      const codeOk = !passwordOk ? false : usesTotp ? await credentials.useTotp(ctx, credential!, code) : options.totp !== 'required';
      // A right password with a missing or wrong code is answered like a wrong password.
      if (!passwordOk || !codeOk) throw new SignInError('credentials');
      await this.host.clearFailures(ctx, login);
      const personId = await this.host.personId(ctx, credential!.login);
      if (!personId) throw new SignInError('inactive');
      await this.host.complete(ctx, req, res, personId, localPlugin.name, next);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, next);
    }
  }
}

const credentials = (services: CommandServices) => new LocalCredentials(services.get(CredentialStore), services.get(Clock));
const TENANT_AND_LOGIN = [
  { name: 'tenant', description: 'tenant id' },
  { name: 'login', description: "the person's login" },
];

/**
 * Local accounts: a password hashed with argon2id and, for people who enrolled one, a TOTP
 * second factor (RFC 6238, the codes of authenticator apps). Repeated failures lock the login.
 * Passwords and secrets are set with the plugin's commands `guichet password` and `guichet totp`.
 */
export const localPlugin = definePlugin({
  name: 'local',
  core: '^0.1',
  description: 'Local password (argon2id) with an optional TOTP second factor and a lockout',
  options,
  provides: {
    authMethod: {
      kind: 'form',
      start: { method: 'POST', path: 'auth/local' },
      fields: [
        { name: 'login', type: 'text', label: { fr: 'Identifiant', en: 'Login' }, required: true, autocomplete: 'username' },
        { name: 'password', type: 'password', label: { fr: 'Mot de passe ou passcode OTP', en: 'Password or OTP passcode' }, required: true, autocomplete: 'current-password' },
        { name: 'otp', type: 'otp', label: { fr: 'Code à usage unique (si demandé)', en: 'One-time code (if asked)' }, required: false, autocomplete: 'one-time-code' },
      ],
    },
    commands: [
      {
        name: 'password',
        description: "set a person's local password (auth plugin `local`), read from standard input",
        arguments: TENANT_AND_LOGIN,
        async run(services, { arguments: { tenant, login } }, io) {
          const password = (await io.read()).replace(/\r?\n$/, '');
          const ctx = services.get(PluginTenants).context(tenant);
          // The tenant's own minimum when its pack offers `local`, the plugin's default otherwise.
          const { minPasswordLength } = authMethodOptions(ctx, localPlugin) ?? options.parse({});
          await credentials(services).setPassword(ctx, login, password, minPasswordLength);
          io.print(`Password set for ${login}.`);
        },
      },
      {
        name: 'totp',
        description: 'give a person a new TOTP secret (second factor of `local`); prints the otpauth:// address to scan',
        arguments: TENANT_AND_LOGIN,
        async run(services, { arguments: { tenant, login } }, io) {
          const ctx = services.get(PluginTenants).context(tenant);
          const { secret, uri } = await credentials(services).enrolTotp(ctx, login, ctx.tenant.id);
          io.print(`${uri}\nSecret: ${secret}`);
        },
      },
    ],
  },
  controllers: [LocalSignInController],
});
