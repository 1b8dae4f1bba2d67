// The social half of a simulated campaign: each variant's posts on Facebook, Instagram and
// LinkedIn, and the audience's reactions, comments and shares as each platform reports them.
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import {
  mappingFor,
  pickIndices,
  type EventDraft,
  type MappingFate,
  type PlanContext,
  type SimObject,
  type SimVariant,
  type SocialInsightsTruth,
  type VariantProfile,
} from './campaign-model';
import { lateRegistrationTimes, type PlannedPart } from './email-campaign';
import type { Rng } from '../../src/lib/random/seeded-rng';
import {
  facebookComment,
  facebookReaction,
  facebookShare,
  idSequence,
  instagramComment,
  instagramMention,
  linkedInNotification,
  newFacebookPost,
  newInstagramMedia,
  newLinkedInPost,
  newSocialActor,
  randomCommentText,
  randomReaction,
  type Expected,
  type LinkedInAction,
  type SocialActor,
} from './provider-payloads';

const SOCIAL_PROVIDERS = ['facebook', 'instagram', 'linkedin'] as const;
type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];
const SECOND_MS = 1000;

interface Post {
  provider: SocialProvider;
  variant: SimVariant | null;
  fate: MappingFate;
  publishAt: number;
}

interface Accounts {
  pageId: string;
  igAccountId: string;
  organization: string;
  nextUserId: () => string;
  nextCommentId: () => string;
  nextNotificationId: () => string;
}

/** The engagement one post gets: counts drawn around the variant's profile. */
function engagementCounts(rng: Rng, profile: VariantProfile, scale: number): { likes: number; comments: number; shares: number } {
  const draw = (mean: number) => Math.max(0, Math.round(mean * rng.between(0.7, 1.3) * scale));
  return { likes: draw(profile.likes), comments: draw(profile.comments), shares: draw(profile.shares) };
}

class PostEvents {
  readonly drafts: EventDraft[] = [];
  constructor(
    private readonly ctx: PlanContext,
    private readonly provider: SocialProvider,
    private readonly objectId: string,
  ) {}

  /** Adds one change at offset `at` (dropped past the campaign's end); returns whether it was kept. */
  add(at: number, kind: string, expected: Expected<Record<string, unknown>>, meta?: EventDraft['meta']): boolean {
    if (at > this.ctx.durationMs) return false;
    const atMs = this.ctx.startMs + Math.floor(at);
    // Meta dates changes in whole seconds (created_time or entry.time); LinkedIn in milliseconds.
    const occurredAtMs = this.provider === 'linkedin' ? atMs : Math.floor(atMs / 1000) * 1000;
    this.drafts.push({
      event: {
        key: this.ctx.nextEventKey(),
        provider: this.provider,
        kind,
        objectId: expected.counter === null ? null : this.objectId,
        counter: expected.counter,
        quantity: expected.quantity,
        occurredAtMs,
      },
      payload: expected.payload,
      ...(meta ? { meta } : {}),
    });
    return true;
  }
}

function facebookPostEvents(ctx: PlanContext, rng: Rng, accounts: Accounts, post: Post, counts: ReturnType<typeof engagementCounts>) {
  const fbPost = newFacebookPost(rng, accounts.pageId);
  const events = new PostEvents(ctx, 'facebook', fbPost.postId);
  const meta = { object: 'page' as const, entryId: accounts.pageId, ownEntry: false };
  const when = () => post.publishAt + rng.exponential(ctx.durationMs * 0.25);
  const actor = (): SocialActor => newSocialActor(rng, accounts.nextUserId);
  for (let i = 0; i < counts.likes; i += 1) {
    const who = actor();
    const at = when();
    const reactionType = randomReaction(rng);
    const legacyLike = rng.chance(0.05);
    const added = events.add(
      at,
      'feed:reaction:add',
      facebookReaction(fbPost, who, ctx.startMs + at, { verb: 'add', reactionType, legacyLike }),
      meta,
    );
    if (added && rng.chance(0.06)) {
      const removedAt = at + rng.between(30, 900) * SECOND_MS;
      events.add(
        removedAt,
        'feed:reaction:remove',
        facebookReaction(fbPost, who, ctx.startMs + removedAt, { verb: 'remove', reactionType, legacyLike }),
        meta,
      );
    }
  }
  for (let i = 0; i < counts.comments; i += 1) {
    const who = actor();
    const at = when();
    const commentId = `${fbPost.postId.split('_')[1] ?? ''}_${accounts.nextCommentId()}`;
    const message = randomCommentText(rng);
    if (!events.add(at, 'feed:comment:add', facebookComment(fbPost, who, ctx.startMs + at, { verb: 'add', commentId, message }), meta))
      continue;
    const later = at + rng.between(60, 900) * SECOND_MS;
    if (rng.chance(0.05)) {
      events.add(
        later,
        'feed:comment:edited',
        facebookComment(fbPost, who, ctx.startMs + later, { verb: 'edited', commentId, message: `${message} (edited)` }),
        meta,
      );
    } else if (rng.chance(0.04)) {
      events.add(
        later,
        'feed:comment:remove',
        facebookComment(fbPost, who, ctx.startMs + later, { verb: 'remove', commentId, message }),
        meta,
      );
    }
  }
  // Page-feed shares are new posts, not reshare counts: noise the rollups must ignore.
  for (let i = rng.int(0, 2); i > 0; i -= 1) {
    const at = when();
    events.add(at, 'feed:share:add', facebookShare(rng, fbPost, actor(), ctx.startMs + at), meta);
  }
  return { objectId: fbPost.postId, drafts: events.drafts };
}

function instagramPostEvents(ctx: PlanContext, rng: Rng, accounts: Accounts, post: Post, counts: ReturnType<typeof engagementCounts>) {
  const media = newInstagramMedia(rng, accounts.igAccountId);
  const events = new PostEvents(ctx, 'instagram', media.mediaId);
  // A comment has no time of its own: each change rides in its own entry, dated by entry.time.
  const meta = { object: 'instagram' as const, entryId: accounts.igAccountId, ownEntry: true };
  const when = () => post.publishAt + rng.exponential(ctx.durationMs * 0.25);
  // Instagram reports no likes or shares by webhook: comments carry its engagement.
  const comments = Math.round(counts.comments * 1.5);
  for (let i = 0; i < comments; i += 1) {
    const commentId = `178${accounts.nextCommentId()}`;
    events.add(
      when(),
      'comments',
      instagramComment(media, newSocialActor(rng, accounts.nextUserId), { commentId, text: randomCommentText(rng) }),
      meta,
    );
  }
  for (let i = rng.int(0, 1); i > 0; i -= 1) {
    events.add(when(), 'mentions', instagramMention(media, `178${accounts.nextCommentId()}`), meta);
  }
  return { objectId: media.mediaId, drafts: events.drafts };
}

function linkedInPostEvents(ctx: PlanContext, rng: Rng, accounts: Accounts, post: Post, counts: ReturnType<typeof engagementCounts>) {
  const liPost = newLinkedInPost(rng, accounts.organization, `Launch (${post.variant?.key ?? 'organic'})`);
  const events = new PostEvents(ctx, 'linkedin', liPost.shareUrn);
  const when = () => post.publishAt + rng.exponential(ctx.durationMs * 0.25);
  const notify = (at: number, action: LinkedInAction, actor: SocialActor, commentId?: string): boolean =>
    events.add(
      at,
      action,
      linkedInNotification(rng, liPost, action, ctx.startMs + at, {
        notificationId: accounts.nextNotificationId(),
        actor,
        ...(commentId === undefined ? {} : { commentId }),
      }),
    );
  for (let i = 0; i < counts.likes; i += 1) notify(when(), 'LIKE', newSocialActor(rng, accounts.nextUserId));
  for (let i = 0; i < counts.shares; i += 1) notify(when(), 'SHARE', newSocialActor(rng, accounts.nextUserId));
  for (let i = 0; i < counts.comments; i += 1) {
    const who = newSocialActor(rng, accounts.nextUserId);
    const commentId = accounts.nextCommentId();
    const at = when();
    if (!notify(at, 'COMMENT', who, commentId)) continue;
    const later = at + rng.between(60, 900) * SECOND_MS;
    if (rng.chance(0.05)) notify(later, 'COMMENT_EDIT', who, commentId);
    else if (rng.chance(0.04)) notify(later, 'COMMENT_DELETE', who, commentId);
  }
  if (rng.chance(0.5)) notify(when(), 'ADMIN_COMMENT', newSocialActor(rng, accounts.nextUserId));
  return { objectId: liPost.shareUrn, drafts: events.drafts };
}

const POST_EVENTS = { facebook: facebookPostEvents, instagram: instagramPostEvents, linkedin: linkedInPostEvents };

/** Lifetime impressions per post: a few dozen per engagement event, reach most of that. */
function insightsFor(rng: Rng, post: { provider: SocialProvider; objectId: string; variantKey: string | null }, engagements: number) {
  const impressions = Math.round((engagements + 1) * rng.between(15, 40) + rng.int(20, 200));
  return { ...post, impressions, reach: Math.round(impressions * rng.between(0.6, 0.9)) };
}

export function planSocial(ctx: PlanContext): PlannedPart & { insights?: SocialInsightsTruth } {
  const rng = ctx.rng.fork('social');
  // Its own stream, so adding insights changed none of the other draws of a seed.
  const insightsRng = ctx.rng.fork('social-insights');
  const { options } = ctx;
  const part: PlannedPart & { insights?: SocialInsightsTruth } = { objects: [], drafts: [], registrations: [] };
  const platforms = SOCIAL_PROVIDERS.filter((p) => options.providers.includes(p as MetricsProvider));
  if (platforms.length === 0) return part;

  const accounts: Accounts = {
    pageId: rng.digits(15),
    igAccountId: `178414${rng.digits(11)}`,
    organization: `urn:li:organization:${rng.digits(8)}`,
    nextUserId: idSequence(rng, 13),
    nextCommentId: idSequence(rng, 15),
    nextNotificationId: idSequence(rng, 10),
  };
  const publishAt = (ctx.waves[0] ?? 0) + rng.between(0, 10) * SECOND_MS;
  const posts: Post[] = [];
  for (const variant of ctx.variants) {
    for (const provider of platforms) {
      for (let i = 0; i < options.posts; i += 1) posts.push({ provider, variant, fate: 'on_send', publishAt });
    }
  }
  const late = pickIndices(rng, posts.length, options.lateMappedShare, true);
  posts.forEach((post, i) => {
    if (late.has(i)) post.fate = 'late';
  });
  // An organic post published by hand: its engagement must count nowhere.
  if (options.unmappedShare > 0) {
    for (const provider of platforms) posts.push({ provider, variant: null, fate: 'never', publishAt });
  }

  const insights: SocialInsightsTruth = {
    accounts: { pageId: accounts.pageId, igAccountId: accounts.igAccountId, organization: accounts.organization },
    posts: [],
  };
  part.insights = insights;
  const lateTimes = lateRegistrationTimes(ctx.durationMs);
  const organicProfile = ctx.variants[0]?.profile;
  for (const post of posts) {
    const profile = post.variant?.profile ?? organicProfile;
    if (!profile) continue;
    const scale = options.engagement * (post.variant ? 1 : 0.3);
    const { objectId, drafts } = POST_EVENTS[post.provider](ctx, rng, accounts, post, engagementCounts(rng, profile, scale));
    part.drafts.push(...drafts);
    const object: SimObject = {
      provider: post.provider,
      objectId,
      channel: 'social',
      variantKey: post.variant?.key ?? null,
      fate: post.fate,
      selfAttributed: false,
      recipientHash: null,
    };
    part.objects.push(object);
    const engagements = drafts.filter((d) => d.event.counter !== null).length;
    insights.posts.push(insightsFor(insightsRng, { provider: post.provider, objectId, variantKey: object.variantKey }, engagements));
    if (post.variant && post.fate !== 'never') {
      const atMs = post.fate === 'late' ? rng.pick(lateTimes) : post.publishAt + 2 * SECOND_MS;
      part.registrations.push({ atMs, late: post.fate === 'late', mapping: mappingFor(object, post.variant, ctx.abTestId) });
    }
  }
  return part;
}
