// The providers' ids: the registry's first half (registry.ts maps each id to its folder's
// definition, and the compiler refuses a registry that misses one). It sits below everything so
// the shared types can name providers without importing the providers themselves.
export const METRICS_PROVIDERS = ['sendgrid', 'resend', 'mailgun', 'facebook', 'instagram', 'linkedin'] as const;
export type MetricsProvider = (typeof METRICS_PROVIDERS)[number];

export function isMetricsProvider(value: unknown): value is MetricsProvider {
  return typeof value === 'string' && (METRICS_PROVIDERS as readonly string[]).includes(value);
}
