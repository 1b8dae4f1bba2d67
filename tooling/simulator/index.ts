// Test-traffic generators (campaigns, ground truth) and the HTTP runner, shared by the CLI tools
// (scripts/webhook-send.ts, scripts/simulate.ts), tests and benchmarks. Not app code: nothing
// under src/ imports this folder, so the app's bundle never carries it.
export * from '../../src/lib/random/seeded-rng';
export * from './provider-payloads';
export * from './campaign-model';
export * from './campaign';
export * from './deliveries';
export * from './ground-truth';
export * from './engagement-truth';
export * from './engagement-report';
export * from './request-signing';
export * from './ab-test-registration';
export * from './runner';
export * from './insights-simulation';
export * from './report';
export * from './local-config';
export * from '../../src/lib/decision-circuits/metrics/providers/sample-deliveries';
