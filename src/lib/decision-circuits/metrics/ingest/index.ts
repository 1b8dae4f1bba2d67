// The ingest room's public face: the bookkeeping around a delivery that the webhook route still
// does itself (last activity, verification failures).
export * from './activity';
export * from './verification-failures';
