// One realistic Resend delivery per event type, with what it should count.
import type { ProviderSamples } from '../kit/definition';
import { recipientAddress } from '../kit/sample-payloads';
import { startSample } from '../kit/sample-builders';
import {
  RESEND_COUNTER,
  RESEND_EVENT_TYPES,
  newResendMessage,
  resendContactUnsubscribed,
  resendEmailEvent,
  svixMessageId,
  type ResendEventType,
} from './payloads';

export const resendSamples: ProviderSamples = {
  kinds: RESEND_EVENT_TYPES,
  aliases: {
    unsubscribe: 'contact.updated',
    unsubscribed: 'contact.updated',
    bounce: 'email.bounced',
    open: 'email.opened',
    click: 'email.clicked',
    complaint: 'email.complained',
    // The event names without their `email.` prefix.
    sent: 'email.sent',
    delivered: 'email.delivered',
    delivery_delayed: 'email.delivery_delayed',
    bounced: 'email.bounced',
    opened: 'email.opened',
    clicked: 'email.clicked',
    complained: 'email.complained',
  },
  testEventKind: 'email.delivered',
  build(kind, options) {
    const { rng, nowMs, custom } = startSample(options);
    const deliveryId = svixMessageId(rng);
    const email = recipientAddress(rng, 1);
    const base = { provider: 'resend' as const, kind, deliveryId };
    if (kind === 'contact.updated') {
      return {
        ...base,
        body: JSON.stringify(resendContactUnsubscribed(rng, email, nowMs)),
        objectId: null,
        expected: [{ event: kind, counter: null, quantity: 1 }],
      };
    }
    const type = kind as Exclude<ResendEventType, 'contact.updated'>;
    const message = newResendMessage(rng, email, nowMs - 60_000, custom);
    if (options.objectId) message.emailId = options.objectId;
    return {
      ...base,
      body: JSON.stringify(resendEmailEvent(rng, message, type, nowMs)),
      objectId: message.emailId,
      expected: [{ event: type, counter: RESEND_COUNTER[type], quantity: 1 }],
    };
  },
};
