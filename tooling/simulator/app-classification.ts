// What the app's classifiers make of a simulated open or click: the same pure functions the
// providers' normalisers call, on the payload the event travels in.
import type { EngagementVerdict, EventCounter, MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { NO_PROVIDER_SIGNAL } from '../../src/lib/decision-circuits/metrics/providers/kit/engagement';
import { classifyMailgunEngagement } from '../../src/lib/decision-circuits/metrics/providers/mailgun/engagement';
import { classifyResendEngagement } from '../../src/lib/decision-circuits/metrics/providers/resend/engagement';
import { classifySendGridEngagement } from '../../src/lib/decision-circuits/metrics/providers/sendgrid/engagement';

type Classifier = typeof classifySendGridEngagement;

const CLASSIFIERS: Partial<Record<MetricsProvider, Classifier>> = {
  sendgrid: classifySendGridEngagement,
  resend: classifyResendEngagement,
  mailgun: classifyMailgunEngagement,
};

/** The app's verdict on one simulated event's payload; undefined for anything but an open or click. */
export function appClassification(
  provider: MetricsProvider,
  counter: EventCounter | null,
  payload: Readonly<Record<string, unknown>>,
): EngagementVerdict | undefined {
  const eventType = counter === 'email_opened' ? 'email_open' : counter === 'email_clicked' ? 'email_click' : null;
  if (eventType === null) return undefined;
  return CLASSIFIERS[provider]?.(eventType, payload) ?? NO_PROVIDER_SIGNAL;
}
