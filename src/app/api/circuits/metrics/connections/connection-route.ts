// What every …/connections/<id>… route reads first: the workspace (?workspaceId=) and the
// connection (the path segment), each checked, 400 naming the bad one.
import { z } from 'zod';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';

export const connectionQuerySchema = workspaceQuerySchema;
export const connectionParamsSchema = z.object({ connectionId: z.guid({ message: 'connection id must be a UUID' }) });
