import { BlockList, isIP } from 'node:net';

/** Addresses a receiver may not be at unless the pack allows private networks: loopback, private, link-local, shared, reserved, multicast. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64]] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is outside the public Internet (IPv4-mapped IPv6 addresses are judged as IPv4). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isNonPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family === 6) return NON_PUBLIC.check(address, 'ipv6') || /^::ffff:/i.test(address);
  return true;
}

/** Why a receiver URL is refused under these options, or undefined when it is acceptable. */
export function urlProblem(raw: string, options: { allowHttp: boolean; allowPrivateNetworks: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) return options.allowHttp ? 'an http:// or https:// URL' : 'an https:// URL';
  if (url.hash) return 'no #fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetworks) {
    if (isIP(host) && isNonPublicAddress(host)) return 'a public address';
    if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return 'a public host name';
  }
  return undefined;
}
