// The request a provider would post for a body: its signed form when there is one, else its
// unsigned form, with the content type and user agent every delivery of that provider carries.
import type { ProviderSigner, SignedDelivery, SignInput } from './definition';

export interface DeliveryRequest {
  body: string;
  headers: Record<string, string>;
}

export function deliveryRequest(signer: ProviderSigner, input: Omit<SignInput, 'secret'>, signed: SignedDelivery | null): DeliveryRequest {
  const delivery = signed ?? signer.unsigned(input);
  return { body: delivery.body, headers: { 'content-type': 'application/json', 'user-agent': signer.userAgent, ...delivery.headers } };
}
