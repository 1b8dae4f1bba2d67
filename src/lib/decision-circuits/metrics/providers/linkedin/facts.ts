// LinkedIn: who it is, how it signs, what its actions mean (docs/providers.md, LinkedIn).
import type { ProviderFacts } from '../kit/definition';

export const LINKEDIN = {
  id: 'linkedin',
  label: 'LinkedIn',
  channel: 'social',
  routing: 'account',
  secretKinds: { linkedin_client_secret: 'Client secret' },
  connectionForm: {
    kind: 'account',
    optionLabel: 'LinkedIn organization',
    label: 'Organization URN',
    hint: 'urn:li:organization:<id>, as LinkedIn names the organization.',
  },
  headers: {
    signature: 'x-linkedin-signature',
    timestamp: 'x-linkedin-timestamp',
    alternates: ['x-li-signature'],
  },
  events: {
    LIKE: 'social_like',
    COMMENT: 'social_comment',
    COMMENT_DELETE: 'social_comment',
    SHARE: 'social_share',
  },
} as const satisfies ProviderFacts;
