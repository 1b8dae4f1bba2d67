// One realistic SendGrid delivery per event kind (or a batch), with what it should count.
import type { ProviderSamples } from '../kit/definition';
import { recipientAddress } from '../kit/sample-payloads';
import { startSample } from '../kit/sample-builders';
import {
  SENDGRID_COUNTER,
  SENDGRID_EVENT_KINDS,
  newSendGridMessage,
  sendGridBatchBody,
  sendGridEvent,
  type SendGridEventKind,
} from './payloads';

export const sendgridSamples: ProviderSamples = {
  kinds: [...SENDGRID_EVENT_KINDS, 'batch'],
  aliases: {
    sent: 'processed',
    bounced: 'bounce',
    opened: 'open',
    clicked: 'click',
    complained: 'spamreport',
    complaint: 'spamreport',
    unsubscribed: 'unsubscribe',
  },
  testEventKind: 'delivered',
  build(kind, options) {
    const { rng, nowMs, custom } = startSample(options);
    const message = newSendGridMessage(rng, recipientAddress(rng, 1), custom);
    if (options.objectId) message.xMessageId = options.objectId;
    const kinds: SendGridEventKind[] = kind === 'batch' ? ['processed', 'delivered', 'open', 'click'] : [kind as SendGridEventKind];
    const events = kinds.map((k, i) => sendGridEvent(rng, message, k, nowMs - (kinds.length - i) * 20_000));
    return {
      provider: 'sendgrid',
      kind,
      deliveryId: null,
      body: sendGridBatchBody(events),
      objectId: message.xMessageId,
      expected: kinds.map((k) => ({ event: k, counter: SENDGRID_COUNTER[k], quantity: 1 })),
    };
  },
};
