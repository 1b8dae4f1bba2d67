// Resend: who it is, how it signs (Svix), what its event names mean (docs/providers.md, Resend).
import type { ProviderFacts } from '../kit/definition';

export const RESEND = {
  id: 'resend',
  label: 'Resend',
  channel: 'email',
  routing: 'connection',
  secretKinds: { svix: 'Svix signing secret' },
  connectionForm: {
    kind: 'secret',
    optionLabel: 'Resend',
    field: 'secret',
    label: 'Signing secret (whsec_…)',
    hint: 'Resend → Webhooks → your endpoint → Signing secret.',
  },
  headers: {
    signature: 'svix-signature',
    timestamp: 'svix-timestamp',
    id: 'svix-id',
    alternates: ['webhook-signature', 'webhook-timestamp', 'webhook-id'],
  },
  events: {
    'email.sent': 'email_sent',
    'email.delivered': 'email_delivered',
    'email.bounced': 'email_bounce',
    'email.opened': 'email_open',
    'email.clicked': 'email_click',
    'email.complained': 'email_complaint',
    'contact.updated:unsubscribed': 'email_unsubscribe',
  },
} as const satisfies ProviderFacts;
