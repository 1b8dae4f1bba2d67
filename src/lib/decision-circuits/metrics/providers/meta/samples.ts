// One realistic Facebook or Instagram delivery per change kind, with what it should count.
import type { ProviderSamples } from '../kit/definition';
import { idSequence, newSocialActor, type Expected } from '../kit/sample-payloads';
import { startSample } from '../kit/sample-builders';
import {
  facebookComment,
  facebookReaction,
  facebookShare,
  instagramComment,
  instagramMention,
  instagramStoryInsights,
  metaEnvelope,
  newFacebookPost,
  newInstagramMedia,
} from './payloads';

const counterLine = (event: string, built: Expected<unknown>) => ({ event, counter: built.counter, quantity: built.quantity });

export const facebookSamples: ProviderSamples = {
  kinds: ['reaction', 'reaction-remove', 'like', 'comment', 'comment-edited', 'comment-remove', 'share'],
  aliases: { likes: 'reaction', comments: 'comment', unlike: 'reaction-remove' },
  testEventKind: 'reaction',
  build(kind, options) {
    const { rng, nowMs } = startSample(options);
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
    return {
      provider: 'facebook',
      kind,
      deliveryId: null,
      body: JSON.stringify(body),
      objectId: post.postId,
      expected: [counterLine(kind, built)],
    };
  },
};

export const instagramSamples: ProviderSamples = {
  kinds: ['comments', 'live_comments', 'mentions', 'story_insights'],
  aliases: { comment: 'comments', mention: 'mentions', impressions: 'story_insights' },
  testEventKind: 'comments',
  build(kind, options) {
    const { rng, nowMs } = startSample(options);
    const media = newInstagramMedia(rng, options.accountId ?? `178414${rng.digits(11)}`);
    if (options.objectId) media.mediaId = options.objectId;
    const actor = newSocialActor(rng, idSequence(rng, 13));
    const commentId = `178${rng.digits(14)}`;
    let built: Expected<Record<string, unknown>>;
    if (kind === 'mentions') built = instagramMention(media, commentId);
    else if (kind === 'story_insights') built = instagramStoryInsights(media.mediaId, rng.int(40, 400));
    else built = instagramComment(media, actor, { commentId, text: 'love it', live: kind === 'live_comments' });
    const body = metaEnvelope('instagram', [{ id: media.accountId, time: Math.floor(nowMs / 1000), changes: [built.payload] }]);
    return {
      provider: 'instagram',
      kind,
      deliveryId: null,
      body: JSON.stringify(body),
      objectId: media.mediaId,
      expected: [counterLine(kind, built)],
    };
  },
};
