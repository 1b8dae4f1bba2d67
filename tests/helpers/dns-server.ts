// A small DNS server on UDP 127.0.0.1 answering A and AAAA queries from a table the test can
// change between queries (rebinding), with TTL 0. Unknown names are NXDOMAIN; a known name without
// records of the asked type answers no records. Counts the queries per name and type.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { ipBytes } from '../../src/lib/net/ip-ranges';

export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
}

export interface DnsServer {
  /** "127.0.0.1:<port>", for METRICS_OUTBOUND_DNS_SERVERS. */
  address: string;
  records: Map<string, DnsRecords>;
  /** Queries so far, keyed "name A" or "name AAAA". */
  queries: Map<string, number>;
  close(): Promise<void>;
}

const TYPES: Record<number, keyof DnsRecords> = { 1: 'A', 28: 'AAAA' };

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at]! !== 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function answer(query: Buffer, records: Map<string, DnsRecords>, queries: Map<string, number>): Buffer {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const type = TYPES[qtype];
  if (type) queries.set(`${name} ${type}`, (queries.get(`${name} ${type}`) ?? 0) + 1);
  const known = records.get(name);
  const rdatas = known && type ? (known[type] ?? []).map((ip) => Buffer.from(ipBytes(ip)!)) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const question = query.subarray(12, end + 4);
  const answers = rdatas.map((rdata) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    fixed.writeUInt16BE(qtype, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(0, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}

export async function startDnsServer(initial: Record<string, DnsRecords> = {}): Promise<DnsServer> {
  const records = new Map(Object.entries(initial).map(([name, r]) => [name.toLowerCase(), r]));
  const queries = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    try {
      socket.send(answer(message, records, queries), remote.port, remote.address);
    } catch {
      // A malformed query gets no answer, as from a real server.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    records,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
