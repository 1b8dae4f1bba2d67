// One realistic Mailgun delivery per event kind, for `npm run webhook:send` and the test event.
import type { ProviderSamples, SampleDelivery, SampleOptions } from '../kit/definition';
import { recipientAddress } from '../kit/sample-payloads';
import { startSample } from '../kit/sample-builders';
import { MAILGUN } from './facts';
import { MAILGUN_COUNTER, MAILGUN_EVENT_KINDS, mailgunBody, mailgunEventData, newMailgunMessage, type MailgunEventKind } from './payloads';
import { normalizeMessageId } from './webhook';

function isKind(kind: string): kind is MailgunEventKind {
  return (MAILGUN_EVENT_KINDS as readonly string[]).includes(kind);
}

/** How long before the event its message was sent (a delivery lands seconds after, an open later). */
const SENT_BEFORE_MS: Readonly<Record<MailgunEventKind, number>> = {
  accepted: 0,
  delivered: 2_000,
  failed: 3_000,
  'failed:temporary': 3_000,
  opened: 15 * 60_000,
  clicked: 16 * 60_000,
  complained: 60 * 60_000,
  unsubscribed: 20 * 60_000,
};

export const mailgunSamples: ProviderSamples = {
  kinds: MAILGUN_EVENT_KINDS,
  aliases: {
    sent: 'accepted',
    queued: 'accepted',
    bounce: 'failed',
    bounced: 'failed',
    deferred: 'failed:temporary',
    open: 'opened',
    click: 'clicked',
    complaint: 'complained',
    spamreport: 'complained',
    unsubscribe: 'unsubscribed',
  },
  testEventKind: 'delivered',
  build(kind: string, options: SampleOptions): SampleDelivery {
    if (!isKind(kind)) throw new Error(`Unknown Mailgun sample kind: ${kind}`);
    const wanted = kind;
    const { rng, nowMs, custom } = startSample(options);
    const message = newMailgunMessage(rng, recipientAddress(rng, 1), nowMs - SENT_BEFORE_MS[wanted], custom ?? {});
    // The send API's form (`<id@domain>`) is accepted too: both name the same message.
    const objectId = options.objectId === undefined ? null : normalizeMessageId(options.objectId);
    if (objectId !== null) message.objectId = objectId;
    return {
      provider: MAILGUN.id,
      kind: wanted,
      body: mailgunBody(mailgunEventData(rng, message, wanted, nowMs)),
      deliveryId: null,
      objectId: message.objectId,
      expected: [{ event: wanted, counter: MAILGUN_COUNTER[wanted], quantity: 1 }],
    };
  },
};
