// Mailgun backfill: the Events API (GET /v3/<domain>/events), oldest first over the job's window,
// paged by following `paging.next` until a page comes back empty.
//
// The API lists events, while top-ups compare totals per message and recipient with the ledger
// (backfill/topup.ts). Each page therefore reports, for every message and recipient it touches,
// the running total of that pair since this run started reading: exact when a job finishes in one
// run. After a pause the next run counts again from where it resumes, so a pair with events on
// both sides of the pause gets a lower bound; a top-up never exceeds what Mailgun listed.
import { z } from 'zod';
import type { CountedEventType } from '../kit/backfill-client';
import {
  baseUrl,
  missingConfig,
  parseResponse,
  readCursor,
  readEnv,
  type BackfillContext,
  type BackfillPage,
  type BackfillProviderClient,
  type BackfillRecord,
} from '../kit/backfill-client';
import { ProviderApiError } from '../kit/backfill-http';
import { extractAddress, hashEmail, mapEventType, type EnvBag } from '../kit/provider';
import { MAILGUN, mailgunEventKey } from './facts';
import { normalizeMessageId } from './webhook';

export const MAILGUN_API_BASE_URL = 'https://api.mailgun.net';
export const MAILGUN_EU_API_BASE_URL = 'https://api.eu.mailgun.net';
/** The Events API's largest page. */
export const MAILGUN_EVENTS_LIMIT = 300;
/** Message/recipient pairs one run keeps totals for; past it the oldest pair starts again from zero. */
export const MAILGUN_RUNNING_PAIRS_LIMIT = 100_000;
/** The events that count somewhere (filtering them server-side skips stored, rejected, list events). */
export const MAILGUN_COUNTED_EVENTS = ['accepted', 'delivered', 'failed', 'opened', 'clicked', 'complained', 'unsubscribed'] as const;

const LABEL = 'Mailgun Events API';
const ENDPOINT = 'GET /v3/<domain>/events';

const eventSchema = z
  .object({
    id: z.string().max(512).nullish(),
    event: z.string(),
    timestamp: z.number(),
    recipient: z.string().nullish(),
    severity: z.string().nullish(),
    message: z
      .object({ headers: z.object({ 'message-id': z.string().nullish() }).loose().nullish() })
      .loose()
      .nullish(),
  })
  .loose();
const responseSchema = z
  .object({
    items: z.array(eventSchema),
    paging: z.object({ next: z.string().nullish() }).loose().nullish(),
  })
  .loose();
type MailgunEvent = z.output<typeof eventSchema>;

/** The next page as a path on the API host (never a full URL: the key goes only to the configured host). */
const cursorSchema = z.object({ page: z.string().min(1).max(4096), reached_ms: z.number() });

interface Pair {
  objectId: string;
  recipientHash: string | null;
  firstAtMs: number;
  firstEventId: string | null;
  counts: Map<CountedEventType, { value: number; field: string }>;
}

function countedKind(event: MailgunEvent): { kind: CountedEventType; field: string } | null {
  if (event.event.includes(':')) return null;
  const key = mailgunEventKey(event.event, event.severity?.toLowerCase() ?? null);
  const kind = mapEventType(MAILGUN.events, key);
  return kind === 'provider_only' ? null : { kind, field: `event:${key}` };
}

function toRecord(pair: Pair): BackfillRecord {
  const totals: BackfillRecord['totals'] = {};
  for (const [kind, total] of pair.counts) totals[kind] = { ...total };
  return {
    recordId: `${pair.objectId}|${pair.recipientHash ?? ''}`,
    objectId: pair.objectId,
    recipientHash: pair.recipientHash,
    occurredAt: new Date(pair.firstAtMs).toISOString(),
    totals,
    source: { message_id: pair.objectId, first_event_id: pair.firstEventId, first_event_at: new Date(pair.firstAtMs).toISOString() },
  };
}

interface Config {
  apiKey: string;
  domain: string;
  base: URL;
}

function eventsPath(config: Config): string {
  return `${config.base.pathname.replace(/\/+$/, '')}/v3/${encodeURIComponent(config.domain)}/events`;
}

function firstPage(config: Config, ctx: BackfillContext): URL {
  const url = new URL(eventsPath(config), config.base);
  url.searchParams.set('begin', String(Math.floor(ctx.window.start.getTime() / 1000)));
  url.searchParams.set('end', String(Math.ceil(ctx.window.end.getTime() / 1000)));
  url.searchParams.set('ascending', 'yes');
  url.searchParams.set('limit', String(MAILGUN_EVENTS_LIMIT));
  url.searchParams.set('event', MAILGUN_COUNTED_EVENTS.join(' OR '));
  return url;
}

/** A page path on the configured host under this domain's events, else null. */
function pageUrl(config: Config, page: string): URL | null {
  try {
    const url = new URL(page, config.base);
    return url.origin === config.base.origin && url.pathname.startsWith(`${eventsPath(config)}/`) ? url : null;
  } catch {
    return null;
  }
}

async function* pages(config: Config, ctx: BackfillContext, saved: unknown): AsyncGenerator<BackfillPage, void, undefined> {
  const startMs = ctx.window.start.getTime();
  const endMs = ctx.window.end.getTime();
  const span = Math.max(1, endMs - startMs);
  const cursor = readCursor(cursorSchema, saved);
  const resumed = cursor === null ? null : pageUrl(config, cursor.page);
  let url = resumed ?? firstPage(config, ctx);
  let reachedMs = resumed !== null && cursor !== null ? cursor.reached_ms : startMs;
  const authorization = `Basic ${Buffer.from(`api:${config.apiKey}`).toString('base64')}`;
  const running = new Map<string, Pair>();
  let evicted = false;

  for (;;) {
    const body = await ctx.http.getJson(url, { authorization }, ENDPOINT);
    const page = parseResponse(responseSchema, body, LABEL, ENDPOINT);
    const touched = new Set<string>();
    const warnings: string[] = [];
    let withoutMessageId = 0;
    let pastEnd = false;

    for (const event of page.items) {
      const atMs = event.timestamp * 1000;
      if (!Number.isFinite(atMs) || atMs < startMs) continue;
      if (atMs >= endMs) {
        // Oldest first: everything after this one is past the window too.
        pastEnd = true;
        break;
      }
      reachedMs = Math.max(reachedMs, atMs);
      const counted = countedKind(event);
      if (counted === null) continue;
      const objectId = normalizeMessageId(event.message?.headers?.['message-id']);
      if (objectId === null) {
        withoutMessageId += 1;
        continue;
      }
      const recipient = extractAddress(event.recipient);
      const recipientHash = recipient === null ? null : hashEmail(recipient);
      const key = `${objectId}\n${recipientHash ?? ''}`;
      let pair = running.get(key);
      if (pair === undefined) {
        if (running.size >= MAILGUN_RUNNING_PAIRS_LIMIT) {
          // The least recently touched pair goes (never one of this page: a page is far smaller).
          const stalest = running.keys().next().value;
          if (stalest !== undefined) running.delete(stalest);
          evicted = true;
        }
        pair = { objectId, recipientHash, firstAtMs: atMs, firstEventId: event.id ?? null, counts: new Map() };
      } else {
        running.delete(key);
      }
      running.set(key, pair);
      const total = pair.counts.get(counted.kind);
      pair.counts.set(counted.kind, { value: (total?.value ?? 0) + 1, field: counted.field });
      touched.add(key);
    }

    if (withoutMessageId > 0) warnings.push(`${withoutMessageId} Mailgun events named no message-id; skipped`);
    if (evicted) {
      warnings.push(
        `More than ${MAILGUN_RUNNING_PAIRS_LIMIT} messages in one run: the least recently seen restart from zero (lower bounds)`,
      );
      evicted = false;
    }
    const next = page.items.length === 0 || pastEnd ? null : (page.paging?.next ?? null);
    const nextUrl = next === null ? null : pageUrl(config, next);
    if (next !== null && nextUrl === null) {
      throw new ProviderApiError('malformed', `${LABEL} ${ENDPOINT}: paging.next is not a page of this domain's events`);
    }
    const records = [...touched].flatMap((key) => {
      const pair = running.get(key);
      return pair === undefined ? [] : [toRecord(pair)];
    });
    yield {
      records,
      cursor: nextUrl === null ? null : { page: `${nextUrl.pathname}${nextUrl.search}`, reached_ms: reachedMs },
      fraction: nextUrl === null ? 1 : Math.min(1, Math.max(0, (reachedMs - startMs) / span)),
      warnings,
    };
    if (nextUrl === null) return;
    url = nextUrl;
  }
}

export const mailgunBackfill: BackfillProviderClient = {
  provider: MAILGUN.id,
  label: LABEL,
  envVars: ['MAILGUN_API_KEY', 'MAILGUN_DOMAIN', 'MAILGUN_API_BASE_URL'],
  open(env: EnvBag) {
    const apiKey = readEnv(env, 'MAILGUN_API_KEY');
    const domain = readEnv(env, 'MAILGUN_DOMAIN');
    if (apiKey === null || domain === null) {
      return missingConfig('Mailgun', [...(apiKey === null ? ['MAILGUN_API_KEY'] : []), ...(domain === null ? ['MAILGUN_DOMAIN'] : [])]);
    }
    let base: URL;
    try {
      base = new URL(baseUrl(env, 'MAILGUN_API_BASE_URL', MAILGUN_API_BASE_URL));
    } catch {
      return 'Mailgun backfill is not configured: MAILGUN_API_BASE_URL is not a URL';
    }
    return { pages: (ctx, cursor) => pages({ apiKey, domain, base }, ctx, cursor) };
  },
};
