// Server-side requests to URLs a tenant configured (alert channels): the host is resolved once,
// every address it resolves to must be public (ip-ranges.ts) unless the operator allowlisted it,
// and the connection goes to exactly the address that was checked (a pinned `lookup`), so a DNS
// answer that changes between the check and the connect (rebinding) cannot redirect it.
// Redirects are never followed, and the answer is read only up to a small bound.
import { lookup as systemLookup, Resolver } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { blockedRange, inCidr, ipBytes, parseCidr, type Cidr } from './ip-ranges';

const DNS_TIMEOUT_MS = 3_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
// Names that only ever mean "inside": refused before any lookup.
const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'intranet', 'lan'];
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export class OutboundRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OutboundRefusedError';
  }
}

export interface OutboundPolicy {
  httpsOnly: boolean;
  allowHosts: readonly string[];
  allowCidrs: readonly Cidr[];
  /** DNS servers to ask instead of the system resolver ("127.0.0.1:5353"); null for the system's. */
  dnsServers: readonly string[] | null;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);

/** `METRICS_OUTBOUND_ALLOWLIST` (hosts, `*.suffix` or CIDRs), `METRICS_OUTBOUND_DNS_SERVERS`, https in production. */
export function outboundPolicy(env: Readonly<Record<string, string | undefined>> = process.env): OutboundPolicy {
  const allowHosts: string[] = [];
  const allowCidrs: Cidr[] = [];
  for (const entry of list(env.METRICS_OUTBOUND_ALLOWLIST)) {
    const cidr = parseCidr(entry);
    if (cidr) allowCidrs.push(cidr);
    else if (HOSTNAME.test(entry.replace(/^\*\./, '').replace(/\.$/, ''))) allowHosts.push(entry.replace(/\.$/, ''));
  }
  const dnsServers = list(env.METRICS_OUTBOUND_DNS_SERVERS);
  return { httpsOnly: env.NODE_ENV === 'production', allowHosts, allowCidrs, dnsServers: dnsServers.length ? dnsServers : null };
}

function hostAllowed(policy: OutboundPolicy, hostname: string): boolean {
  return policy.allowHosts.some((entry) =>
    entry.startsWith('*.') ? hostname.endsWith(entry.slice(1)) && hostname.length > entry.length - 1 : hostname === entry,
  );
}

function addressAllowed(policy: OutboundPolicy, address: string): boolean {
  const bytes = ipBytes(address);
  return bytes !== null && policy.allowCidrs.some((cidr) => inCidr(bytes, cidr));
}

export interface OutboundTarget {
  url: URL;
  /** The host as connected to: a name (sent as Host and TLS SNI) or an IP literal without brackets. */
  hostname: string;
  /** The checked address the connection is pinned to. */
  address: string;
  family: 4 | 6;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OutboundRefusedError(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function resolveHost(hostname: string, policy: OutboundPolicy): Promise<{ address: string; family: 4 | 6 }[]> {
  if (!policy.dnsServers) {
    const found = await systemLookup(hostname, { all: true, verbatim: true });
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  }
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 });
  resolver.setServers([...policy.dnsServers]);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
  return [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
}

/**
 * Parses and checks a URL the server is to call; throws OutboundRefusedError with a reason a
 * caller can act on. The reason names the kind of address, never an address a name resolved to.
 */
export async function checkOutboundUrl(raw: string, policy: OutboundPolicy = outboundPolicy()): Promise<OutboundTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefusedError('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError('must be an http or https URL');
  if (url.username || url.password) throw new OutboundRefusedError('must not carry credentials before the host');
  // WHATWG parsing already turned 0177.0.0.1, 2130706433 and 0x7f000001 into 127.0.0.1.
  const hostname = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (hostname === '') throw new OutboundRefusedError('has no host');
  const allowedByName = hostAllowed(policy, hostname);
  const literal = isIP(hostname);
  if (policy.httpsOnly && url.protocol !== 'https:' && !allowedByName && !(literal && addressAllowed(policy, hostname)))
    throw new OutboundRefusedError('must be https');

  let addresses: { address: string; family: 4 | 6 }[];
  if (literal) {
    addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  } else {
    if (!allowedByName) {
      if (!hostname.includes('.')) throw new OutboundRefusedError('needs a fully qualified host name');
      if (INTERNAL_SUFFIXES.some((suffix) => hostname === suffix || hostname.endsWith(`.${suffix}`)))
        throw new OutboundRefusedError('names an internal host');
    }
    try {
      addresses = await withTimeout(resolveHost(hostname, policy), DNS_TIMEOUT_MS * 2, 'host name lookup timed out');
    } catch (error) {
      if (error instanceof OutboundRefusedError) throw error;
      addresses = [];
    }
    if (addresses.length === 0) throw new OutboundRefusedError('host name does not resolve');
  }
  if (!allowedByName) {
    for (const { address } of addresses) {
      const range = blockedRange(address);
      if (range && !addressAllowed(policy, address))
        throw new OutboundRefusedError(`${literal ? 'is' : 'resolves to'} a ${range} address, which the server does not call`);
    }
  }
  const [first] = addresses;
  return { url, hostname, address: first!.address, family: first!.family };
}

export interface OutboundPostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** POSTs to the checked address only; answers the HTTP status (a 3xx is just a status: never followed). */
export function postPinned(target: OutboundTarget, options: OutboundPostOptions): Promise<number> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all)
      (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.url.port || undefined,
        path: `${target.url.pathname}${target.url.search}`,
        method: 'POST',
        headers: { ...options.headers, host: target.url.host, 'content-length': String(Buffer.byteLength(options.body)) },
        agent: false,
        lookup: pinned,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('error', () => resolve(status));
        response.on('close', () => resolve(status));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
