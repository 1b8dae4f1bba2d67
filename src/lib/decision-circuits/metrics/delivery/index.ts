// A delivery arriving: the receiveDelivery use case, who may post, the providers' handshakes,
// routing by account. The room's public face for the webhook route.
export * from './receive';
export * from './webhook';
export * from './account-routing';
