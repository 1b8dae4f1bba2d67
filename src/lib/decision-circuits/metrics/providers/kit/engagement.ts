// What every provider's engagement classifier shares: the verdicts, and the payload heuristics
// used where a provider sends no flag of its own (docs/providers.md, "People and machines").
import type { EngagementVerdict, MetricsEventType } from '../../metrics-types';

/** The payload says nothing about who opened or clicked: never guessed. */
export const NO_PROVIDER_SIGNAL: EngagementVerdict = { engagement_class: 'unknown', class_signal: 'no_provider_signal' };
/** A click whose payload shows none of the scanner patterns below. */
export const NO_SCANNER_PATTERN: EngagementVerdict = { engagement_class: 'human', class_signal: 'no_scanner_pattern' };
export const SCANNER_USER_AGENT: EngagementVerdict = { engagement_class: 'bot', class_signal: 'scanner_user_agent' };
export const CLICK_SECONDS_AFTER_SEND: EngagementVerdict = { engagement_class: 'bot', class_signal: 'click_seconds_after_send' };

/** The kinds that carry a class; every other kind carries none. */
export function isEngagementEvent(eventType: MetricsEventType): eventType is 'email_open' | 'email_click' {
  return eventType === 'email_open' || eventType === 'email_click';
}

/**
 * User agents of link-checking security gateways and scripted HTTP clients. A person's mail client
 * or browser never announces itself with these; scanners that mimic a browser are not caught here.
 */
const SCANNER_AGENT_PATTERNS: readonly RegExp[] = [
  /barracuda/i,
  /mimecast/i,
  /proofpoint|urldefense/i,
  /microsoft office protocol discovery/i,
  /safelinks/i,
  /messagelabs|symantec/i,
  /trend ?micro/i,
  /fireeye|trellix/i,
  /forcepoint/i,
  /ironport|cisco secure email/i,
  /sophos/i,
  /python-requests|python-urllib|aiohttp/i,
  /^curl\//i,
  /^wget\//i,
  /go-http-client/i,
  /^java\//i,
  /okhttp/i,
  /headlesschrome/i,
];

export function isScannerUserAgent(userAgent: unknown): boolean {
  return typeof userAgent === 'string' && SCANNER_AGENT_PATTERNS.some((pattern) => pattern.test(userAgent));
}

/**
 * A person reads a message and then clicks: a click this soon after the message was sent is a
 * scanner following links on arrival. Delivery usually follows the send within seconds, so the
 * window counts from the send time where that is all the payload carries.
 */
export const SCANNER_CLICK_WINDOW_SECONDS = 60;

/** True when both times parse and the click came within the window after the send. */
export function isClickSecondsAfterSend(sentAt: unknown, clickedAt: unknown): boolean {
  if (typeof sentAt !== 'string' || typeof clickedAt !== 'string') return false;
  const sent = Date.parse(sentAt);
  const clicked = Date.parse(clickedAt);
  if (!Number.isFinite(sent) || !Number.isFinite(clicked)) return false;
  const seconds = (clicked - sent) / 1000;
  return seconds >= 0 && seconds < SCANNER_CLICK_WINDOW_SECONDS;
}
