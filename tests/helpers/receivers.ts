// Local HTTP receivers on 127.0.0.1 for what the server sends out: OTLP/HTTP traces and alert
// notifications. They record every request; tests wait on what arrived. And a redirector, and
// the Standard Webhooks check a receiver makes.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** Resolves once `predicate` holds for what has arrived, or rejects after timeoutMs. */
  waitFor(predicate: (received: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Whether a Standard Webhooks receiver holding `secret` accepts the request (the `standardwebhooks` library decides). */
export function verifiesWith(secret: string, request: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/** `status` may be a function of the request's index (0-based): a receiver that fails, then recovers. */
export async function startReceiver(status: number | ((index: number) => number) = 200): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const index = received.length;
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(typeof status === 'number' ? status : status(index), { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met; got ${received.length} requests`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Answers every request with a 302 to `location` (a server that follows it would reach inside). */
export async function startRedirector(
  location: string,
): Promise<{ url: string; port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits += 1;
    request.resume();
    request.on('end', () => response.writeHead(302, { location }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpJsonSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

/** Span names and ids from OTLP/HTTP JSON export bodies (`resourceSpans[].scopeSpans[].spans[]`). */
export function spansFrom(received: ReceivedRequest[]): OtlpJsonSpan[] {
  return received
    .filter((r) => r.method === 'POST' && r.path === '/v1/traces')
    .flatMap((r) => {
      const body = JSON.parse(r.body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpJsonSpan[] }[] }[] };
      return (body.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
    });
}

/** A Resend delivery with a forged signature for a workspace (401): counts one verification failure. */
export function postForgedResendDelivery(appUrl: string, workspaceId: string): Promise<Response> {
  return fetch(`${appUrl}/api/webhooks/metrics?provider=resend&workspace_id=${workspaceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': `msg_${randomUUID()}`,
      'svix-timestamp': String(Math.floor(Date.now() / 1000)),
      'svix-signature': 'v1,Zm9yZ2Vk',
    },
    body: '{"type":"email.opened","data":{}}',
  });
}
