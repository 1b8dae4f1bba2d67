// The providers' payload builders, gathered for the simulator (each lives in its provider's folder).
export * from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
export * from '../../src/lib/decision-circuits/metrics/providers/sendgrid/payloads';
export * from '../../src/lib/decision-circuits/metrics/providers/resend/payloads';
export * from '../../src/lib/decision-circuits/metrics/providers/meta/payloads';
export * from '../../src/lib/decision-circuits/metrics/providers/linkedin/payloads';
