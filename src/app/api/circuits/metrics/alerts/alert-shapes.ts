// The alert shapes the alerts routes answer with (GET/PUT .../alerts, POST .../alerts/channels).
import { z } from 'zod';
import { ALERT_RULES } from '@/lib/decision-circuits/metrics/ops';
import { isoInstant } from '@/lib/http/contract';

const outcome = z.enum(['delivered', 'failed', 'refused']);

export const alertRuleSchema = z
  .strictObject({
    rule: z.enum(ALERT_RULES),
    enabled: z.boolean(),
    threshold: z.number().nullable(),
    default_threshold: z.number().nullable(),
  })
  .meta({ id: 'AlertRule' });

/** A channel as the API shows it: the URL's origin and fingerprints, never the URL or the key. */
export const alertChannelSchema = z
  .looseObject({
    id: z.string(),
    kind: z.enum(['slack', 'webhook']),
    name: z.string(),
    url_origin: z.string(),
    url_fingerprint: z.string(),
    secret_fingerprint: z.string().nullable(),
    previous_secret_fingerprint: z.string().nullable(),
    previous_secret_expires_at: isoInstant.nullable(),
    created_at: isoInstant.nullable(),
    delivery: z.looseObject({
      retrying: z.number().int(),
      given_up_7d: z.number().int(),
      last_outcome: outcome.nullable(),
      last_attempt_at: isoInstant.nullable(),
      next_attempt_at: isoInstant.nullable(),
    }),
    audit: z.array(z.looseObject({ action: z.string(), at: isoInstant.nullable() })),
  })
  .meta({ id: 'AlertChannel' });

const alertState = z.enum(['firing', 'resolved']);

export const alertStateSchema = z
  .looseObject({
    rule: z.string(),
    subject: z.string(),
    state: alertState,
    summary: z.string(),
    changed_at: isoInstant.nullable(),
  })
  .meta({ id: 'AlertState' });

export const alertHistorySchema = z
  .looseObject({
    id: z.string(),
    rule: z.string(),
    subject: z.string(),
    state: alertState,
    summary: z.string(),
    created_at: isoInstant.nullable(),
    deliveries: z
      .array(
        z.looseObject({
          channel_id: z.string(),
          kind: z.string(),
          ok: z.boolean(),
          outcome: z.union([outcome, z.literal('pending')]),
          attempts: z.number().int().optional(),
        }),
      )
      .nullable(),
  })
  .meta({ id: 'AlertHistoryEntry' });
