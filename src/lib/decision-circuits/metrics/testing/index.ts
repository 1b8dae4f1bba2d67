// Test-traffic generators (payloads, campaigns, ground truth) and the HTTP runner, shared by the
// CLI tools (scripts/webhook-send.ts, scripts/simulate.ts), tests and benchmarks. Not app code.
export * from './random';
export * from './email-payloads';
export * from './social-payloads';
export * from './campaign-model';
export * from './campaign';
export * from './deliveries';
export * from './ground-truth';
export * from './request-signing';
export * from './samples';
export * from './ab-test-registration';
export * from './runner';
export * from './report';
export * from './local-config';
