// What every …/connections… route shares in its contract: the workspace (?workspaceId=), the
// connection (the path segment), each checked, 400 naming the bad one, and the connection shape.
import { z } from 'zod';
import { METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { isoInstant, workspaceQuerySchema } from '@/lib/http/contract';

export const connectionQuerySchema = workspaceQuerySchema;
export const connectionParamsSchema = z.object({ connectionId: z.guid({ message: 'connection id must be a UUID' }) });

/** A connection as the API shows it: its webhook URL and fingerprints, never a secret. */
export const connectionSchema = z
  .strictObject({
    connection_id: z.string(),
    provider: z.enum(METRICS_PROVIDERS),
    external_account_id: z.string().nullable(),
    webhook_url: z.string(),
    fingerprint: z.string().nullable(),
    api_key_fingerprint: z.string().nullable(),
    status: z.string(),
    claim_status: z
      .enum(['pending', 'verified'])
      .nullable()
      .meta({ description: "Account claims only: pending routes nothing; verified routes the account's events" }),
    claim_method: z.string().nullable(),
    claim_verified_at: isoInstant.nullable(),
    claim_superseded_at: isoInstant.nullable(),
    created_at: isoInstant.nullable(),
    rotated_at: isoInstant.nullable(),
    previous_secret_valid_until: isoInstant.nullable(),
    last_delivery_at: isoInstant.nullable(),
    last_failure_at: isoInstant.nullable(),
    last_failure_reason: z.string().nullable(),
  })
  .meta({ id: 'Connection' });
