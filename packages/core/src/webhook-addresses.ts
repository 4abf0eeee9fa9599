import { BlockList, isIP } from 'node:net';

/**
 * The addresses a webhook may not reach (operations-control.md: Safety). Link-local and cloud metadata
 * addresses are refused always; loopback and private ones unless the operator allows them
 * (`WEBHOOK_ALLOW_PRIVATE=true`, for tests and self-hosting next to the receiver). Checked on the
 * addresses a name resolves to, at registration and again at each delivery (the name may have moved).
 */

function blockList(v4: [string, number][], v6: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return list;
}

const ALWAYS_REFUSED = blockList(
  [
    ['0.0.0.0', 8], // "this network": reaches the host itself
    ['169.254.0.0', 16], // link-local, home of the metadata services
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, and the broadcast address
  ],
  [
    ['::', 128], // unspecified
    ['fe80::', 10], // link-local
    ['fd00:ec2::254', 128], // a cloud metadata service over IPv6
    ['ff00::', 8], // multicast
  ],
);

const PRIVATE = blockList(
  [
    ['127.0.0.0', 8],
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['198.18.0.0', 15], // benchmarking networks
  ],
  [
    ['::1', 128],
    ['fc00::', 7], // unique local
  ],
);

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d, and judged as one. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

/** Why a webhook may not reach `address` (an IP literal), or null when it may. */
export function webhookAddressRefusal(address: string, allowPrivate: boolean): string | null {
  if (isIP(address) === 0) return `${address} is not an IP address`;
  const { address: ip, family } = unmapped(address);
  if (ALWAYS_REFUSED.check(ip, family)) return `${address} is a link-local, metadata or reserved address`;
  if (!allowPrivate && PRIVATE.check(ip, family)) return `${address} is a loopback or private address (WEBHOOK_ALLOW_PRIVATE is off)`;
  return null;
}
