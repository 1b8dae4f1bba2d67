// Set-based fills for benchmarks at volume: ledger rows and hourly rollups shaped like what the
// webhook writes (a SendGrid message's five events, a realistic raw payload, counted and mapped),
// inserted with generate_series because a million rows through the webhook would take an hour.
import type { Database } from '../../src/lib/db';

const FILL_CHUNK = 500_000; // one statement per chunk keeps each transaction's WAL bounded

export interface LedgerFill {
  workspaceId: string;
  /** Row numbers [from, to): each fill of a run continues the numbering, so ids never collide. */
  from: number;
  to: number;
  /** received_at of row n is firstReceivedAt + (n - from) * step (occurred_at 20 s earlier). */
  firstReceivedAt: Date;
  stepMs: number;
  /** Objects (messages) are mapped to this many variants of one A/B test. */
  variants: number;
  abTestId: string;
}

/** Ledger rows plus their objects' attribution rows, as counted events of mapped messages. */
export async function fillLedger(db: Database, fill: LedgerFill): Promise<void> {
  for (let from = fill.from; from < fill.to; from += FILL_CHUNK) {
    const to = Math.min(fill.to, from + FILL_CHUNK);
    const firstReceivedAt = new Date(fill.firstReceivedAt.getTime() + (from - fill.from) * fill.stepMs);
    await db.query(
      `insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, provider_event_type,
         provider_object_id, channel, occurred_at, received_at, quantity, recipient_hash, raw_payload, signature_verified,
         processed, processed_at, applied_at, created_at)
       select $1, 'sendgrid', 'fill-' || n, k.event_type, k.kind, 'fill-msg-' || (n / 5), 'email',
              t.received_at - interval '20 seconds', t.received_at, 1, t.hash,
              jsonb_build_object(
                'circuit_execution_id', 'exec-fill', 'ab_test_id', $6::uuid,
                'variant_id', ('00000000-0000-4000-8000-' || lpad(((n / 5) % $7 + 1)::text, 12, '0'))::uuid,
                'email', 'sha256:' || t.hash, 'timestamp', extract(epoch from t.received_at)::bigint - 20,
                'event', k.kind, 'sg_event_id', 'fill-' || n,
                'sg_message_id', 'fill-msg-' || (n / 5) || '.filterdrecv-3757-2-A431D9B9-56.0',
                'smtp-id', '<fill-msg-' || (n / 5) || '@geopod-ismtpd-5>', 'category', 'newsletter',
                'pool', jsonb_build_object('name', 'transactional', 'id', 210)),
              true, true, t.received_at, t.received_at, t.received_at
       from generate_series($2::bigint, $3::bigint - 1) n
       cross join lateral (select (array['email_sent','email_delivered','email_open','email_open','email_click'])[n % 5 + 1] as event_type,
                                  (array['processed','delivered','open','open','click'])[n % 5 + 1] as kind) k
       cross join lateral (select $4::timestamptz + (n - $2) * $5::interval as received_at,
                                  md5((n / 5)::text) || md5('r' || (n / 5)) as hash) t`,
      [fill.workspaceId, from, to, firstReceivedAt.toISOString(), `${fill.stepMs} milliseconds`, fill.abTestId, fill.variants],
    );
    // Every fifth row starts a message: its object is mapped, as self-attribution would have left it.
    await db.query(
      `insert into metrics_attribution_map (workspace_id, provider, provider_object_id, circuit_execution_id, ab_test_id,
         variant_id, channel, platform, recipient_hash, status, mapped_at, created_at)
       select $1, 'sendgrid', 'fill-msg-' || m, 'exec-fill', $5::uuid,
              ('00000000-0000-4000-8000-' || lpad((m % $6 + 1)::text, 12, '0'))::uuid, 'email', 'sendgrid',
              md5(m::text) || md5('r' || m), 'mapped', t, t
       from generate_series(($2::bigint + 4) / 5, ($3::bigint + 4) / 5 - 1) m
       cross join lateral (select $4::timestamptz + (m * 5 - $2) * $7::interval as t) x
       on conflict do nothing`,
      [fill.workspaceId, from, to, firstReceivedAt.toISOString(), fill.abTestId, fill.variants, `${fill.stepMs} milliseconds`],
    );
  }
}

export const variantUuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const abTestUuid = (n: number) => `00000000-0000-4000-8000-0000000a${String(n).padStart(4, '0')}`;

/**
 * `hours` hourly email rollups for each variant, ending at `lastHour`: variants 1..variants split
 * over A/B tests of `variantsPerTest` each (abTestUuid(1), abTestUuid(2), ...).
 */
export async function fillRollups(
  db: Database,
  options: { workspaceId: string; variants: number; variantsPerTest: number; hours: number; lastHour: Date },
): Promise<void> {
  const perStatement = Math.max(1, Math.floor(FILL_CHUNK / options.hours));
  for (let first = 1; first <= options.variants; first += perStatement) {
    const last = Math.min(options.variants, first + perStatement - 1);
    await db.query(
      `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
         email_sent, email_delivered, email_bounced, email_opened, email_clicked)
       select $1, 'exec-' || (v % 5), ('00000000-0000-4000-8000-0000000a' || lpad(((v - 1) / $4 + 1)::text, 4, '0'))::uuid,
              ('00000000-0000-4000-8000-' || lpad(v::text, 12, '0'))::uuid, 'email',
              $5::timestamptz - make_interval(hours => h), 100, 97, 3, 30 + (h % 7), 5 + (v % 3)
       from generate_series($2::int, $3::int) v, generate_series(0, $6::int - 1) h`,
      [options.workspaceId, first, last, options.variantsPerTest, options.lastHour.toISOString(), options.hours],
    );
  }
}

export interface RelationSize {
  name: string;
  bytes: number;
}

/** Heap (with TOAST) and each index of a table, in bytes. */
export async function tableSizes(db: Database, table: string): Promise<{ heap: number; indexes: RelationSize[] }> {
  const [heap] = await db.query<{ bytes: string }>(`select pg_table_size($1::regclass)::text as bytes`, [table]);
  const indexes = await db.query<{ name: string; bytes: string }>(
    `select indexrelid::regclass::text as name, pg_relation_size(indexrelid)::text as bytes
     from pg_index where indrelid = $1::regclass order by 1`,
    [table],
  );
  return { heap: Number(heap!.bytes), indexes: indexes.map((i) => ({ name: i.name, bytes: Number(i.bytes) })) };
}
