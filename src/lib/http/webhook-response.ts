import type { DeliveryReceipt } from '../decision-circuits/metrics/delivery';
import { errorResponse } from './errors';
import { jsonResponse } from './json-response';

/**
 * 202 with the release notes' fields plus what a batch needs: per-outcome counts and the
 * events that could not be read. A delivery with events but none readable is the caller's
 * error (400), so the provider's dashboard shows it instead of retrying it forever as a 5xx;
 * events of accounts nobody connected were readable.
 */
export function acceptedWebhookBody({ provider, workspaceId, result, unroutedEvents }: DeliveryReceipt): Response {
  if (result.events.length === 0 && (unroutedEvents ?? 0) === 0 && result.rejected.length > 0) {
    return errorResponse('invalid_request', `No valid events in payload: ${result.rejected[0]?.reason ?? 'unreadable'}`, {
      provider,
      rejected: result.rejected.slice(0, 20),
    });
  }
  return jsonResponse(
    {
      success: true,
      event_id: result.events[0]?.event_id ?? null,
      provider,
      workspace_id: workspaceId,
      message: 'Webhook received and queued for processing',
      events_received: result.events.length + result.rejected.length,
      events_stored: result.events.length - result.counts.duplicate,
      outcomes: result.counts,
      rejected: result.rejected.slice(0, 20),
      ...(unroutedEvents === null ? {} : { unrouted_events: unroutedEvents }),
      timestamp: new Date().toISOString(),
    },
    { status: 202 },
  );
}
