// Mailgun: who it is, how it signs, what its event names mean (docs/providers.md, Mailgun).
import type { ProviderFacts } from '../kit/definition';

export const MAILGUN = {
  id: 'mailgun',
  label: 'Mailgun',
  channel: 'email',
  routing: 'connection',
  secretKinds: { hmac: 'HMAC secret' },
  connectionForm: {
    kind: 'secret',
    optionLabel: 'Mailgun',
    field: 'secret',
    label: 'HTTP webhook signing key',
    hint: 'Mailgun → Sending → Webhooks (also listed with the API keys): the HTTP webhook signing key, not the API key.',
  },
  // The signature object travels inside the JSON body, next to event-data.
  headers: null,
  events: {
    accepted: 'email_sent',
    delivered: 'email_delivered',
    // `failed` is split by severity: only a permanent failure is a bounce (webhook.ts).
    'failed:permanent': 'email_bounce',
    opened: 'email_open',
    clicked: 'email_click',
    complained: 'email_complaint',
    unsubscribed: 'email_unsubscribe',
  },
} as const satisfies ProviderFacts;

/** The key of MAILGUN.events for an event: `failed` carries its severity, the rest their name. */
export function mailgunEventKey(event: string, severity: string | null): string {
  return event === 'failed' ? `failed:${severity ?? 'unknown'}` : event;
}
