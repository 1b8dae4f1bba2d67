// Who made a Mailgun open or click, from the event itself (docs/providers.md, "People and machines").
import type { EngagementClass, EngagementVerdict, MetricsEventType } from '../../metrics-types';
import { isRecord } from '../kit/provider';
import { NO_PROVIDER_SIGNAL, isEngagementEvent } from '../kit/engagement';

/** Mailgun's bot detection names the fetcher: the privacy proxies are machines, anything else a bot. */
const CLASS_OF_BOT: Readonly<Record<string, EngagementClass>> = { apple: 'machine', gmail: 'machine' };

/**
 * Opens and clicks: `client-info.bot` from Mailgun's bot detection, empty for a person. An event
 * without the field (detection not reported) is `unknown`.
 */
export function classifyMailgunEngagement(
  eventType: MetricsEventType,
  eventData: Readonly<Record<string, unknown>>,
): EngagementVerdict | undefined {
  if (!isEngagementEvent(eventType)) return undefined;
  const clientInfo = eventData['client-info'];
  const bot = isRecord(clientInfo) ? clientInfo.bot : undefined;
  if (typeof bot !== 'string') return NO_PROVIDER_SIGNAL;
  if (bot === '') return { engagement_class: 'human', class_signal: 'mailgun_client_info_no_bot' };
  return { engagement_class: Object.hasOwn(CLASS_OF_BOT, bot) ? CLASS_OF_BOT[bot]! : 'bot', class_signal: 'mailgun_client_info_bot' };
}
