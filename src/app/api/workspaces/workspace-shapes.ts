// The shapes the workspace administration routes answer with, and their path parameters.
import { z } from 'zod';
import { API_KEY_SCOPES } from '@/lib/auth/api-keys';
import { WORKSPACE_ROLES } from '@/lib/decision-circuits/metrics/tenancy';
import { isoInstant, workspacePathSchema } from '@/lib/http/contract';

export { workspacePathSchema };

export const roleSchema = z.enum(WORKSPACE_ROLES);

/** An invitation as its workspace's admins see it. */
export const invitationSchema = z
  .strictObject({
    invitation_id: z.string(),
    workspace_id: z.string(),
    email: z.string(),
    role: roleSchema,
    status: z.enum(['pending', 'accepted', 'declined', 'revoked', 'expired']),
    invited_by: z.string(),
    created_at: isoInstant.nullable(),
    expires_at: isoInstant.nullable(),
  })
  .meta({ id: 'Invitation' });

export const memberSchema = z
  .strictObject({
    user_id: z.string(),
    role: roleSchema,
    email: z.string().nullable(),
    joined_at: isoInstant.nullable(),
  })
  .meta({ id: 'WorkspaceMember' });

/** A key as listed: never its secret or hash. */
export const apiKeySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    created_by: z.string().nullable(),
    created_at: isoInstant.nullable(),
    expires_at: isoInstant.nullable(),
    last_used_at: isoInstant.nullable(),
    revoked_at: isoInstant.nullable(),
  })
  .meta({ id: 'ApiKey' });
