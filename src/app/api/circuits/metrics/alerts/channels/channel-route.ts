// What every …/alerts/channels/<id>/… route reads first: the workspace (?workspaceId=) and the
// channel (the path segment), each checked, 400 naming the bad one.
import { z } from 'zod';
import { workspaceQuerySchema } from '@/lib/http/contract';

export const channelQuerySchema = workspaceQuerySchema;
export const channelParamsSchema = z.object({ channelId: z.guid({ message: 'channel id must be a UUID' }) });
