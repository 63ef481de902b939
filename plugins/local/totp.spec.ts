import { describe, expect, it } from '@jest/globals';
import { base32Decode, base32Encode, hotp, otpauthUri, totp, verifyTotp } from './totp.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const SEED = Buffer.from('12345678901234567890');

describe('TOTP (RFC 6238) on node:crypto', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('gives the RFC test vector at %i s', (seconds, code) => {
    expect(totp(SEED, new Date(seconds * 1000), { digits: 8, periodSeconds: 30, algorithm: 'sha1' })).toBe(code);
  });

  it('gives the RFC 4226 HOTP values', () => {
    expect([0, 1, 2, 9].map((c) => hotp(SEED, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  it('round-trips base32 and reads the RFC 4648 vectors', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(() => base32Decode('M1')).toThrow('not base32');
  });

  it('accepts one step of drift either way, refuses two, and never a used step again', () => {
    const at = new Date('2026-03-02T08:30:10Z');
    const step = Math.floor(at.getTime() / 30_000);
    const code = (s: number) => hotp(SEED, s);
    expect(verifyTotp(SEED, code(step), at)).toBe(step);
    expect(verifyTotp(SEED, code(step - 1), at)).toBe(step - 1);
    expect(verifyTotp(SEED, code(step + 1), at)).toBe(step + 1);
    expect(verifyTotp(SEED, code(step - 2), at)).toBeNull();
    expect(verifyTotp(SEED, code(step), at, { lastStep: step })).toBeNull();
    expect(verifyTotp(SEED, 'abcdef', at)).toBeNull();
  });

  it('writes the otpauth address authenticator apps scan', () => {
    expect(otpauthUri('MZXW6YTBOI', 'Guichet', 'jdupont')).toBe('otpauth://totp/Guichet%3Ajdupont?secret=MZXW6YTBOI&issuer=Guichet&algorithm=SHA1&digits=6&period=30');
  });
});
