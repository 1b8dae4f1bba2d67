// Every provider's signer in one import, for tests, benchmarks and the CLI sender: development
// tooling, never imported by the app (each provider's own signer is, for the test-event button).
export * from '../src/lib/decision-circuits/metrics/providers/sendgrid/signer';
export * from '../src/lib/decision-circuits/metrics/providers/resend/signer';
export * from '../src/lib/decision-circuits/metrics/providers/meta/signer';
export * from '../src/lib/decision-circuits/metrics/providers/linkedin/signer';
export type { Body, When } from '../src/lib/decision-circuits/metrics/providers/kit/signing-support';
