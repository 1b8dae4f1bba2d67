// Message-level ledger data for decision tests: mapped messages of an A/B test variant (SendGrid
// unless told) and their applied events, written in two set-based statements (as ingestion leaves them: a mapping row
// per message, ledger rows with applied_at set), so tests can seed tens of thousands of messages.
import type { Queryable } from '../../src/lib/db';
import type { EngagementClass } from '../../src/lib/decision-circuits/metrics/metrics-types';

export interface SeededMessage {
  /** Delivery time; null for a message whose delivery was never reported. */
  deliveredAt: Date | null;
  /** Delivered events for this message (default 1 when deliveredAt is set): more are provider replays. */
  deliveries?: number;
  openedAt?: Date | null;
  clickedAt?: Date | null;
  complainedAt?: Date | null;
  unsubscribedAt?: Date | null;
  bouncedAt?: Date | null;
  /** The open's / click's class as ingestion would record it; absent: no class (as before classification). */
  openClass?: EngagementClass;
  clickClass?: EngagementClass;
}

export interface SeedOptions {
  provider?: 'sendgrid' | 'mailgun' | 'resend';
}

let batch = 0;

export async function seedMessages(
  db: Queryable,
  workspaceId: string,
  abTestId: string,
  variantId: string,
  messages: SeededMessage[],
  options: SeedOptions = {},
): Promise<void> {
  const provider = options.provider ?? 'sendgrid';
  batch += 1;
  const prefix = `${variantId.slice(0, 8)}-${batch}`;
  const ids = messages.map((_, i) => `${prefix}-m${i}`);
  await db.query(
    `insert into metrics_attribution_map (workspace_id, provider, provider_object_id, circuit_execution_id, ab_test_id, variant_id, channel, status)
     select $1, $5, id, 'exec-seeded', $2, $3, 'email', 'mapped' from unnest($4::text[]) as id`,
    [workspaceId, abTestId, variantId, ids, provider],
  );
  const column = (pick: (m: SeededMessage) => Date | null | undefined) => messages.map((m) => pick(m)?.toISOString() ?? null);
  // The ledger rows, then the hourly rollups the ingest path would have added for them (each seeded
  // message has at most one open and one click, so unique counts equal event counts here).
  await db.query(
    `with seeded as (
       select * from unnest($4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[],
                            $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[])
         as m(id, deliveries, delivered_at, opened_at, clicked_at, complained_at, unsubscribed_at, bounced_at, open_class, click_class)
     ),
     events as (
       select s.id, e.type, e.at, e.n, e.class from seeded s
       cross join lateral (
         select 'email_sent' as type, coalesce(s.delivered_at, s.bounced_at) as at, 1 as n, null::text as class
         union all select 'email_delivered', s.delivered_at, g, null from generate_series(1, s.deliveries) g
         union all select 'email_open', s.opened_at, 1, s.open_class
         union all select 'email_click', s.clicked_at, 1, s.click_class
         union all select 'email_complaint', s.complained_at, 1, null
         union all select 'email_unsubscribe', s.unsubscribed_at, 1, null
         union all select 'email_bounce', s.bounced_at, 1, null
       ) e
       where e.at is not null
     ),
     inserted as (
       insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, raw_payload, occurred_at,
         provider_object_id, channel, processed, processed_at, applied_at, signature_verified, engagement_class, class_signal)
       select $1, $14, id || '-' || type || '-' || n, type, '{}'::jsonb, at, id, 'email', true, now(), now(), true,
              class, case when class is not null then 'seeded' end
       from events
       returning event_type, occurred_at, engagement_class
     )
     insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
       email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed, email_opened, email_clicked,
       email_unique_opened, email_unique_clicked, email_machine_opened, email_bot_clicked,
       email_unique_human_opened, email_unique_human_clicked)
     select $1, 'exec-seeded', $2, $3, 'email', date_trunc('hour', occurred_at),
            count(*) filter (where event_type = 'email_sent'), count(*) filter (where event_type = 'email_delivered'),
            count(*) filter (where event_type = 'email_bounce'), count(*) filter (where event_type = 'email_complaint'),
            count(*) filter (where event_type = 'email_unsubscribe'), count(*) filter (where event_type = 'email_open'),
            count(*) filter (where event_type = 'email_click'), count(*) filter (where event_type = 'email_open'),
            count(*) filter (where event_type = 'email_click'),
            count(*) filter (where event_type = 'email_open' and engagement_class = 'machine'),
            count(*) filter (where event_type = 'email_click' and engagement_class = 'bot'),
            count(*) filter (where event_type = 'email_open' and engagement_class = 'human'),
            count(*) filter (where event_type = 'email_click' and engagement_class = 'human')
     from inserted group by date_trunc('hour', occurred_at)
     on conflict on constraint metrics_rollups_key do update set
       email_sent = metrics_rollups.email_sent + excluded.email_sent,
       email_delivered = metrics_rollups.email_delivered + excluded.email_delivered,
       email_bounced = metrics_rollups.email_bounced + excluded.email_bounced,
       email_complained = metrics_rollups.email_complained + excluded.email_complained,
       email_unsubscribed = metrics_rollups.email_unsubscribed + excluded.email_unsubscribed,
       email_opened = metrics_rollups.email_opened + excluded.email_opened,
       email_clicked = metrics_rollups.email_clicked + excluded.email_clicked,
       email_unique_opened = metrics_rollups.email_unique_opened + excluded.email_unique_opened,
       email_unique_clicked = metrics_rollups.email_unique_clicked + excluded.email_unique_clicked,
       email_machine_opened = metrics_rollups.email_machine_opened + excluded.email_machine_opened,
       email_bot_clicked = metrics_rollups.email_bot_clicked + excluded.email_bot_clicked,
       email_unique_human_opened = metrics_rollups.email_unique_human_opened + excluded.email_unique_human_opened,
       email_unique_human_clicked = metrics_rollups.email_unique_human_clicked + excluded.email_unique_human_clicked`,
    [
      workspaceId,
      abTestId,
      variantId,
      ids,
      messages.map((m) => (m.deliveredAt ? (m.deliveries ?? 1) : 0)),
      column((m) => m.deliveredAt),
      column((m) => m.openedAt),
      column((m) => m.clickedAt),
      column((m) => m.complainedAt),
      column((m) => m.unsubscribedAt),
      column((m) => m.bouncedAt),
      messages.map((m) => m.openClass ?? null),
      messages.map((m) => m.clickClass ?? null),
      provider,
    ],
  );
}

export const HOUR_MS = 3_600_000;

/** Milliseconds in `n` hours. */
export function hours(n: number): number {
  return n * HOUR_MS;
}
