// Realistic signed SendGrid batches and their normalised form, shared by the ingest benchmarks.
import { normalizeProviderEvents } from '../../src/lib/decision-circuits/metrics/ingest/normalize';
import { signSendGridEcdsa } from '../../tooling/signing';
import type { Rng } from '../../src/lib/random/seeded-rng';
import { newSendGridMessage, sendGridBatchBody, sendGridEvent } from '../../tooling/simulator/provider-payloads';
import type { TestServer } from '../../tests/helpers/server';

export interface BatchShape {
  abTestId: string;
  variantIds: readonly string[];
  /** Event times fall in the hour starting here (ms since the epoch). */
  hourStartMs: number;
}

/** 100 messages x 5 events (processed, delivered, 2 opens, click) per 500, self-attributed. */
export function makeSendGridBatch(rng: Rng, size: number, shape: BatchShape): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  while (events.length < size) {
    const variant = rng.pick([...shape.variantIds]);
    const message = newSendGridMessage(rng, `r${events.length}@example.com`, {
      circuit_execution_id: 'exec-bench',
      ab_test_id: shape.abTestId,
      variant_id: variant!,
    });
    for (const kind of ['processed', 'delivered', 'open', 'open', 'click'] as const) {
      if (events.length < size) events.push(sendGridEvent(rng, message, kind, shape.hourStartMs + rng.int(0, 3_599_999)));
    }
  }
  return events;
}

export interface SignedBatch {
  body: string;
  headers: Record<string, string>;
}

export function signBatch(privateKey: string, events: Record<string, unknown>[]): SignedBatch {
  const body = sendGridBatchBody(events);
  return { body, headers: { 'content-type': 'application/json', ...signSendGridEcdsa({ privateKey, body }) } };
}

/** The rows the webhook route hands to metrics_ingest_events for this batch. */
export function normalizedRows(events: Record<string, unknown>[]): Record<string, unknown>[] {
  const body = JSON.parse(sendGridBatchBody(events)) as unknown;
  // recipient_identifier is never stored (the route drops it before the SQL call).
  return normalizeProviderEvents('sendgrid', body, { receivedAt: new Date(), storeRawEmail: false }).events.map(
    ({ recipient_identifier: _dropped, ...row }) => row,
  );
}

export function poster(server: TestServer, path: string) {
  return async (request: SignedBatch): Promise<number> => {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: request.headers, body: request.body });
    await response.arrayBuffer();
    return response.status;
  };
}
