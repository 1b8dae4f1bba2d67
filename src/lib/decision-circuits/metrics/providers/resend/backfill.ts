// Resend backfill: GET /emails, newest first, paged with `after=<last id>` while has_more.
// Resend keeps only each email's latest state (last_event), so totals are lower bounds: an
// opened email was at least sent, delivered and opened once. Repeat opens cannot be recovered.
import { z } from 'zod';
import { parseTimestamp, type EnvBag } from '../kit/provider';
import {
  baseUrl,
  fractionFromNewest,
  missingConfig,
  parseResponse,
  readCursor,
  readEnv,
  type BackfillContext,
  type BackfillPage,
  type BackfillProviderClient,
  type BackfillRecord,
  type CountedEventType,
} from '../kit/backfill-client';

export const RESEND_API_BASE_URL = 'https://api.resend.com';
export const RESEND_PAGE_LIMIT = 100;
const LABEL = 'Resend API';
const ENDPOINT = 'GET /emails';

const emailSchema = z
  .object({
    id: z.string().min(1).max(512),
    created_at: z.string(),
    last_event: z.string().nullish(),
  })
  .loose();
const responseSchema = z.object({ has_more: z.boolean(), data: z.array(emailSchema) }).loose();
type ResendEmail = z.output<typeof emailSchema>;

const cursorSchema = z.object({ after: z.string().min(1).max(512) });

/** What each latest state proves happened at least once. */
const IMPLIED_BY_LAST_EVENT: Readonly<Record<string, readonly CountedEventType[]>> = {
  sent: ['email_sent'],
  delivery_delayed: ['email_sent'],
  delivered: ['email_sent', 'email_delivered'],
  opened: ['email_sent', 'email_delivered', 'email_open'],
  // A click without a tracked open is common (images blocked): no open is implied.
  clicked: ['email_sent', 'email_delivered', 'email_click'],
  complained: ['email_sent', 'email_delivered', 'email_complaint'],
  bounced: ['email_sent', 'email_bounce'],
};

function toRecord(email: ResendEmail, createdAt: string): BackfillRecord {
  const implied =
    (email.last_event && Object.hasOwn(IMPLIED_BY_LAST_EVENT, email.last_event) ? IMPLIED_BY_LAST_EVENT[email.last_event] : undefined) ??
    [];
  const totals: BackfillRecord['totals'] = {};
  for (const kind of implied) totals[kind] = { value: 1, field: 'last_event' };
  return {
    recordId: email.id,
    objectId: email.id,
    recipientHash: null,
    occurredAt: createdAt,
    totals,
    source: { email_id: email.id, last_event: email.last_event ?? null, created_at: email.created_at },
  };
}

async function* pages(apiKey: string, base: string, ctx: BackfillContext, saved: unknown): AsyncGenerator<BackfillPage, void, undefined> {
  let after = readCursor(cursorSchema, saved)?.after ?? null;
  const startMs = ctx.window.start.getTime();
  const endMs = ctx.window.end.getTime();
  for (;;) {
    const url = new URL(`${base}/emails`);
    url.searchParams.set('limit', String(RESEND_PAGE_LIMIT));
    if (after !== null) url.searchParams.set('after', after);
    const body = await ctx.http.getJson(url, { authorization: `Bearer ${apiKey}` }, ENDPOINT);
    const page = parseResponse(responseSchema, body, LABEL, ENDPOINT);

    const records: BackfillRecord[] = [];
    let reachedStart = false;
    let oldestMs = endMs;
    const warnings: string[] = [];
    for (const email of page.data) {
      const createdAt = parseTimestamp(email.created_at);
      if (createdAt === null) {
        warnings.push(`Resend email ${email.id} has an unreadable created_at; skipped`);
        continue;
      }
      const ms = Date.parse(createdAt);
      oldestMs = Math.min(oldestMs, ms);
      // Newest first: everything after the first email older than the window is older too.
      if (ms < startMs) {
        reachedStart = true;
        break;
      }
      if (ms < endMs) records.push(toRecord(email, createdAt));
    }
    const last = page.data.at(-1);
    const done = reachedStart || !page.has_more || last === undefined;
    after = last?.id ?? after;
    yield {
      records,
      cursor: done || after === null ? null : { after },
      fraction: done ? 1 : fractionFromNewest(ctx.window, oldestMs),
      warnings,
    };
    if (done) return;
  }
}

export const resendBackfillClient: BackfillProviderClient = {
  provider: 'resend',
  label: LABEL,
  envVars: ['RESEND_API_KEY', 'RESEND_API_BASE_URL'],
  open(env: EnvBag) {
    const apiKey = readEnv(env, 'RESEND_API_KEY');
    if (apiKey === null) return missingConfig('Resend', ['RESEND_API_KEY']);
    const base = baseUrl(env, 'RESEND_API_BASE_URL', RESEND_API_BASE_URL);
    return { pages: (ctx, cursor) => pages(apiKey, base, ctx, cursor) };
  },
};
