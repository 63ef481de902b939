import argon2 from 'argon2';
import { DomainError, FieldErrors, type Clock, type CredentialStore, type RequestContext, type StoredCredential } from '../../src/plugin-host/index.js';
import { base32Decode, newTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export type LocalCredential = StoredCredential;

/** argon2id with the library's defaults (64 MiB, 3 passes): about 50 ms a check on a server core. */
const HASH_OPTIONS = { type: argon2.argon2id } as const;

/** A hash to check against when the login is unknown, so that timing does not tell which logins exist. */
let decoy: Promise<string> | undefined;

/** Local passwords (argon2id) and TOTP secrets of a tenant's people. */
export class LocalCredentials {
  constructor(
    private readonly store: CredentialStore,
    private readonly clock: Clock,
  ) {}

  find(ctx: RequestContext, login: string): Promise<LocalCredential | undefined> {
    return this.store.find(ctx, login);
  }

  /** Sets a person's password (at least `minLength` characters); integrations have none (PERSON_NOT_FOUND). */
  async setPassword(ctx: RequestContext, login: string, password: string, minLength = 12): Promise<void> {
    const errors = new FieldErrors();
    if (password.length < minLength) errors.add('password', 'rule.minLength', { min: minLength });
    errors.throwIfAny();
    const personId = await this.personId(ctx, login);
    await this.store.setPassword(ctx, personId, await argon2.hash(password, HASH_OPTIONS), this.clock.now());
  }

  /** Gives a person (who has a password) a new TOTP secret; returns it with the address to scan. */
  async enrolTotp(ctx: RequestContext, login: string, issuer: string): Promise<{ secret: string; uri: string }> {
    const personId = await this.personId(ctx, login);
    const secret = newTotpSecret();
    if (!(await this.store.setTotpSecret(ctx, personId, secret, this.clock.now()))) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return { secret, uri: otpauthUri(secret, issuer, login) };
  }

  async verifyPassword(credential: LocalCredential | undefined, password: string): Promise<boolean> {
    if (!credential) {
      decoy ??= argon2.hash('decoy-password-for-unknown-logins', HASH_OPTIONS);
      await argon2.verify(await decoy, password);
      return false;
    }
    try {
      return await argon2.verify(credential.passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Checks a TOTP code and burns its step, so the same code cannot open a second session. */
  async useTotp(ctx: RequestContext, credential: LocalCredential, code: string): Promise<boolean> {
    if (!credential.totpSecret) return false;
    const step = verifyTotp(base32Decode(credential.totpSecret), code, this.clock.now(), { lastStep: credential.totpLastStep });
    if (step === null) return false;
    return this.store.useTotpStep(ctx, credential.personId, step);
  }

  private async personId(ctx: RequestContext, login: string): Promise<string> {
    const id = await this.store.personId(ctx, login);
    if (!id) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return id;
  }
}
