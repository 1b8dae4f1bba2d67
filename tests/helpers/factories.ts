import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/lib/db';
import type { MetricsEventType, MetricsProvider, NormalizedEvent } from '../../src/lib/decision-circuits/metrics';
import { PROVIDER_CHANNEL } from '../../src/lib/decision-circuits/metrics';

export async function createWorkspace(db: Queryable, name = 'Workspace'): Promise<string> {
  const [row] = await db.query<{ id: string }>('insert into workspaces (name) values ($1) returning id', [name]);
  if (!row) throw new Error('workspace not created');
  return row.id;
}

export async function addMember(db: Queryable, workspaceId: string, userId = randomUUID(), role = 'member'): Promise<string> {
  await db.query('insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)', [workspaceId, userId, role]);
  return userId;
}

export function claimsFor(userId: string): Record<string, unknown> {
  return { sub: userId, role: 'authenticated', aud: 'authenticated' };
}

let counter = 0;

/** A normalised event as a provider module would produce it. */
export function makeEvent(overrides: Partial<NormalizedEvent> & { event_type?: MetricsEventType } = {}): NormalizedEvent {
  counter += 1;
  const provider: MetricsProvider = overrides.provider ?? 'sendgrid';
  return {
    provider,
    provider_event_id: `evt-${counter}-${randomUUID()}`,
    provider_object_id: 'msg-1',
    event_type: 'email_delivered',
    provider_event_type: 'delivered',
    channel: PROVIDER_CHANNEL[provider],
    occurred_at: '2025-03-02T10:15:00.000Z',
    quantity: 1,
    recipient_hash: null,
    recipient_identifier: null,
    attribution: null,
    raw_payload: { test: true },
    ...overrides,
  };
}

/** One Meta page `entry` with n new comments (commenter name and text included, as Meta sends them). */
export function metaPageCommentEntry(page: string, n: number) {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: page,
    time: now,
    changes: Array.from({ length: n }, (_, i) => ({
      field: 'feed',
      value: {
        item: 'comment',
        verb: 'add',
        post_id: `${page}_1`,
        comment_id: `${page}_${randomUUID().slice(0, 8)}${i}`,
        from: { id: '7', name: 'Commenter Name' },
        created_time: now - 30,
        message: 'private comment text',
      },
    })),
  };
}

/** `n` SendGrid delivered events of just now, each its own message, attributed to one test variant. */
export function sendgridDelivered(n: number, abTestId: string, variantId: string, circuitExecutionId = 'exec-live'): object[] {
  return Array.from({ length: n }, () => ({
    email: 'x@example.com',
    timestamp: Math.floor(Date.now() / 1000) - 30,
    event: 'delivered',
    sg_event_id: randomUUID(),
    sg_message_id: `${randomUUID()}.filter0001`,
    circuit_execution_id: circuitExecutionId,
    ab_test_id: abTestId,
    variant_id: variantId,
  }));
}
