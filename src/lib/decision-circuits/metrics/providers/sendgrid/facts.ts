// SendGrid: who it is, how it signs, what its event names mean (docs/providers.md, SendGrid).
import type { ProviderFacts } from '../kit/definition';

export const SENDGRID = {
  id: 'sendgrid',
  label: 'SendGrid',
  channel: 'email',
  routing: 'connection',
  secretKinds: { ecdsa_public_key: 'ECDSA verification key', hmac: 'HMAC secret' },
  connectionForm: {
    kind: 'secret',
    optionLabel: 'SendGrid',
    field: 'verification_key',
    label: 'Verification key (or HMAC secret)',
    hint: 'SendGrid → Mail Settings → Signed Event Webhook → Verification key.',
  },
  headers: {
    signature: 'x-twilio-email-event-webhook-signature',
    timestamp: 'x-twilio-email-event-webhook-timestamp',
  },
  events: {
    processed: 'email_sent',
    delivered: 'email_delivered',
    bounce: 'email_bounce',
    open: 'email_open',
    click: 'email_click',
    spamreport: 'email_complaint',
    unsubscribe: 'email_unsubscribe',
    group_unsubscribe: 'email_unsubscribe',
  },
} as const satisfies ProviderFacts;
