// Social provider payloads as Meta (Facebook Pages, Instagram) and LinkedIn send them
// (docs/providers.md). Each builder also says what the change should count.
import type { EventCounter } from '../metrics-types';
import type { Rng } from './random';

/** A payload fragment and what it should add to its object's rollup. */
export interface Expected<T> {
  payload: T;
  counter: EventCounter | null;
  /** +1 per event; -1 for removals and deletions. */
  quantity: number;
}

export interface SocialActor {
  id: string;
  name: string;
  username: string;
  /** LinkedIn member URN. */
  urn: string;
}

const NAMES = ['Ann', 'Bob', 'Cy', 'Dee', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea', 'Max', 'Nia'];
const COMMENTS = ['Nice!', 'Love this', 'Congrats!', 'Where can I sign up?', 'Great news \u{1F389}', 'Très bien', 'So good'];

/** Ids that never repeat within one sequence: a random base plus a counter. */
export function idSequence(rng: Rng, digits: number): () => string {
  let next = BigInt(rng.digits(digits));
  return () => {
    next += BigInt(rng.int(1, 97));
    return next.toString();
  };
}

export function newSocialActor(rng: Rng, nextId: () => string): SocialActor {
  const name = rng.pick(NAMES);
  return { id: nextId(), name, username: `${name.toLowerCase()}_${rng.base62(5)}`, urn: `urn:li:person:${rng.base62(10)}` };
}

// ---------- Meta ----------

export interface MetaEntry {
  id: string;
  time: number;
  changes: Record<string, unknown>[];
}

/** `{"object": "page" | "instagram", "entry": [...]}`: one POST, possibly many entries and changes. */
export function metaEnvelope(object: 'page' | 'instagram', entries: readonly MetaEntry[]): Record<string, unknown> {
  return { object, entry: entries.map((entry) => ({ id: entry.id, time: entry.time, changes: entry.changes })) };
}

export interface FacebookPost {
  pageId: string;
  /** `<pageid>_<postid>`, as /{page-id}/feed returns it: the attribution key. */
  postId: string;
}

export function newFacebookPost(rng: Rng, pageId: string): FacebookPost {
  return { pageId, postId: `${pageId}_${rng.digits(15)}` };
}

const seconds = (epochMs: number): number => Math.floor(epochMs / 1000);

/** Page feed reaction (`item: reaction`, or the legacy `item: like`); removal counts -1. */
export function facebookReaction(
  post: FacebookPost,
  actor: SocialActor,
  atMs: number,
  options: { verb: 'add' | 'remove'; reactionType: string; legacyLike?: boolean },
): Expected<Record<string, unknown>> {
  const value: Record<string, unknown> = {
    item: options.legacyLike ? 'like' : 'reaction',
    verb: options.verb,
    ...(options.legacyLike ? {} : { reaction_type: options.reactionType }),
    post_id: post.postId,
    parent_id: post.postId,
    from: { id: actor.id, name: actor.name },
    created_time: seconds(atMs),
  };
  return { payload: { field: 'feed', value }, counter: 'social_likes', quantity: options.verb === 'remove' ? -1 : 1 };
}

/** Page feed comment: `add` counts +1, `remove` -1, `edited` nothing. */
export function facebookComment(
  post: FacebookPost,
  actor: SocialActor,
  atMs: number,
  options: { verb: 'add' | 'edited' | 'remove'; commentId: string; message: string },
): Expected<Record<string, unknown>> {
  const value: Record<string, unknown> = {
    item: 'comment',
    verb: options.verb,
    post_id: post.postId,
    comment_id: options.commentId,
    parent_id: post.postId,
    from: { id: actor.id, name: actor.name },
    created_time: seconds(atMs),
    ...(options.verb === 'remove' ? {} : { message: options.message }),
  };
  const quantity = options.verb === 'remove' ? -1 : 1;
  return { payload: { field: 'feed', value }, counter: options.verb === 'edited' ? null : 'social_comments', quantity };
}

/** A link share posted on the Page feed: not a reshare count, so it counts nowhere. */
export function facebookShare(rng: Rng, post: FacebookPost, actor: SocialActor, atMs: number): Expected<Record<string, unknown>> {
  const value = {
    item: 'share',
    verb: 'add',
    post_id: `${post.pageId}_${rng.digits(15)}`,
    share_id: rng.digits(15),
    link: 'https://example.com/blog/launch',
    from: { id: actor.id, name: actor.name },
    created_time: seconds(atMs),
  };
  return { payload: { field: 'feed', value }, counter: null, quantity: 1 };
}

export function randomCommentText(rng: Rng): string {
  return rng.pick(COMMENTS);
}

export function randomReaction(rng: Rng): string {
  return rng.weighted([
    ['like', 70],
    ['love', 18],
    ['haha', 4],
    ['wow', 4],
    ['care', 2],
    ['sad', 1],
    ['angry', 1],
  ]);
}

export interface InstagramMedia {
  /** The IG professional account id (entry.id). */
  accountId: string;
  /** The media id publishing returned: the attribution key. */
  mediaId: string;
  productType: 'FEED' | 'REELS';
}

export function newInstagramMedia(rng: Rng, accountId: string): InstagramMedia {
  return { accountId, mediaId: rng.digits(17), productType: rng.chance(0.7) ? 'FEED' : 'REELS' };
}

/** `comments` (or `live_comments`): no time of its own, so the entry's `time` dates it. */
export function instagramComment(
  media: InstagramMedia,
  actor: SocialActor,
  options: { commentId: string; text: string; live?: boolean },
): Expected<Record<string, unknown>> {
  const value = {
    id: options.commentId,
    text: options.text,
    from: { id: actor.id, username: actor.username },
    media: { id: media.mediaId, media_product_type: options.live ? 'LIVE' : media.productType },
  };
  return { payload: { field: options.live ? 'live_comments' : 'comments', value }, counter: 'social_comments', quantity: 1 };
}

/** An @mention of the account in a comment: provider-only. */
export function instagramMention(media: InstagramMedia, commentId: string): Expected<Record<string, unknown>> {
  return { payload: { field: 'mentions', value: { comment_id: commentId, media_id: media.mediaId } }, counter: null, quantity: 1 };
}

// ---------- LinkedIn ----------

export interface LinkedInPost {
  organization: string;
  /** `urn:li:activity:…`: what sourcePost names. */
  activityUrn: string;
  /** `urn:li:share:…` or `urn:li:ugcPost:…`: what the Posts API returned; the attribution key. */
  shareUrn: string;
  text: string;
}

export function newLinkedInPost(rng: Rng, organization: string, text: string): LinkedInPost {
  const share = rng.chance(0.8) ? 'share' : 'ugcPost';
  return {
    organization,
    activityUrn: `urn:li:activity:${rng.digits(19)}`,
    shareUrn: `urn:li:${share}:${rng.digits(19)}`,
    text,
  };
}

export const LINKEDIN_ACTIONS = ['LIKE', 'COMMENT', 'SHARE', 'COMMENT_DELETE', 'COMMENT_EDIT', 'ADMIN_COMMENT'] as const;
export type LinkedInAction = (typeof LINKEDIN_ACTIONS)[number];

const LINKEDIN_EXPECTED: Record<LinkedInAction, [EventCounter | null, number]> = {
  LIKE: ['social_likes', 1],
  COMMENT: ['social_comments', 1],
  SHARE: ['social_shares', 1],
  COMMENT_DELETE: ['social_comments', -1],
  COMMENT_EDIT: [null, 1],
  ADMIN_COMMENT: [null, 1],
};

/** One notification; `commentId` ties a COMMENT to its later COMMENT_EDIT / COMMENT_DELETE. */
export function linkedInNotification(
  rng: Rng,
  post: LinkedInPost,
  action: LinkedInAction,
  atMs: number,
  options: { notificationId: string; actor: SocialActor; commentId?: string; text?: string },
): Expected<Record<string, unknown>> {
  const commentUrn = `urn:li:comment:(${post.activityUrn},${options.commentId ?? rng.digits(19)})`;
  const isComment = action.startsWith('COMMENT') || action === 'ADMIN_COMMENT';
  const owner = action === 'ADMIN_COMMENT' ? post.organization : options.actor.urn;
  const notification: Record<string, unknown> = {
    // A long: ids stay below 2^53 so JSON keeps them exact.
    notificationId: Number(options.notificationId),
    organizationalEntity: post.organization,
    action,
    sourcePost: post.activityUrn,
    decoratedSourcePost: { entity: post.shareUrn, owner: post.organization, text: post.text },
    generatedActivity: isComment ? commentUrn : `urn:li:activity:${rng.digits(19)}`,
    lastModifiedAt: Math.floor(atMs),
    subscriber: `urn:li:person:${rng.base62(10)}`,
  };
  if (action === 'COMMENT' || action === 'COMMENT_EDIT' || action === 'ADMIN_COMMENT') {
    notification.decoratedGeneratedActivity = { comment: { owner, text: options.text ?? randomCommentText(rng) } };
  } else if (action === 'SHARE') {
    notification.decoratedGeneratedActivity = { share: { owner, text: 'Worth a read' } };
  }
  const [counter, quantity] = LINKEDIN_EXPECTED[action];
  return { payload: notification, counter, quantity };
}

export function linkedInEnvelope(notifications: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS', notifications };
}
