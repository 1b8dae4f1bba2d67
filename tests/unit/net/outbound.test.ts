// The outbound guard on its own: every spelling of an inside address is refused before anything
// is sent, names are resolved through a local DNS server, and a request goes to the checked
// address even when the name resolves elsewhere afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedRange } from '../../../src/lib/net/ip-ranges';
import { checkOutboundUrl, outboundPolicy, postPinned, type OutboundPolicy } from '../../../src/lib/net/outbound';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server';
import { INSIDE_URLS } from '../../helpers/inside-urls';
import { startReceiver, type Receiver } from '../../helpers/receivers';

describe('outbound guard', () => {
  let dns: DnsServer;
  let receiver: Receiver;
  let policy: OutboundPolicy;

  beforeAll(async () => {
    dns = await startDnsServer({
      'evil.test': { A: ['127.0.0.1'] },
      'mixed.test': { A: ['93.184.216.34', '10.1.2.3'] },
      'six.test': { AAAA: ['::ffff:10.0.0.1'] },
      'public.test': { A: ['93.184.216.34'] },
      'hooks.test': { A: ['127.0.0.1'] },
    });
    receiver = await startReceiver();
    policy = outboundPolicy({ METRICS_OUTBOUND_DNS_SERVERS: dns.address, METRICS_OUTBOUND_ALLOWLIST: 'hooks.test, 192.0.2.0/24' });
  });
  afterAll(async () => {
    await dns?.close();
    await receiver?.close();
  });

  it.each(INSIDE_URLS)('refuses %s', async (url) => {
    await expect(checkOutboundUrl(url, policy)).rejects.toMatchObject({ name: 'OutboundRefusedError' });
  });

  it('refuses names that resolve inside, in any record', async () => {
    for (const host of ['evil.test', 'mixed.test', 'six.test', 'missing.test'])
      await expect(checkOutboundUrl(`http://${host}/x`, policy)).rejects.toThrow(/resolves to|does not resolve/);
  });

  it('accepts public names and literals, and allowlisted names and ranges', async () => {
    expect(await checkOutboundUrl('https://public.test/x', policy)).toMatchObject({ hostname: 'public.test', address: '93.184.216.34' });
    expect(await checkOutboundUrl('http://8.8.8.8/', policy)).toMatchObject({ address: '8.8.8.8' });
    expect(await checkOutboundUrl('http://[2606:4700::1111]/', policy)).toMatchObject({ family: 6 });
    expect(await checkOutboundUrl('http://hooks.test:1/', policy)).toMatchObject({ address: '127.0.0.1' });
    expect(await checkOutboundUrl('http://192.0.2.7/', policy)).toMatchObject({ address: '192.0.2.7' });
  });

  it('needs https in production, except for allowlisted targets', async () => {
    const production = outboundPolicy({
      NODE_ENV: 'production',
      METRICS_OUTBOUND_DNS_SERVERS: dns.address,
      METRICS_OUTBOUND_ALLOWLIST: 'hooks.test',
    });
    await expect(checkOutboundUrl('http://public.test/x', production)).rejects.toThrow('must be https');
    expect(await checkOutboundUrl('http://hooks.test/x', production)).toMatchObject({ address: '127.0.0.1' });
    await expect(checkOutboundUrl('ftp://public.test/x', production)).rejects.toThrow('http or https');
    await expect(checkOutboundUrl('https://user:pw@public.test/x', production)).rejects.toThrow('credentials');
  });

  it('connects to the checked address with the name as Host, even once the name resolves elsewhere', async () => {
    const port = new URL(receiver.url).port;
    const target = await checkOutboundUrl(`http://hooks.test:${port}/pinned?x=1`, policy);
    dns.records.set('hooks.test', { A: ['203.0.113.9'] });
    const lookupsBefore = dns.queries.get('hooks.test A') ?? 0;
    const status = await postPinned(target, { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000 });
    expect(status).toBe(200);
    expect(dns.queries.get('hooks.test A') ?? 0).toBe(lookupsBefore);
    expect(receiver.received.at(-1)).toMatchObject({ path: '/pinned?x=1', headers: { host: `hooks.test:${port}` } });
    dns.records.set('hooks.test', { A: ['127.0.0.1'] });
  });

  it('names the kind of range', () => {
    expect(blockedRange('::ffff:8.8.8.8')).toBe('IPv4-mapped');
    expect(blockedRange('2002:a00:1::1')).toBe('private (inside IPv6)');
    expect(blockedRange('64:ff9b::808:808')).toBeNull();
    expect(blockedRange('100.63.255.255')).toBeNull();
    expect(blockedRange('100.128.0.0')).toBeNull();
  });
});
