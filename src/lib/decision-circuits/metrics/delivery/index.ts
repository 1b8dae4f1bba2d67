// A delivery arriving: who may post, the providers' handshakes, routing by account. The room's
// public face for the webhook route.
export * from './webhook';
export * from './account-routing';
