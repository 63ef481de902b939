import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, without padding (what authenticator apps read). */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new TypeError(`not base32: "${char}"`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export interface TotpParameters {
  digits: number;
  periodSeconds: number;
  algorithm: 'sha1' | 'sha256' | 'sha512';
}

export const TOTP_DEFAULTS: TotpParameters = { digits: 6, periodSeconds: 30, algorithm: 'sha1' };

/** HOTP (RFC 4226) of one counter value. */
export function hotp(secret: Buffer, counter: number, digits = 6, algorithm: TotpParameters['algorithm'] = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

/** The time step of an instant (RFC 6238: seconds since the epoch over the period). */
export function timeStep(at: Date, periodSeconds = 30): number {
  return Math.floor(at.getTime() / 1000 / periodSeconds);
}

export function totp(secret: Buffer, at: Date, p: TotpParameters = TOTP_DEFAULTS): string {
  return hotp(secret, timeStep(at, p.periodSeconds), p.digits, p.algorithm);
}

/**
 * The step a code belongs to, within `window` steps of `at` (clock drift), or null. A step at or
 * before `lastStep` is refused: a code opens one sign-in only.
 */
export function verifyTotp(secret: Buffer, code: string, at: Date, options: { window?: number; lastStep?: number | null } & Partial<TotpParameters> = {}): number | null {
  const p = { ...TOTP_DEFAULTS, ...options };
  if (!new RegExp(`^\\d{${p.digits}}$`).test(code)) return null;
  const now = timeStep(at, p.periodSeconds);
  const window = options.window ?? 1;
  for (let step = now - window; step <= now + window; step++) {
    if (options.lastStep !== undefined && options.lastStep !== null && step <= options.lastStep) continue;
    const expected = Buffer.from(hotp(secret, step, p.digits, p.algorithm));
    if (timingSafeEqual(expected, Buffer.from(code))) return step;
  }
  return null;
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The `otpauth://` address an authenticator app scans (as a QR code) to enrol. */
export function otpauthUri(secret: string, issuer: string, account: string, p: TotpParameters = TOTP_DEFAULTS): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  const params = new URLSearchParams({ secret, issuer, algorithm: p.algorithm.toUpperCase(), digits: String(p.digits), period: String(p.periodSeconds) });
  return `otpauth://totp/${label}?${params}`;
}
