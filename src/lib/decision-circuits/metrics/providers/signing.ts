// Every provider's signer in one import, for tests, benchmarks and the CLI sender.
export * from './sendgrid/signer';
export * from './resend/signer';
export * from './meta/signer';
export * from './linkedin/signer';
export type { Body, When } from './kit/signing-support';
