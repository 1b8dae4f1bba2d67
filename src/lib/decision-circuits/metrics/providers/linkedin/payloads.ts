// LinkedIn organization social action notifications as LinkedIn sends them (docs/providers.md).
import type { EventCounter } from '../../metrics-types';
import type { Rng } from '../../../../random/seeded-rng';
import { randomCommentText, type Expected, type SocialActor } from '../kit/sample-payloads';

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
