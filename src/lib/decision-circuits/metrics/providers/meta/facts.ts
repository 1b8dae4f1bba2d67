// Facebook and Instagram are one Meta app: one signature scheme and handshake, two providers with
// their own event names (docs/providers.md, Facebook and Instagram).
import type { ProviderFacts } from '../kit/definition';

const META_HEADERS = { signature: 'x-hub-signature-256' } as const;
/** Both sign with the one Meta app's secret. */
const META_SECRET_KINDS = { meta_app_secret: 'App secret' } as const;

export const FACEBOOK = {
  id: 'facebook',
  label: 'Facebook',
  channel: 'social',
  routing: 'account',
  secretKinds: META_SECRET_KINDS,
  connectionForm: {
    kind: 'account',
    optionLabel: 'Facebook page',
    label: 'Page id',
    hint: 'The numeric id of the Facebook page whose events this workspace receives.',
  },
  headers: META_HEADERS,
  events: {
    'feed:comment': 'social_comment',
    'feed:reaction': 'social_like',
    'feed:like': 'social_like',
  },
} as const satisfies ProviderFacts;

export const INSTAGRAM = {
  id: 'instagram',
  label: 'Instagram',
  channel: 'social',
  routing: 'account',
  secretKinds: META_SECRET_KINDS,
  connectionForm: {
    kind: 'account',
    optionLabel: 'Instagram account',
    label: 'Instagram account id',
    hint: 'The Instagram professional account id (17841…).',
  },
  headers: META_HEADERS,
  events: {
    comments: 'social_comment',
    live_comments: 'social_comment',
    story_insights: 'social_impression',
  },
} as const satisfies ProviderFacts;
