import { describe, expect, it } from '@jest/globals';
import { isNonPublicAddress, urlProblem } from './address-policy.js';

describe('webhook receivers', () => {
  it('tells public addresses from loopback, private, link-local, shared and reserved ones', () => {
    for (const address of ['127.0.0.1', '10.20.30.40', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'pas une adresse']) {
      expect([address, isNonPublicAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['193.48.10.1', '8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', '::ffff:193.48.10.1']) {
      expect([address, isNonPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it('wants https on a public host unless the pack allows http or private networks', () => {
    const strict = { allowHttp: false, allowPrivateNetworks: false };
    expect(urlProblem('https://hooks.example.org/guichet?x=1', strict)).toBeUndefined();
    expect(urlProblem('http://hooks.example.org/guichet', strict)).toBe('an https:// URL');
    expect(urlProblem('ftp://hooks.example.org/guichet', { ...strict, allowHttp: true })).toBe('an http:// or https:// URL');
    expect(urlProblem('https://127.0.0.1/hook', strict)).toBe('a public address');
    expect(urlProblem('https://[::1]/hook', strict)).toBe('a public address');
    expect(urlProblem('https://localhost/hook', strict)).toBe('a public host name');
    expect(urlProblem('https://intranet/hook', strict)).toBe('a public host name');
    expect(urlProblem('https://hooks.example.org/#top', strict)).toBe('no #fragment');
    expect(urlProblem('hooks.example.org', strict)).toBe('not a URL');
    expect(urlProblem('http://127.0.0.1:8080/hook', { allowHttp: true, allowPrivateNetworks: true })).toBeUndefined();
  });
});
