// One realistic delivery per provider and event kind, for `npm run webhook:send`.
import type { EventCounter, MetricsProvider } from '../metrics-types';
import {
  RESEND_COUNTER,
  RESEND_EVENT_TYPES,
  SENDGRID_COUNTER,
  SENDGRID_EVENT_KINDS,
  newResendMessage,
  newSendGridMessage,
  recipientAddress,
  resendContactUnsubscribed,
  resendEmailEvent,
  sendGridBatchBody,
  sendGridEvent,
  svixMessageId,
  type SendGridEventKind,
} from './email-payloads';
import { createRng } from './random';
import {
  LINKEDIN_ACTIONS,
  facebookComment,
  facebookReaction,
  facebookShare,
  idSequence,
  instagramComment,
  instagramMention,
  linkedInEnvelope,
  linkedInNotification,
  metaEnvelope,
  newFacebookPost,
  newInstagramMedia,
  newLinkedInPost,
  newSocialActor,
  type Expected,
  type LinkedInAction,
} from './social-payloads';

export const SAMPLE_KINDS: Record<MetricsProvider, readonly string[]> = {
  sendgrid: [...SENDGRID_EVENT_KINDS, 'batch'],
  resend: RESEND_EVENT_TYPES,
  facebook: ['reaction', 'reaction-remove', 'like', 'comment', 'comment-edited', 'comment-remove', 'share'],
  instagram: ['comments', 'live_comments', 'mentions', 'story_insights'],
  linkedin: [...LINKEDIN_ACTIONS, 'batch'],
};

// The normalised words a user is likely to type, per provider.
const ALIASES: Record<MetricsProvider, Record<string, string>> = {
  sendgrid: {
    sent: 'processed',
    bounced: 'bounce',
    opened: 'open',
    clicked: 'click',
    complained: 'spamreport',
    complaint: 'spamreport',
    unsubscribed: 'unsubscribe',
  },
  resend: {
    unsubscribe: 'contact.updated',
    unsubscribed: 'contact.updated',
    bounce: 'email.bounced',
    open: 'email.opened',
    click: 'email.clicked',
    complaint: 'email.complained',
  },
  facebook: { likes: 'reaction', comments: 'comment', unlike: 'reaction-remove' },
  instagram: { comment: 'comments', mention: 'mentions', impressions: 'story_insights' },
  linkedin: { likes: 'LIKE', comments: 'COMMENT', shares: 'SHARE' },
};

/** The provider's own kind for what the user typed (`opened`, `email.opened`, `open` …); null if unknown. */
export function resolveSampleKind(provider: MetricsProvider, input: string): string | null {
  const kinds = SAMPLE_KINDS[provider];
  const wanted = input.trim();
  const direct = kinds.find((kind) => kind.toLowerCase() === wanted.toLowerCase());
  if (direct) return direct;
  const lower = wanted.toLowerCase();
  const alias = ALIASES[provider][lower] ?? (provider === 'resend' ? `email.${lower}` : undefined);
  return alias && kinds.includes(alias) ? alias : null;
}

export interface SampleOptions {
  seed?: string;
  nowMs?: number;
  /** Reuse an object (X-Message-Id, email_id, post id, media id, share URN) across sends. */
  objectId?: string;
  /** Circuit context to carry as SendGrid custom args / Resend tags (self-attribution). */
  attribution?: { circuit_execution_id: string; ab_test_id?: string; variant_id?: string };
  /** The account the delivery is from (Facebook page id, Instagram account id, LinkedIn organization URN): what routes it. */
  accountId?: string;
}

export interface SampleDelivery {
  provider: MetricsProvider;
  kind: string;
  body: string;
  /** Resend's svix-id. */
  deliveryId: string | null;
  /** The attribution key this delivery names (map it through the attribution route). */
  objectId: string | null;
  /** What each event should add to the object's rollup once mapped. */
  expected: { event: string; counter: EventCounter | null; quantity: number }[];
}

function counterLine(event: string, expected: Pick<Expected<unknown>, 'counter' | 'quantity'>) {
  return { event, counter: expected.counter, quantity: expected.quantity };
}

export function buildSampleDelivery(provider: MetricsProvider, kind: string, options: SampleOptions = {}): SampleDelivery {
  const nowMs = options.nowMs ?? Date.now();
  const rng = createRng(options.seed ?? `sample|${nowMs}`);
  const custom = options.attribution ? Object.fromEntries(Object.entries(options.attribution).filter(([, v]) => v)) : null;
  const base = { provider, kind, deliveryId: null as string | null };

  if (provider === 'sendgrid') {
    const message = newSendGridMessage(rng, recipientAddress(rng, 1), custom as Record<string, string> | null);
    if (options.objectId) message.xMessageId = options.objectId;
    const kinds: SendGridEventKind[] = kind === 'batch' ? ['processed', 'delivered', 'open', 'click'] : [kind as SendGridEventKind];
    const events = kinds.map((k, i) => sendGridEvent(rng, message, k, nowMs - (kinds.length - i) * 20_000));
    return {
      ...base,
      body: sendGridBatchBody(events),
      objectId: message.xMessageId,
      expected: kinds.map((k) => ({ event: k, counter: SENDGRID_COUNTER[k], quantity: 1 })),
    };
  }
  if (provider === 'resend') {
    const deliveryId = svixMessageId(rng);
    const email = recipientAddress(rng, 1);
    if (kind === 'contact.updated') {
      return {
        ...base,
        deliveryId,
        body: JSON.stringify(resendContactUnsubscribed(rng, email, nowMs)),
        objectId: null,
        expected: [{ event: kind, counter: null, quantity: 1 }],
      };
    }
    const type = kind as Exclude<(typeof RESEND_EVENT_TYPES)[number], 'contact.updated'>;
    const message = newResendMessage(rng, email, nowMs - 60_000, custom as Record<string, string> | null);
    if (options.objectId) message.emailId = options.objectId;
    return {
      ...base,
      deliveryId,
      body: JSON.stringify(resendEmailEvent(rng, message, type, nowMs)),
      objectId: message.emailId,
      expected: [{ event: type, counter: RESEND_COUNTER[type], quantity: 1 }],
    };
  }
  if (provider === 'facebook') {
    const pageId = options.accountId ?? options.objectId?.split('_')[0] ?? rng.digits(15);
    const post = options.objectId ? { pageId, postId: options.objectId } : newFacebookPost(rng, pageId);
    const actor = newSocialActor(rng, idSequence(rng, 13));
    const commentId = `${post.postId.split('_')[1] ?? rng.digits(15)}_${rng.digits(15)}`;
    const change: Record<string, () => Expected<Record<string, unknown>>> = {
      reaction: () => facebookReaction(post, actor, nowMs, { verb: 'add', reactionType: 'love' }),
      'reaction-remove': () => facebookReaction(post, actor, nowMs, { verb: 'remove', reactionType: 'love' }),
      like: () => facebookReaction(post, actor, nowMs, { verb: 'add', reactionType: 'like', legacyLike: true }),
      comment: () => facebookComment(post, actor, nowMs, { verb: 'add', commentId, message: 'Nice!' }),
      'comment-edited': () => facebookComment(post, actor, nowMs, { verb: 'edited', commentId, message: 'Nice! (edited)' }),
      'comment-remove': () => facebookComment(post, actor, nowMs, { verb: 'remove', commentId, message: '' }),
      share: () => facebookShare(rng, post, actor, nowMs),
    };
    const built = (change[kind] ?? change.reaction)!();
    const body = metaEnvelope('page', [{ id: post.pageId, time: Math.floor(nowMs / 1000), changes: [built.payload] }]);
    return { ...base, body: JSON.stringify(body), objectId: post.postId, expected: [counterLine(kind, built)] };
  }
  if (provider === 'instagram') {
    const media = newInstagramMedia(rng, options.accountId ?? `178414${rng.digits(11)}`);
    if (options.objectId) media.mediaId = options.objectId;
    const actor = newSocialActor(rng, idSequence(rng, 13));
    const commentId = `178${rng.digits(14)}`;
    let built: Expected<Record<string, unknown>>;
    if (kind === 'mentions') built = instagramMention(media, commentId);
    else if (kind === 'story_insights') built = instagramStoryInsights(media.mediaId, rng.int(40, 400));
    else built = instagramComment(media, actor, { commentId, text: 'love it', live: kind === 'live_comments' });
    const body = metaEnvelope('instagram', [{ id: media.accountId, time: Math.floor(nowMs / 1000), changes: [built.payload] }]);
    return { ...base, body: JSON.stringify(body), objectId: media.mediaId, expected: [counterLine(kind, built)] };
  }
  const post = newLinkedInPost(rng, options.accountId ?? `urn:li:organization:${rng.digits(8)}`, 'Launch');
  if (options.objectId) post.shareUrn = options.objectId;
  const nextId = idSequence(rng, 10);
  const actor = newSocialActor(rng, idSequence(rng, 13));
  const actions: LinkedInAction[] = kind === 'batch' ? ['LIKE', 'COMMENT', 'SHARE'] : [kind as LinkedInAction];
  const built = actions.map((action, i) =>
    linkedInNotification(rng, post, action, nowMs - (actions.length - i) * 1000, { notificationId: nextId(), actor }),
  );
  return {
    ...base,
    body: JSON.stringify(linkedInEnvelope(built.map((b) => b.payload))),
    objectId: post.shareUrn,
    expected: built.map((b, i) => counterLine(actions[i] ?? kind, b)),
  };
}

/** Instagram story insights: a snapshot sent ~1 h after a story expires; counts its impressions. */
export function instagramStoryInsights(mediaId: string, impressions: number): Expected<Record<string, unknown>> {
  const value = {
    media_id: mediaId,
    impressions,
    reach: Math.round(impressions * 0.8),
    exits: 3,
    replies: 1,
    taps_forward: 12,
    taps_back: 2,
  };
  return { payload: { field: 'story_insights', value }, counter: 'social_impressions', quantity: impressions };
}
