// Which IP addresses a server-side request may reach: only globally routable unicast. Addresses are
// compared as bytes (IPv4 as 4, IPv6 as 16), so no textual spelling (octal, hex, a bare integer,
// an IPv4-mapped or NAT64 IPv6 form) can slip past a string match.
import { isIP } from 'node:net';

export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

function parseIPv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** 16 bytes of an IPv6 address (node:net has validated it), including a trailing dotted IPv4. */
function parseIPv6(text: string): Uint8Array {
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes its two hex groups first.
  const source = text
    .split('%')[0]!
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
      [((Number(a) << 8) | Number(b)).toString(16), ((Number(c) << 8) | Number(d)).toString(16)].join(':'),
    );
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = source.split('::') as [string, string | undefined];
  const front = groups(head);
  const back = rest === undefined ? [] : groups(rest);
  const words = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** The address's bytes, or null when it is not an IP address. */
export function ipBytes(address: string): Uint8Array | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.split('%')[0]!);
  if (family === 4) return parseIPv4(bare);
  if (family === 6) return parseIPv6(bare);
  return null;
}

/** "10.0.0.0/8", "fc00::/7" or a bare address (a /32 or /128); null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [address, prefixText] = text.trim().split('/');
  const bytes = address ? ipBytes(address) : null;
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) return null;
  return { bytes, prefix };
}

export function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const take = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (cidr.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const cidrs = (entries: Record<string, string>) => Object.entries(entries).map(([text, name]) => ({ cidr: parseCidr(text)!, name }));

// RFC 6890 and the IANA special-purpose registries: nothing here is a public internet host.
const IPV4_BLOCKED = cidrs({
  '0.0.0.0/8': 'unspecified',
  '10.0.0.0/8': 'private',
  '100.64.0.0/10': 'carrier-grade NAT',
  '127.0.0.0/8': 'loopback',
  '169.254.0.0/16': 'link-local',
  '172.16.0.0/12': 'private',
  '192.0.0.0/24': 'reserved',
  '192.0.2.0/24': 'documentation',
  '192.88.99.0/24': 'reserved',
  '192.168.0.0/16': 'private',
  '198.18.0.0/15': 'benchmarking',
  '198.51.100.0/24': 'documentation',
  '203.0.113.0/24': 'documentation',
  '224.0.0.0/4': 'multicast',
  '240.0.0.0/4': 'reserved',
});

// IPv6 outside 2000::/3 (global unicast) is refused outright: loopback, unspecified, unique-local
// fc00::/7, link-local fe80::/10, multicast ff00::/8 and the IPv4-compatible ::/96 all lie there.
const IPV6_GLOBAL = parseCidr('2000::/3')!;
const IPV6_BLOCKED = cidrs({
  '2001::/32': 'Teredo',
  '2001:2::/48': 'benchmarking',
  '2001:10::/28': 'reserved',
  '2001:20::/28': 'reserved',
  '2001:db8::/32': 'documentation',
  '3fff::/20': 'documentation',
});
// Forms that carry an IPv4 address: judged by the IPv4 address inside.
const IPV4_MAPPED = parseCidr('::ffff:0:0/96')!;
const NAT64_WELL_KNOWN = parseCidr('64:ff9b::/96')!;
const SIX_TO_FOUR = parseCidr('2002::/16')!;

/** Why the address may not be called ("loopback", "private", …), or null when it is public. */
export function blockedRange(address: string): string | null {
  const bytes = ipBytes(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return IPV4_BLOCKED.find((r) => inCidr(bytes, r.cidr))?.name ?? null;
  // Mapped addresses are IPv4 in disguise and have no business in an answer or a URL.
  if (inCidr(bytes, IPV4_MAPPED)) return 'IPv4-mapped';
  for (const [embedding, offset] of [
    [NAT64_WELL_KNOWN, 12],
    [SIX_TO_FOUR, 2],
  ] as const) {
    if (inCidr(bytes, embedding)) {
      const inner = blockedRange(Array.from(bytes.subarray(offset, offset + 4)).join('.'));
      return inner ? `${inner} (inside IPv6)` : null;
    }
  }
  if (!inCidr(bytes, IPV6_GLOBAL)) {
    if (bytes.every((b, i) => b === (i === 15 ? 1 : 0))) return 'loopback';
    if (bytes.every((b) => b === 0)) return 'unspecified';
    if ((bytes[0]! & 0xfe) === 0xfc) return 'unique-local';
    if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return 'link-local';
    if (bytes[0] === 0xff) return 'multicast';
    return 'reserved';
  }
  return IPV6_BLOCKED.find((r) => inCidr(bytes, r.cidr))?.name ?? null;
}
