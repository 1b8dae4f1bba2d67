// What every …/connections/<id>… route reads first: the workspace (?workspaceId=) and the
// connection (the path segment after `connections`), each checked, 400 naming the bad one.
import { z } from 'zod';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { parseQuery } from '@/lib/http/handlers';

const connectionIdSchema = z.guid({ message: 'connection id must be a UUID' });

export function connectionRouteIds(url: URL): { workspaceId: string; connectionId: string } {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  const segments = url.pathname.split('/');
  const connectionId = connectionIdSchema.parse(segments[segments.indexOf('connections') + 1]);
  return { workspaceId, connectionId };
}
