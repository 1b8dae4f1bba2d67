// One realistic LinkedIn delivery per action (or a batch), with what it should count.
import type { ProviderSamples } from '../kit/definition';
import { idSequence, newSocialActor } from '../kit/sample-payloads';
import { startSample } from '../kit/sample-builders';
import { LINKEDIN_ACTIONS, linkedInEnvelope, linkedInNotification, newLinkedInPost, type LinkedInAction } from './payloads';

export const linkedinSamples: ProviderSamples = {
  kinds: [...LINKEDIN_ACTIONS, 'batch'],
  aliases: { likes: 'LIKE', comments: 'COMMENT', shares: 'SHARE' },
  testEventKind: 'LIKE',
  build(kind, options) {
    const { rng, nowMs } = startSample(options);
    const post = newLinkedInPost(rng, options.accountId ?? `urn:li:organization:${rng.digits(8)}`, 'Launch');
    if (options.objectId) post.shareUrn = options.objectId;
    const nextId = idSequence(rng, 10);
    const actor = newSocialActor(rng, idSequence(rng, 13));
    const actions: LinkedInAction[] = kind === 'batch' ? ['LIKE', 'COMMENT', 'SHARE'] : [kind as LinkedInAction];
    const built = actions.map((action, i) =>
      linkedInNotification(rng, post, action, nowMs - (actions.length - i) * 1000, { notificationId: nextId(), actor }),
    );
    return {
      provider: 'linkedin',
      kind,
      deliveryId: null,
      body: JSON.stringify(linkedInEnvelope(built.map((b) => b.payload))),
      objectId: post.shareUrn,
      expected: built.map((b, i) => ({ event: actions[i] ?? kind, counter: b.counter, quantity: b.quantity })),
    };
  },
};
