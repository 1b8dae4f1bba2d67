// Packs events into webhook deliveries the way each provider sends them: SendGrid batches per
// server every ~30 s, Resend one event per request, Meta envelopes of entries, LinkedIn batches
// of up to 10, plus provider-style retries (identical body) and SendGrid's at-least-once duplicates.
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { EmailSimulation } from './email-simulation';
import { simulationOf } from './provider-simulation';
import type { CampaignOptions, EventDraft, SimDelivery } from './campaign-model';
import { sendGridBatchBody, svixMessageId } from './provider-payloads';
import type { Rng } from '../../src/lib/random/seeded-rng';
import { linkedInEnvelope, metaEnvelope, type MetaEntry } from './provider-payloads';

const SECOND_MS = 1000;
export const SENDGRID_FLUSH_MS = 30 * SECOND_MS;
export const SENDGRID_SERVERS = 2;
/** Events per SendGrid POST (the real cap is ~768 KB; a few thousand events). */
export const SENDGRID_MAX_BATCH = 1000;
export const META_MAX_CHANGES_PER_POST = 50;
export const LINKEDIN_MAX_PER_POST = 10;

const offsetOf = (draft: EventDraft, startMs: number) => draft.event.occurredAtMs - startMs;

function delivery(
  atMs: number,
  provider: MetricsProvider,
  body: string,
  drafts: readonly EventDraft[],
  deliveryId: string | null = null,
): SimDelivery {
  return { atMs: Math.floor(atMs), provider, body, deliveryId, eventKeys: drafts.map((d) => d.event.key), kind: 'first' };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Each SendGrid server buffers events and flushes every ~30 s; a few events show up twice. */
function packSendGrid(rng: Rng, drafts: readonly EventDraft[], startMs: number, duplicateRate: number): SimDelivery[] {
  const phases = Array.from({ length: SENDGRID_SERVERS }, () => rng.between(0, SENDGRID_FLUSH_MS));
  const batches = new Map<string, { at: number; drafts: EventDraft[] }>();
  const put = (server: number, readyAt: number, draft: EventDraft, skipFlushes = 0) => {
    const phase = phases[server] ?? 0;
    const flush = Math.max(0, Math.ceil((readyAt - phase) / SENDGRID_FLUSH_MS)) + skipFlushes;
    const key = `${server}:${flush}`;
    const batch = batches.get(key) ?? { at: phase + flush * SENDGRID_FLUSH_MS + rng.between(0, 2) * SECOND_MS, drafts: [] };
    batch.drafts.push(draft);
    batches.set(key, batch);
  };
  for (const draft of drafts) {
    const server = rng.int(0, SENDGRID_SERVERS - 1);
    const readyAt = offsetOf(draft, startMs) + rng.between(0.5, 5) * SECOND_MS;
    put(server, readyAt, draft);
    if (rng.chance(duplicateRate)) put((server + 1) % SENDGRID_SERVERS, readyAt, draft, rng.int(1, 6));
  }
  const out: SimDelivery[] = [];
  for (const batch of batches.values()) {
    const ordered = [...batch.drafts].sort((a, b) => a.event.occurredAtMs - b.event.occurredAtMs);
    for (const part of chunks(ordered, SENDGRID_MAX_BATCH)) {
      out.push(delivery(batch.at, 'sendgrid', sendGridBatchBody(part.map((d) => d.payload)), part));
    }
  }
  // A duplicate is an event that already went out in an earlier batch.
  const seen = new Set<string>();
  out.sort((a, b) => a.atMs - b.atMs);
  for (const d of out) {
    if (d.eventKeys.some((key) => seen.has(key))) d.kind = 'duplicate';
    d.eventKeys.forEach((key) => seen.add(key));
  }
  return out;
}

/** Resend (Svix) posts every event on its own, with a fresh svix-id per message. */
function packResend(rng: Rng, drafts: readonly EventDraft[], startMs: number): SimDelivery[] {
  return drafts.map((draft) =>
    delivery(
      offsetOf(draft, startMs) + rng.between(0.2, 2) * SECOND_MS,
      'resend',
      JSON.stringify(draft.payload),
      [draft],
      svixMessageId(rng),
    ),
  );
}

/** Drafts ready at their time plus a lag, flushed at irregular intervals. */
function flushGroups(
  rng: Rng,
  drafts: readonly EventDraft[],
  startMs: number,
  everyMs: [number, number],
): { at: number; drafts: EventDraft[] }[] {
  const ready = drafts
    .map((draft) => ({ draft, at: offsetOf(draft, startMs) + rng.between(0.5, 3) * SECOND_MS }))
    .sort((a, b) => a.at - b.at);
  const groups: { at: number; drafts: EventDraft[] }[] = [];
  let flushAt = rng.between(everyMs[0], everyMs[1]);
  let current: EventDraft[] = [];
  for (const item of ready) {
    while (item.at > flushAt) {
      if (current.length > 0) groups.push({ at: flushAt, drafts: current });
      current = [];
      flushAt += rng.between(everyMs[0], everyMs[1]);
    }
    current.push(item.draft);
  }
  if (current.length > 0) groups.push({ at: flushAt, drafts: current });
  return groups;
}

function packMeta(rng: Rng, provider: 'facebook' | 'instagram', drafts: readonly EventDraft[], startMs: number): SimDelivery[] {
  const out: SimDelivery[] = [];
  for (const group of flushGroups(rng, drafts, startMs, [4 * SECOND_MS, 12 * SECOND_MS])) {
    for (const part of chunks(group.drafts, META_MAX_CHANGES_PER_POST)) {
      const object = part[0]?.meta?.object ?? (provider === 'facebook' ? 'page' : 'instagram');
      const entries: MetaEntry[] = [];
      const shared = new Map<string, MetaEntry>();
      for (const draft of part) {
        const entryId = draft.meta?.entryId ?? '0';
        if (draft.meta?.ownEntry) {
          // The entry's time is the change's only date (Instagram comments have none of their own).
          entries.push({ id: entryId, time: Math.floor(draft.event.occurredAtMs / 1000), changes: [draft.payload] });
          continue;
        }
        let entry = shared.get(entryId);
        if (!entry) {
          entry = { id: entryId, time: Math.floor((startMs + group.at) / 1000), changes: [] };
          shared.set(entryId, entry);
          entries.push(entry);
        }
        entry.changes.push(draft.payload);
      }
      out.push(delivery(group.at, provider, JSON.stringify(metaEnvelope(object, entries)), part));
    }
  }
  return out;
}

function packLinkedIn(rng: Rng, drafts: readonly EventDraft[], startMs: number): SimDelivery[] {
  const out: SimDelivery[] = [];
  for (const group of flushGroups(rng, drafts, startMs, [5 * SECOND_MS, 15 * SECOND_MS])) {
    for (const part of chunks(group.drafts, LINKEDIN_MAX_PER_POST)) {
      out.push(delivery(group.at, 'linkedin', JSON.stringify(linkedInEnvelope(part.map((d) => d.payload))), part));
    }
  }
  return out;
}

/** Any other email provider, as its folder describes it: one event per request, or flushed batches. */
function packSimulated(
  rng: Rng,
  provider: MetricsProvider,
  simulation: EmailSimulation,
  drafts: readonly EventDraft[],
  startMs: number,
): SimDelivery[] {
  if (simulation.maxEventsPerDelivery <= 1) {
    return drafts.map((draft) =>
      delivery(
        offsetOf(draft, startMs) + rng.between(0.2, 2) * SECOND_MS,
        provider,
        simulation.deliveryBody([draft.payload]),
        [draft],
        simulation.newDeliveryId?.(rng) ?? null,
      ),
    );
  }
  const out: SimDelivery[] = [];
  for (const group of flushGroups(rng, drafts, startMs, [5 * SECOND_MS, 30 * SECOND_MS])) {
    for (const part of chunks(group.drafts, simulation.maxEventsPerDelivery)) {
      const body = simulation.deliveryBody(part.map((d) => d.payload));
      out.push(delivery(group.at, provider, body, part, simulation.newDeliveryId?.(rng) ?? null));
    }
  }
  return out;
}

/** When each provider tries again after a delivery it believes failed (identical body). */
const RETRY_DELAYS_MS: Partial<Record<MetricsProvider, readonly number[]>> = {
  sendgrid: [10 * SECOND_MS, 60 * SECOND_MS, 300 * SECOND_MS],
  resend: [0.5 * SECOND_MS, 5 * SECOND_MS, 300 * SECOND_MS],
  facebook: [2 * SECOND_MS, 30 * SECOND_MS, 120 * SECOND_MS],
  instagram: [2 * SECOND_MS, 30 * SECOND_MS, 120 * SECOND_MS],
  linkedin: [300 * SECOND_MS],
};

/**
 * Adds a provider retry for a share of deliveries, at one of the provider's documented delays that
 * still falls inside the campaign (Mailgun's run to 4 hours, which in a one-hour campaign would
 * leave the run idle, in real time, long after its last event); with none that fits, at its end.
 */
function withRetries(rng: Rng, deliveries: readonly SimDelivery[], retryRate: number, durationMs: number): SimDelivery[] {
  const out = [...deliveries];
  for (const original of deliveries) {
    if (!rng.chance(retryRate)) continue;
    const delays = RETRY_DELAYS_MS[original.provider] ?? simulationOf(original.provider)?.retryDelaysMs ?? [60 * SECOND_MS];
    const fitting = delays.filter((delay) => original.atMs + delay <= durationMs);
    const atMs = fitting.length > 0 ? original.atMs + rng.pick(fitting) : Math.max(original.atMs, durationMs);
    out.push({ ...original, atMs: Math.floor(atMs), kind: 'retry' });
  }
  return out;
}

/** Every provider's deliveries for the drafts, with retries, sorted by time. */
export function packDeliveries(
  rng: Rng,
  drafts: readonly EventDraft[],
  startMs: number,
  /** The campaign's length: delivery times are offsets from its start. */
  durationMs: number,
  options: Pick<CampaignOptions, 'retryRate' | 'duplicateRate'>,
): SimDelivery[] {
  const byProvider = new Map<MetricsProvider, EventDraft[]>();
  for (const draft of drafts) {
    const list = byProvider.get(draft.event.provider) ?? [];
    list.push(draft);
    byProvider.set(draft.event.provider, list);
  }
  const of = (provider: MetricsProvider) => byProvider.get(provider) ?? [];
  const firsts = [
    ...packSendGrid(rng.fork('sendgrid'), of('sendgrid'), startMs, options.duplicateRate),
    ...packResend(rng.fork('resend'), of('resend'), startMs),
    ...packMeta(rng.fork('facebook'), 'facebook', of('facebook'), startMs),
    ...packMeta(rng.fork('instagram'), 'instagram', of('instagram'), startMs),
    ...packLinkedIn(rng.fork('linkedin'), of('linkedin'), startMs),
    ...[...byProvider].flatMap(([provider, list]) => {
      const simulation = provider in RETRY_DELAYS_MS ? undefined : simulationOf(provider);
      return simulation ? packSimulated(rng.fork(provider), provider, simulation, list, startMs) : [];
    }),
  ];
  return withRetries(rng.fork('retries'), firsts, options.retryRate, durationMs).sort(
    (a, b) => a.atMs - b.atMs || a.provider.localeCompare(b.provider),
  );
}
