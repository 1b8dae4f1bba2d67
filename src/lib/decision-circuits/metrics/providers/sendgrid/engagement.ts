// Who made a SendGrid open or click, from the event itself (docs/providers.md, "People and machines").
import type { EngagementVerdict, MetricsEventType } from '../../metrics-types';
import { NO_PROVIDER_SIGNAL, NO_SCANNER_PATTERN, SCANNER_USER_AGENT, isEngagementEvent, isScannerUserAgent } from '../kit/engagement';

/**
 * Opens: SendGrid's own `sg_machine_open` (true when Apple Mail Privacy Protection's proxy made
 * it). Clicks carry no flag and no send time, so only the `useragent` heuristic applies.
 */
export function classifySendGridEngagement(
  eventType: MetricsEventType,
  event: Readonly<Record<string, unknown>>,
): EngagementVerdict | undefined {
  if (!isEngagementEvent(eventType)) return undefined;
  if (eventType === 'email_open') {
    const flag = event.sg_machine_open;
    if (typeof flag !== 'boolean') return NO_PROVIDER_SIGNAL;
    return { engagement_class: flag ? 'machine' : 'human', class_signal: 'sendgrid_machine_open_flag' };
  }
  if (typeof event.useragent !== 'string' || event.useragent === '') return NO_PROVIDER_SIGNAL;
  return isScannerUserAgent(event.useragent) ? SCANNER_USER_AGENT : NO_SCANNER_PATTERN;
}
