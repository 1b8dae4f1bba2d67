// Signs LinkedIn deliveries and builds its handshake, exactly as LinkedIn does.
import type { ProviderSigner } from '../kit/definition';
import { hmacSha256, toBytes } from '../kit/provider';
import { timestampHeader, type Body, type When } from '../kit/signing-support';

export { linkedInChallengeResponse } from './webhook';

/** LinkedIn X-LI-Signature under reading A (prefix signed) or B (prefix in the header). */
export function signLinkedIn(options: { clientSecret: string; body: Body; reading?: 'A' | 'B' }): Record<string, string> {
  const body = toBytes(options.body);
  const header =
    options.reading === 'A'
      ? hmacSha256(options.clientSecret, 'hmacsha256=', body).toString('hex')
      : `hmacsha256=${hmacSha256(options.clientSecret, body).toString('hex')}`;
  return { 'X-LI-Signature': header };
}

/** The release notes' LinkedIn variant: hex HMAC(secret, timestamp + body) with a timestamp header. */
export function signLinkedInNotes(options: { secret: string; body: Body; timestamp?: When }): Record<string, string> {
  const timestamp = timestampHeader(options.timestamp);
  return {
    'x-linkedin-signature': hmacSha256(options.secret, timestamp, toBytes(options.body)).toString('hex'),
    'x-linkedin-timestamp': timestamp,
  };
}

/** The query LinkedIn sends to validate an endpoint. */
export function linkedInHandshakeQuery(challengeCode: string): URLSearchParams {
  return new URLSearchParams({ challengeCode });
}

export const linkedinSigner: ProviderSigner = {
  userAgent: 'LinkedIn-Webhooks',
  sign: ({ body, secret }) => ({ body, headers: signLinkedIn({ clientSecret: secret, body, reading: 'B' }), scheme: 'x-li-signature' }),
  unsigned: ({ body }) => ({ body, headers: {}, scheme: 'unsigned' }),
};
