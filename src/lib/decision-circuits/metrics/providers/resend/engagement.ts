// Who made a Resend open or click, from the event itself (docs/providers.md, "People and machines").
import type { EngagementVerdict, MetricsEventType } from '../../metrics-types';
import { isRecord } from '../kit/provider';
import {
  CLICK_SECONDS_AFTER_SEND,
  NO_PROVIDER_SIGNAL,
  NO_SCANNER_PATTERN,
  SCANNER_USER_AGENT,
  isClickSecondsAfterSend,
  isEngagementEvent,
  isScannerUserAgent,
} from '../kit/engagement';

/**
 * `email.opened` carries nothing that tells a proxy from a person: always `unknown`. A click
 * carries `data.click.userAgent` and `timestamp` and the message's send time (`data.created_at`),
 * enough for the scanner heuristics.
 */
export function classifyResendEngagement(
  eventType: MetricsEventType,
  payload: Readonly<Record<string, unknown>>,
): EngagementVerdict | undefined {
  if (!isEngagementEvent(eventType)) return undefined;
  const data = isRecord(payload.data) ? payload.data : {};
  if (eventType === 'email_open' || !isRecord(data.click)) return NO_PROVIDER_SIGNAL;
  if (isScannerUserAgent(data.click.userAgent)) return SCANNER_USER_AGENT;
  if (isClickSecondsAfterSend(data.created_at, data.click.timestamp)) return CLICK_SECONDS_AFTER_SEND;
  return NO_SCANNER_PATTERN;
}
