// SendGrid backfill: Email Activity API (GET /v3/messages). It has no cursor, so the window is
// paged by halving: a time slice that returns a full page is split until each slice fits.
import { z } from 'zod';
import { hashEmail, parseTimestamp, type EnvBag } from '../kit/provider';
import { sendGridMessageId } from './webhook';
import {
  baseUrl,
  missingConfig,
  parseResponse,
  readCount,
  readCursor,
  readEnv,
  type BackfillContext,
  type BackfillPage,
  type BackfillProviderClient,
  type BackfillRecord,
} from '../kit/backfill-client';

export const SENDGRID_API_BASE_URL = 'https://api.sendgrid.com';
/** The API's maximum page size; a slice that returns this many may hold more. */
export const SENDGRID_MESSAGES_LIMIT = 1000;
const LABEL = 'SendGrid Email Activity API';
const ENDPOINT = 'GET /v3/messages';

const messageSchema = z
  .object({
    msg_id: z.string().min(1).max(512),
    to_email: z.string().nullish(),
    status: z.string(),
    opens_count: z.number().nullish(),
    clicks_count: z.number().nullish(),
    last_event_time: z.string().nullish(),
  })
  .loose();
const responseSchema = z.object({ messages: z.array(messageSchema) }).loose();
type ActivityMessage = z.output<typeof messageSchema>;

/** Slices still to fetch, as inclusive [from, to] epoch seconds; the last one is next. */
const cursorSchema = z.object({
  slices: z.array(z.tuple([z.number().int(), z.number().int()])).max(64),
  done_seconds: z.number().nonnegative(),
});
type Cursor = z.output<typeof cursorSchema>;

const isoSeconds = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** The Email Activity query language; BETWEEN is inclusive at both ends. */
export function activityQuery(fromSeconds: number, toSeconds: number): string {
  return `last_event_time BETWEEN TIMESTAMP "${isoSeconds(fromSeconds)}" AND TIMESTAMP "${isoSeconds(toSeconds)}"`;
}

function toRecord(message: ActivityMessage, fallbackTime: string): BackfillRecord | null {
  // The Mail Send X-Message-Id is what webhooks attribute by; msg_id carries it as a prefix.
  const objectId = sendGridMessageId({ sg_message_id: message.msg_id });
  if (objectId === null) return null;
  const opens = readCount(message.opens_count) ?? 0;
  const clicks = readCount(message.clicks_count) ?? 0;
  return {
    recordId: message.msg_id,
    objectId,
    // One X-Message-Id covers every recipient of a send; activity is listed per recipient.
    recipientHash: message.to_email ? hashEmail(message.to_email) : null,
    occurredAt: parseTimestamp(message.last_event_time) ?? fallbackTime,
    totals: {
      // Every listed message was processed; dropped and bounced ones are not_delivered.
      email_sent: { value: 1, field: 'status' },
      email_delivered: { value: message.status === 'delivered' ? 1 : 0, field: 'status' },
      email_open: { value: opens, field: 'opens_count' },
      email_click: { value: clicks, field: 'clicks_count' },
    },
    source: { msg_id: message.msg_id, status: message.status, last_event_time: message.last_event_time ?? null },
  };
}

async function* pages(apiKey: string, base: string, ctx: BackfillContext, saved: unknown): AsyncGenerator<BackfillPage, void, undefined> {
  const startSeconds = Math.floor(ctx.window.start.getTime() / 1000);
  const endSeconds = Math.floor(ctx.window.end.getTime() / 1000) - 1;
  const totalSeconds = endSeconds - startSeconds + 1;
  let state: Cursor = readCursor(cursorSchema, saved) ?? { slices: [[startSeconds, endSeconds]], done_seconds: 0 };

  while (state.slices.length > 0) {
    const slice = state.slices[state.slices.length - 1];
    if (!slice) break;
    const [from, to] = slice;
    const rest = state.slices.slice(0, -1);
    const url = new URL(`${base}/v3/messages`);
    url.searchParams.set('query', activityQuery(from, to));
    url.searchParams.set('limit', String(SENDGRID_MESSAGES_LIMIT));
    const body = await ctx.http.getJson(url, { authorization: `Bearer ${apiKey}` }, ENDPOINT);
    const { messages } = parseResponse(responseSchema, body, LABEL, ENDPOINT);

    if (messages.length >= SENDGRID_MESSAGES_LIMIT && from < to) {
      const mid = Math.floor((from + to) / 2);
      // The earlier half is fetched next; the later one waits on the stack.
      state = { slices: [...rest, [mid + 1, to], [from, mid]], done_seconds: state.done_seconds };
      continue;
    }
    const warnings =
      messages.length >= SENDGRID_MESSAGES_LIMIT
        ? [
            `SendGrid listed ${SENDGRID_MESSAGES_LIMIT}+ messages with last_event_time ${isoSeconds(from)}; only the first ${SENDGRID_MESSAGES_LIMIT} were read`,
          ]
        : [];
    state = { slices: rest, done_seconds: state.done_seconds + (to - from + 1) };
    const fallback = new Date(from * 1000).toISOString();
    yield {
      records: messages.map((m) => toRecord(m, fallback)).filter((r): r is BackfillRecord => r !== null),
      cursor: state.slices.length > 0 ? state : null,
      fraction: Math.min(1, state.done_seconds / totalSeconds),
      warnings,
    };
  }
}

export const sendgridBackfillClient: BackfillProviderClient = {
  provider: 'sendgrid',
  label: LABEL,
  envVars: ['SENDGRID_API_KEY', 'SENDGRID_API_BASE_URL'],
  open(env: EnvBag) {
    const apiKey = readEnv(env, 'SENDGRID_API_KEY');
    if (apiKey === null) return missingConfig('SendGrid', ['SENDGRID_API_KEY']);
    const base = baseUrl(env, 'SENDGRID_API_BASE_URL', SENDGRID_API_BASE_URL);
    return { pages: (ctx, cursor) => pages(apiKey, base, ctx, cursor) };
  },
};
