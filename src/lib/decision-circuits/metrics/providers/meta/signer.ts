// Signs Meta (Facebook, Instagram) deliveries and builds its handshake, exactly as Meta does.
import type { ProviderSigner } from '../kit/definition';
import { hmacSha256, toBytes } from '../kit/provider';
import type { Body } from '../kit/signing-support';

/** Meta: `X-Hub-Signature-256: sha256=<hex HMAC(app secret, body)>`. */
export function signMeta(options: { appSecret: string; body: Body }): Record<string, string> {
  return { 'X-Hub-Signature-256': `sha256=${hmacSha256(options.appSecret, toBytes(options.body)).toString('hex')}` };
}

/** The query Meta sends when a callback URL is (re)configured. */
export function metaHandshakeQuery(verifyToken: string, challenge: string, mode = 'subscribe'): URLSearchParams {
  return new URLSearchParams({ 'hub.mode': mode, 'hub.challenge': challenge, 'hub.verify_token': verifyToken });
}

export const metaSigner: ProviderSigner = {
  userAgent: 'facebookexternalua',
  sign: ({ body, secret }) => ({ body, headers: signMeta({ appSecret: secret, body }), scheme: 'x-hub-signature-256' }),
  unsigned: ({ body }) => ({ body, headers: {}, scheme: 'unsigned' }),
};
