// Meta webhook payloads (Facebook Pages feed, Instagram) as Meta sends them (docs/providers.md).
// Each builder also says what the change should count.
import type { Rng } from '../../../../random/seeded-rng';
import type { Expected, SocialActor } from '../kit/sample-payloads';

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
